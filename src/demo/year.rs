//! Carries out one drawn year through the service.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use axum::http::Method;
use chrono::Datelike;
use futures::StreamExt;
use rust_decimal::Decimal;
use serde_json::json;
use tessera_aggregates::inventory::{Inventory, InventoryCommand};
use tessera_aggregates::natural_id;
use tessera_aggregates::order::{Order, OrderCommand, PaymentMethod};

use super::ManualClock;
use super::api::{Actor, Api};
use super::plan::{ACTIVITIES, Journey, Pay, Refund, Year};
use crate::app::AppState;
use crate::ids::{conference_id, inventory_id, order_id};
use crate::meta::CommandMeta;

/// A paid order of a journey.
#[derive(Debug, Clone)]
struct Paid {
    who: Actor,
    reference: String,
    total: Decimal,
}

pub struct Made {
    pub paid: usize,
}

pub async fn run(
    app: &AppState,
    api: &Api,
    clock: &ManualClock,
    admin: &Actor,
    plan: &Year,
    concurrency: usize,
    progress: &mut impl FnMut(&str),
) -> anyhow::Result<Made> {
    if let Some(first) = plan.slots.first() {
        clock.set(first.at - chrono::Duration::hours(2));
    }
    setup(app, api, admin, plan).await?;
    let base = format!("/api/v1/conferences/{}", plan.slug);
    let paid: Mutex<BTreeMap<usize, Paid>> = Mutex::new(BTreeMap::new());
    let mut month = None;
    for slot in &plan.slots {
        clock.set(slot.at);
        let m = (slot.at.year(), slot.at.month());
        if month.is_some_and(|before| before != m) {
            let done = paid.lock().map(|p| p.len()).unwrap_or(0);
            let head = app.db.head().await?;
            progress(&format!(
                "{} {:04}-{:02}: {done} paid orders, log at {head}",
                plan.slug, m.0, m.1
            ));
        }
        month = Some(m);
        if slot.journeys.is_empty() && slot.refunds.is_empty() && slot.checkins.is_empty() {
            continue;
        }
        let results = futures::stream::iter(slot.journeys.iter())
            .map(|j| shop(api, admin, &base, j))
            .buffer_unordered(concurrency.max(1))
            .collect::<Vec<_>>()
            .await;
        for r in results {
            if let Some((index, p)) = r?
                && let Ok(mut all) = paid.lock()
            {
                all.insert(index, p);
            }
        }
        let refunds: Vec<(Refund, Paid)> = slot
            .refunds
            .iter()
            .filter_map(|r| {
                let p = paid.lock().ok()?.get(&r.journey).cloned()?;
                Some((*r, p))
            })
            .collect();
        futures::stream::iter(refunds.iter())
            .map(|(r, p)| refund(api, admin, &base, r, p))
            .buffer_unordered(concurrency.max(1))
            .collect::<Vec<_>>()
            .await
            .into_iter()
            .collect::<anyhow::Result<Vec<()>>>()?;
        if !slot.checkins.is_empty() {
            settle(app).await?;
            let people: Vec<Actor> = slot
                .checkins
                .iter()
                .filter_map(|j| Some(paid.lock().ok()?.get(j)?.who.clone()))
                .collect();
            futures::stream::iter(people.iter())
                .map(|who| check_in(api, admin, &base, who))
                .buffer_unordered(concurrency.max(1))
                .collect::<Vec<_>>()
                .await
                .into_iter()
                .collect::<anyhow::Result<Vec<()>>>()?;
        }
        // The process managers follow each slot before time moves on, so their
        // facts carry the slot's time (the same seed, the same days).
        settle(app).await?;
    }
    // Deals, donations and the survey (one answer per attendee, in journey order).
    let mut attendees: Vec<Actor> = vec![];
    if let Ok(all) = paid.lock() {
        for p in all.values() {
            if !attendees.iter().any(|a| a.id == p.who.id) {
                attendees.push(p.who.clone());
            }
        }
    }
    let (deals, donations, responses) =
        super::extras::run(api, clock, admin, plan, &attendees).await?;
    // The day after the conference (the survey's time): the session ratings.
    let ratings = super::program::rate(api, plan, &attendees).await?;
    settle(app).await?;
    let paid = paid.lock().map(|p| p.len()).unwrap_or(0);
    progress(&format!(
        "{}: done, {paid} paid orders, {deals} sponsorship deals, {donations} donations, \
         {responses} survey answers, {ratings} session ratings",
        plan.slug
    ));
    Ok(Made { paid })
}

