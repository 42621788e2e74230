//! The sponsorships page of a conference (one year): the pipeline figures against
//! the sponsorship goal, deals by status, active sponsors by level, and donations
//! against the donation goal (MY-3, MY-5/7, MY-29). The figures are the ones
//! `GET …/sponsorships/summary` answers (`http::fundraising::summary_of`); the
//! breakdowns read the same Fundraising and Sponsors rows as the JSON lists.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Path, State};
use rust_decimal::Decimal;
use tessera_aggregates::fundraising::DealStatus;

use super::{Nav, PageResult, Session, charts, render};
use crate::app::AppState;
use crate::http::fundraising::{rows, summary_of};
use crate::http::sponsors::active_sponsors;

/// A figure shown as a tile; `id` is its `data-metric`.
pub(crate) struct Figure {
    pub id: &'static str,
    pub label: &'static str,
    pub value: String,
}

pub(crate) fn figure(id: &'static str, label: &'static str, value: impl ToString) -> Figure {
    Figure {
        id,
        label,
        value: value.to_string(),
    }
}

/// A progress bar toward a goal: the percentage as shown and clamped for the bar.
pub(crate) struct Progress {
    pub label: &'static str,
    pub id: &'static str,
    pub amount: String,
    pub goal: String,
    pub percent: String,
    pub width: f64,
}

pub(crate) fn progress(
    label: &'static str,
    id: &'static str,
    amount: Decimal,
    goal: Decimal,
    percent: Decimal,
) -> Progress {
    Progress {
        label,
        id,
        amount: money(amount),
        goal: money(goal),
        percent: percent.to_string(),
        width: percent
            .to_string()
            .parse::<f64>()
            .unwrap_or(0.0)
            .clamp(0.0, 100.0),
    }
}

/// Money as the JSON API shows it: two places.
pub(crate) fn money(d: Decimal) -> String {
    format!("{:.2}", d.round_dp(2))
}

/// Every deal status in pipeline order, with its label.
const STATUSES: [(DealStatus, &str); 10] = [
    (DealStatus::NotContacted, "Not contacted"),
    (DealStatus::AwaitingResponse, "Awaiting response"),
    (DealStatus::Accepted, "Accepted"),
    (DealStatus::Approved, "Approved"),
    (DealStatus::AgreementSent, "Agreement sent"),
    (DealStatus::AgreementSigned, "Agreement signed"),
    (DealStatus::Invoiced, "Invoiced"),
    (DealStatus::Paid, "Paid"),
    (DealStatus::Rejected, "Rejected"),
    (DealStatus::Cancelled, "Cancelled"),
];

/// One row of a breakdown table: label, count, amount (may be empty), metric id.
pub(crate) struct Breakdown {
    pub id: String,
    pub label: String,
    pub count: u32,
    pub amount: String,
    pub detail: String,
}

#[derive(Template)]
#[template(path = "sponsorships.html")]
struct SponsorshipsPage {
    nav: Nav,
    conference: String,
    pipeline: Vec<Figure>,
    sponsorship: Progress,
    deals: Vec<Breakdown>,
    deals_chart: String,
    levels: Vec<Breakdown>,
    levels_chart: String,
    donations: Vec<Figure>,
    donation: Progress,
}

/// The year's sponsorships and donations.
pub(super) async fn sponsorships(
    State(app): State<AppState>,
    session: Session,
    Path(slug): Path<String>,
) -> PageResult {
    // The summary route's own gate (no feature needed).
    let conf = app.gate(&slug, &[]).await?;
    let s = summary_of(&app, conf.id).await?;
    let (d, g) = (&s.sponsorship, &s.donations);
    let pipeline = vec![
        figure("total_deals", "Deals", d.total_deals),
        figure("committed_count", "Committed deals", d.committed_count),
        figure(
            "committed_amount",
            "Committed amount",
            money(d.committed_amount),
        ),
        figure("pending_count", "Pending deals", d.pending_count),
        figure("pending_amount", "Pending amount", money(d.pending_amount)),
        figure(
            "awaiting_invoice_count",
            "Awaiting invoice",
            d.awaiting_invoice_count,
        ),
        figure(
            "awaiting_invoice_amount",
            "Awaiting invoice amount",
            money(d.awaiting_invoice_amount),
        ),
        figure("paid_count", "Paid deals", d.paid_count),
        figure("paid_amount", "Paid amount", money(d.paid_amount)),
    ];
    let sponsorship = progress(
        "Paid sponsorship toward the goal",
        "sponsorship_progress",
        d.paid_amount,
        d.goal,
        d.progress,
    );
    let donations = vec![
        figure("donations", "Donations", g.donations),
        figure("donors", "Donors", g.donors),
        figure("donation_total", "Donated", money(g.total)),
        figure("refunded", "Refunded donations", g.refunded_count),
    ];
    let donation = progress(
        "Donations toward the goal",
        "donation_progress",
        g.total,
        g.goal,
        g.progress,
    );

    // Deals by status: the pipeline list's rows and amounts (MY-5: a deal's own
    // amount, else its tier's price).
    let (tiers, deal_rows, _) = rows(&app, conf.id).await?;
    let price = |t: &Option<String>| {
        t.as_ref()
            .and_then(|t| tiers.iter().find(|x| x.slug == *t))
            .map(|x| x.tier.price)
    };
    let deals: Vec<Breakdown> = STATUSES
        .iter()
        .map(|(status, label)| {
            let of: Vec<_> = deal_rows.iter().filter(|r| r.status == *status).collect();
            let amount: Decimal = of
                .iter()
                .map(|r| r.deal.amount_with(price(&r.deal.tier)))
                .sum();
            Breakdown {
                id: format!("deals-{}", status_key(*status)),
                label: (*label).to_string(),
                count: of.len() as u32,
                amount: money(amount),
                detail: String::new(),
            }
        })
        .collect();
    let deals_chart = charts::bars(
        "Deals by status",
        &deals
            .iter()
            .filter(|b| b.count > 0)
            .map(|b| (b.label.clone(), f64::from(b.count)))
            .collect::<Vec<_>>(),
    );

    // Active sponsors by level, in level order (SPONSOR-2).
    let mut by_level: BTreeMap<(i32, String), (String, Vec<String>)> = BTreeMap::new();
    for sp in active_sponsors(&app, conf.id).await? {
        by_level
            .entry((sp.level.order, sp.level.slug.clone()))
            .or_insert_with(|| (sp.level.name.clone(), vec![]))
            .1
            .push(sp.name);
    }
    let levels: Vec<Breakdown> = by_level
        .into_iter()
        .map(|((_, slug), (name, mut sponsors))| {
            sponsors.sort();
            Breakdown {
                id: format!("level-{slug}"),
                label: name,
                count: sponsors.len() as u32,
                amount: String::new(),
                detail: sponsors.join(", "),
            }
        })
        .collect();
    let levels_chart = charts::bars(
        "Sponsors by level",
        &levels
            .iter()
            .map(|b| (b.label.clone(), f64::from(b.count)))
            .collect::<Vec<_>>(),
    );
    render(&SponsorshipsPage {
        nav: Nav::of(&app, &session),
        conference: slug,
        pipeline,
        sponsorship,
        deals,
        deals_chart,
        levels,
        levels_chart,
        donations,
        donation,
    })
}

/// A status as its JSON name (`agreement_sent`).
fn status_key(s: DealStatus) -> String {
    serde_json::to_value(s)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}