/// Waits until the process managers reached the log head (and what they append).
pub async fn settle(app: &AppState) -> anyhow::Result<()> {
    let mut head = app.db.head().await?;
    loop {
        if !app.reactor.wait_for(head, Duration::from_secs(120)).await {
            anyhow::bail!("process managers stuck below {head}");
        }
        let now = app.db.head().await?;
        if now == head {
            return Ok(());
        }
        head = now;
    }
}

/// The conference, its catalog, vouchers, discount conditions, program and
/// activities.
async fn setup(app: &AppState, api: &Api, admin: &Actor, plan: &Year) -> anyhow::Result<()> {
    let start = plan.start();
    let end = start + chrono::Duration::days(2);
    api.must(
        Method::POST,
        "/api/v1/conferences",
        admin,
        json!({
            "series": plan.series, "slug": plan.slug, "name": format!("DemoCon {}", plan.year),
            "year": plan.year, "start_date": start.to_string(), "end_date": end.to_string(),
            "timezone": "UTC", "total_capacity": plan.shoppers * 3
        }),
    )
    .await?;
    let base = format!("/api/v1/conferences/{}", plan.slug);
    let budget = Decimal::from(plan.shoppers as u64 * 250);
    api.must(
        Method::PATCH,
        &base,
        admin,
        json!({ "revenue_budget": budget.round_dp(2).to_string(), "target_attendance": plan.shoppers * 7 / 10 }),
    )
    .await?;
    // Stock never runs out: what a journey gets does not depend on the others.
    for t in &plan.tickets {
        api.must(
            Method::POST,
            &format!("{base}/ticket-types"),
            admin,
            json!({ "slug": t.slug, "name": t.name, "price": t.price.to_string(),
                    "total_quantity": plan.shoppers * 3 }),
        )
        .await?;
    }
    api.must(
        Method::POST,
        &format!("{base}/addons"),
        admin,
        json!({ "slug": "t-shirt", "name": "T-shirt", "price": "25.00" }),
    )
    .await?;
    let uses = plan.shoppers * 3;
    for body in [
        json!({ "code": "EARLY", "kind": "percentage", "value": "15", "max_uses": uses }),
        json!({ "code": "COMMUNITY", "kind": "fixed_amount", "value": "50", "max_uses": uses }),
        json!({ "code": "SPEAKER", "kind": "comp", "max_uses": uses }),
    ] {
        api.must(Method::POST, &format!("{base}/vouchers"), admin, body)
            .await?;
    }
    // Two of the demo conditions, without usage limits (BOOT-23's shapes).
    let cid = conference_id(&plan.slug);
    let now = app.bus.services().now();
    let meta = CommandMeta::system().for_conf(Some(cid));
    for condition in crate::bootstrap::demo_conditions(cid, now) {
        if condition.name != "Corporate $50 Off" && condition.name != "Add-on 10% Off" {
            continue;
        }
        app.bus
            .send(
                &Inventory::stream(inventory_id(cid)),
                InventoryCommand::DefineCondition { condition },
                &meta,
            )
            .await
            .map_err(|e| anyhow::anyhow!("condition: {e}"))?;
    }
    super::program::setup(api, plan).await?;
    for (i, (slug, name)) in ACTIVITIES.iter().enumerate() {
        api.must(
            Method::POST,
            &format!("{base}/activities"),
            admin,
            json!({ "slug": slug, "name": name, "max_participants": plan.shoppers / (8 + 4 * i) + 1 }),
        )
        .await?;
    }
    Ok(())
}

/// One shopper's visit; the paid order when there is one.
async fn shop(
    api: &Api,
    admin: &Actor,
    base: &str,
    j: &Journey,
) -> anyhow::Result<Option<(usize, Paid)>> {
    let who = api.shopper(j.shopper, j.new).await?;
    let add = api
        .call(
            Method::POST,
            &format!("{base}/cart/items"),
            &who,
            Some(json!({ "ticket_type": j.ticket, "quantity": j.quantity })),
        )
        .await?;
    if !add.ok() {
        anyhow::bail!("{}: cart: {} {}", who.email, add.status, add.body);
    }
    if j.addon {
        api.must(
            Method::POST,
            &format!("{base}/cart/items"),
            &who,
            json!({ "addon": "t-shirt", "quantity": 1 }),
        )
        .await?;
    }
    if let Some(code) = j.voucher {
        api.must(
            Method::PUT,
            &format!("{base}/cart/voucher"),
            &who,
            json!({ "code": code }),
        )
        .await?;
    }
    if j.pay == Pay::Abandon {
        return Ok(None);
    }
    let placed = api
        .must(
            Method::POST,
            &format!("{base}/checkout"),
            &who,
            json!({ "billing_name": format!("Shopper {}", j.shopper), "billing_email": who.email }),
        )
        .await?;
    let reference = placed.str("reference");
    let total: Decimal = placed.str("total").parse().unwrap_or_default();
    let order = format!("{base}/orders/{reference}");
    match j.pay {
        Pay::Abandon | Pay::Leave => return Ok(None),
        Pay::Cancel => {
            api.must(Method::POST, &format!("{order}/cancel"), &who, json!({}))
                .await?;
            return Ok(None);
        }
        Pay::Comp => {
            api.must(
                Method::POST,
                &format!("{order}/payments"),
                &who,
                json!({ "method": "comp" }),
            )
            .await?;
        }
        Pay::Manual => {
            api.must(
                Method::POST,
                &format!("{order}/payments"),
                admin,
                json!({ "method": "manual", "amount": total.to_string(),
                        "reference": format!("TRANSFER-{}", j.index) }),
            )
            .await?;
        }
        Pay::Card => card(api, base, &reference, total).await?,
    }
    if let Some(activity) = j.activity {
        api.call(
            Method::POST,
            &format!("{base}/activities/{activity}/signups"),
            &who,
            None,
        )
        .await?;
    }
    Ok(Some((
        j.index,
        Paid {
            who,
            reference,
            total,
        },
    )))
}

/// The card payment as Stripe's `payment_intent.succeeded` records it (PAY-45): a
/// fake intent, no network.
async fn card(api: &Api, base: &str, reference: &str, total: Decimal) -> anyhow::Result<()> {
    let slug = base.rsplit('/').next().unwrap_or_default();
    let intent = format!("pi_demo_{reference}");
    let conference = conference_id(slug);
    let meta = CommandMeta::system().for_conf(Some(conference));
    let order = order_id(reference);
    let decided = api
        .app
        .bus
        .send_decided(
            &Order::stream(order),
            OrderCommand::RecordPayment {
                payment_id: natural_id("stripe-payment", &intent),
                method: PaymentMethod::Stripe,
                amount: total,
                stripe_payment_intent: Some(intent.clone()),
                credit_id: None,
                reference: format!("ch_demo_{reference}"),
                note: String::new(),
                by: None,
            },
            &meta,
        )
        .await
        .map_err(|e| anyhow::anyhow!("card payment of {reference}: {e}"))?;
    // As the webhook's flow does: the sale is in the Inventory before the answer
    // (a refund right after finds it sold).
    crate::process::sales::follow_now(&api.app.bus, order, conference, &decided.events, &meta)
        .await;
    Ok(())
}

/// A refund to store credit (full or half), then maybe the credit spent.
async fn refund(api: &Api, admin: &Actor, base: &str, r: &Refund, p: &Paid) -> anyhow::Result<()> {
    let amount = if r.partial {
        (p.total / Decimal::from(2)).round_dp(2)
    } else {
        p.total
    };
    if amount <= Decimal::ZERO {
        return Ok(());
    }
    let done = api
        .must(
            Method::POST,
            &format!("{base}/orders/{}/refunds", p.reference),
            admin,
            json!({ "amount": amount.to_string(), "to": "credit" }),
        )
        .await?;
    if !r.spend_credit {
        return Ok(());
    }
    let credit = done.str("credit_id");
    api.must(
        Method::POST,
        &format!("{base}/cart/items"),
        &p.who,
        json!({ "addon": "t-shirt", "quantity": 1 }),
    )
    .await?;
    let placed = api
        .must(
            Method::POST,
            &format!("{base}/checkout"),
            &p.who,
            json!({ "billing_name": p.who.email, "billing_email": p.who.email }),
        )
        .await?;
    let reference = placed.str("reference");
    api.must(
        Method::POST,
        &format!("{base}/orders/{reference}/payments"),
        &p.who,
        json!({ "method": "credit", "credit_id": credit }),
    )
    .await?;
    Ok(())
}

/// A scan at the door: the attendee's code, then the check-in (ATT-11).
async fn check_in(api: &Api, admin: &Actor, base: &str, who: &Actor) -> anyhow::Result<()> {
    let me = api
        .call(Method::GET, &format!("{base}/attendees/me"), who, None)
        .await?;
    if !me.ok() {
        return Ok(()); // a full refund since
    }
    api.must(
        Method::POST,
        &format!("{base}/checkins"),
        admin,
        json!({ "access_code": me.str("access_code"), "station": "main" }),
    )
    .await?;
    Ok(())
}
