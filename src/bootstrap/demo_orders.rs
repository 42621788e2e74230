//! `--seed-demo` orders and Bob's open cart (SPEC BOOT-22).
//!
//! The orders take the path of a checkout followed by a recorded payment, through
//! the real aggregates, so stock, voucher uses, read models and attendees agree:
//! the one checkout (`process::checkout`, `How::Seeded`):
//! 1. `Inventory.Hold`: stock, per-user limits, hidden tickets, voucher use, prices
//!    and conditions, decided by the ledger in one decision (the seed has no cart
//!    to check out, so the order is placed without one);
//! 2. `Order.Place` with exactly the lines and amounts the hold priced;
//! 3. `Order.RecordPayment`: **comp** for a zero total (PAY-12), otherwise
//!    **manual** for the total (PAY-13). The demo moves no card money, and a manual
//!    payment is what an organizer records for money received outside Stripe; both
//!    are the order's one transition to paid and emit `OrderPaid` (AMB-6/7).
//!
//! `OrderPaid` is then followed up by the process managers (src/process/), as for
//! any payment: the sale is confirmed on the ledger and the attendee registered
//! (ATT-3). `tessera bootstrap --seed-demo` runs them up to the log head before it
//! exits ([`super::run_process_managers`]), so the attendees exist even when no
//! server runs.
//!
//! References are "ORD-" + 8 characters of A–Z0–9: BOOT-22's "ORD-"+6 is the seed's
//! side of AMB-3, and the Order aggregate accepts only ORDER-12's 8.
//!
//! Idempotent (BOOT-19): a demo user who already has an order in the conference
//! gets no other one, and Bob's cart is only seeded when he never had a cart in it.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use cqrs_es::Aggregate;
use rust_decimal::Decimal;
use tessera_aggregates::cart::{Cart, CartCommand};
use tessera_aggregates::inventory::{HoldLine, Inventory};
use tessera_aggregates::order::{Order, OrderEvent, PaymentMethod};
use tessera_aggregates::pricing::{ProductRef, VoucherKind};
use tessera_projections::EventMeta;
use tessera_replay::RawEvent;
use uuid::Uuid;

use super::demo_email;
use crate::bus::{BusError, CommandBus};
use crate::config::Config;
use crate::ids::{inventory_id, user_id};
use crate::meta::CommandMeta;
use crate::process::checkout::{Billing, How, checkout};
use crate::process::{Context, Faults};
use crate::refusal::{Failure, Kind};

/// BOOT-22 seeds orders and the cart only when the conference sells this ticket.
pub const GATE_TICKET: &str = "individual";
/// The add-on of Alice's order and Bob's cart (only when the conference has it).
pub const DEMO_ADDON: &str = "pycon-t-shirt";
/// The owner of the open cart.
pub const CART_OWNER: &str = "attendee_bob";

/// AMB-3/ORDER-12: the seed's reference prefix.
const REFERENCE_PREFIX: &str = "ORD";

/// How long the seeded cart and pending orders last, as the service is configured
/// (`tessera.toml` in the working directory and `TESSERA_*`, like `serve`), or the
/// defaults when that configuration cannot be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeedTimes {
    pub cart_expiry_minutes: u32,
    pub pending_order_expiry_minutes: u32,
}

impl SeedTimes {
    pub fn from_service_config() -> Self {
        let env: std::collections::HashMap<String, String> = std::env::vars().collect();
        let config = crate::config::Config::load(None, &env).unwrap_or_default();
        Self {
            cart_expiry_minutes: config.cart_expiry_minutes,
            pending_order_expiry_minutes: config.pending_order_expiry_minutes,
        }
    }
}

/// One demo order.
struct DemoOrder {
    buyer: &'static str,
    ticket: &'static str,
    /// Added when the conference has them.
    addons: &'static [(&'static str, u32)],
    /// Use a comp voucher covering the ticket (Carol's speaker comp).
    comp_voucher: bool,
}

const DEMO_ORDERS: [DemoOrder; 3] = [
    DemoOrder {
        buyer: "attendee_alice",
        ticket: GATE_TICKET,
        addons: &[(DEMO_ADDON, 1)],
        comp_voucher: false,
    },
    DemoOrder {
        buyer: "attendee_bob",
        ticket: "corporate",
        addons: &[],
        comp_voucher: false,
    },
    DemoOrder {
        buyer: "speaker_carol",
        ticket: "speaker",
        addons: &[],
        comp_voucher: true,
    },
];

/// One order the seed placed and paid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeededOrder {
    pub buyer: String,
    pub reference: String,
    pub total: Decimal,
    pub method: PaymentMethod,
    pub voucher: Option<String>,
    /// "Name ×qty" per line.
    pub lines: Vec<String>,
}

enum Outcome {
    Seeded(SeededOrder),
    Skipped(String),
}

/// What [`seed_orders_and_cart`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrdersSeeded {
    pub orders: Vec<SeededOrder>,
    pub cart_created: bool,
}

/// BOOT-22: the three paid orders and Bob's open cart. `history` is the
/// conference's log (who already has orders). Refusals by a rule (a ticket not on
/// sale, sold out, …) skip that order with a printed reason; store failures are
/// errors.
pub async fn seed_orders_and_cart(
    bus: &CommandBus,
    cid: Uuid,
    history: &[RawEvent],
    times: SeedTimes,
    out: &mut String,
) -> anyhow::Result<OrdersSeeded> {
    let mut seeded = OrdersSeeded::default();
    let ledger = inventory_id(cid).to_string();
    let gate = bus
        .inspect(&Inventory::stream(&ledger), |inv| {
            inv.ticket_type(GATE_TICKET).is_some()
        })
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    if !gate {
        let _ = writeln!(
            out,
            "Orders and cart: skipped, the conference has no ticket type '{GATE_TICKET}'."
        );
        return Ok(seeded);
    }

    let buyers = buyers(history)?;
    let meta = CommandMeta::system().for_conf(Some(cid));
    let mut lines = vec![];
    for spec in &DEMO_ORDERS {
        let email = demo_email(spec.buyer);
        if buyers.contains(&user_id(&email)) {
            lines.push(format!(
                "  {email}: skipped, already has an order in this conference."
            ));
            continue;
        }
        match place_and_pay(bus, cid, spec, times, &meta).await? {
            Outcome::Seeded(order) => {
                let voucher = order
                    .voucher
                    .as_ref()
                    .map(|v| format!(" with voucher {v}"))
                    .unwrap_or_default();
                lines.push(format!(
                    "  {} {}: {}{voucher}; total {}, paid ({}).",
                    order.reference,
                    order.buyer,
                    order.lines.join(", "),
                    order.total,
                    method_label(order.method),
                ));
                seeded.orders.push(order);
            }
            Outcome::Skipped(why) => lines.push(format!("  {email}: skipped, {why}")),
        }
    }
    let _ = writeln!(out, "Orders: {} created and paid.", seeded.orders.len());
    for line in lines {
        let _ = writeln!(out, "{line}");
    }

    seeded.cart_created = seed_cart(bus, cid, times, &meta, out).await?;
    Ok(seeded)
}

fn method_label(method: PaymentMethod) -> &'static str {
    match method {
        PaymentMethod::Comp => "comp",
        PaymentMethod::Manual => "manual",
        _ => "other",
    }
}

/// The users with an order in the conference's history.
fn buyers(history: &[RawEvent]) -> anyhow::Result<BTreeSet<Uuid>> {
    let mut users = BTreeSet::new();
    for raw in history
        .iter()
        .filter(|e| e.aggregate_type == <Order as Aggregate>::TYPE)
    {
        let event: OrderEvent = serde_json::from_str(&raw.payload)
            .map_err(|e| anyhow::anyhow!("order event at position {}: {e}", raw.position))?;
        if let OrderEvent::OrderPlaced(placed) = event {
            users.insert(placed.user);
        }
    }
    Ok(users)
}

/// What the ledger says about one demo order before it is held.
struct Ready {
    lines: Vec<HoldLine>,
    voucher: Option<String>,
}

/// Hold, place, pay (see the module documentation).
async fn place_and_pay(
    bus: &CommandBus,
    cid: Uuid,
    spec: &DemoOrder,
    times: SeedTimes,
    meta: &EventMeta,
) -> anyhow::Result<Outcome> {
    let email = demo_email(spec.buyer);
    let user = user_id(&email);
    let ledger = Inventory::stream(inventory_id(cid));
    let now = bus.services().now();
    let ticket = ProductRef::ticket(spec.ticket);
    let ready = bus
        .inspect(&ledger, |inv| {
            let t = inv.ticket_type(spec.ticket)?;
            let mut lines = vec![HoldLine {
                product: ticket.clone(),
                quantity: 1,
            }];
            for (slug, quantity) in spec.addons {
                if inv.addon(slug).is_some() {
                    lines.push(HoldLine {
                        product: ProductRef::addon(*slug),
                        quantity: *quantity,
                    });
                }
            }
            // A hidden ticket needs a voucher that unlocks it (CART-15); the comp
            // makes the order's total zero (DISC-11).
            let voucher = if spec.comp_voucher || t.requires_voucher {
                comp_voucher(inv, &ticket, t.requires_voucher, now)
            } else {
                None
            };
            Some((t.requires_voucher, Ready { lines, voucher }))
        })
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let Some((requires_voucher, ready)) = ready else {
        return Ok(Outcome::Skipped(format!(
            "the conference has no ticket type '{}'.",
            spec.ticket
        )));
    };
    if requires_voucher && ready.voucher.is_none() {
        return Ok(Outcome::Skipped(format!(
            "no valid comp voucher unlocks the '{}' ticket.",
            spec.ticket
        )));
    }

    // The seed's settings: its reference prefix and how long a pending order lasts.
    let config = Config {
        order_reference_prefix: REFERENCE_PREFIX.to_string(),
        pending_order_expiry_minutes: times.pending_order_expiry_minutes,
        ..Config::default()
    };
    let faults = Faults::default();
    let ctx = Context {
        bus,
        gateway: None,
        faults: &faults,
        config: &config,
    };
    let how = How::Seeded {
        lines: ready.lines,
        voucher: ready.voucher,
        note: "Demo data (bootstrap --seed-demo)".into(),
    };
    let billing = Billing {
        name: spec.buyer.to_string(),
        email: email.clone(),
        company: String::new(),
        // Demo buyers of a seeded conference: not sealed.
        sealed: None,
    };
    let placed = match checkout(ctx, cid, user, billing, how, meta).await {
        Ok(placed) => placed,
        Err(e) if matches!(e.kind(), Kind::Refused | Kind::NotFound | Kind::Conflict) => {
            return Ok(Outcome::Skipped(e.detail()));
        }
        Err(e) => return Err(anyhow::anyhow!("demo order of {email}: {e}")),
    };
    Ok(Outcome::Seeded(SeededOrder {
        buyer: email,
        reference: placed.order.reference,
        total: placed.order.total,
        method: placed.paid_with.unwrap_or(PaymentMethod::Manual),
        voucher: placed.order.voucher_code,
        lines: placed
            .order
            .lines
            .iter()
            .map(|l| format!("{} ×{}", l.description, l.quantity))
            .collect(),
    }))
}

/// A valid comp voucher covering `ticket` (one that unlocks hidden tickets when
/// `hidden`), preferring the seeded speaker vouchers ("SPKR-", BOOT-20).
fn comp_voucher(
    inv: &Inventory,
    ticket: &ProductRef,
    hidden: bool,
    now: tessera_aggregates::Timestamp,
) -> Option<String> {
    let mut codes: Vec<String> = inv
        .vouchers(now)
        .into_iter()
        .map(|v| v.voucher)
        .filter(|v| {
            v.kind == VoucherKind::Comp
                && v.is_valid(now)
                && v.scope.covers(ticket)
                && (v.unlocks_hidden || !hidden)
        })
        .map(|v| v.code)
        .collect();
    codes.sort_by_key(|c| (!c.starts_with("SPKR-"), c.clone()));
    codes.into_iter().next()
}

/// BOOT-22: an open cart for Bob with one "individual" ticket and two t-shirts
/// (when the conference has that add-on), through the Cart aggregate as the cart
/// endpoints do. Skipped when Bob already had a cart in this conference.
async fn seed_cart(
    bus: &CommandBus,
    cid: Uuid,
    times: SeedTimes,
    meta: &EventMeta,
    out: &mut String,
) -> anyhow::Result<bool> {
    let email = demo_email(CART_OWNER);
    let user = user_id(&email);
    let stream = Cart::stream(Cart::stream_id(cid, user));
    let had_cart = bus
        .inspect(&stream, Cart::exists)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    if had_cart {
        let _ = writeln!(
            out,
            "Cart: skipped, {email} already has a cart in this conference."
        );
        return Ok(false);
    }
    let expiry_minutes = times.cart_expiry_minutes;
    bus.send(
        &stream,
        CartCommand::Open {
            cart_id: Uuid::new_v4(),
            conference_id: cid,
            user,
            expiry_minutes,
        },
        meta,
    )
    .await
    .map_err(|e| anyhow::anyhow!("demo cart of {email}: {e}"))?;

    let now = bus.services().now();
    let ledger = Inventory::stream(inventory_id(cid));
    let wanted = [
        (ProductRef::ticket(GATE_TICKET), 1),
        (ProductRef::addon(DEMO_ADDON), 2),
    ];
    let mut added = vec![];
    for (product, quantity) in wanted {
        let offer = bus
            .inspect(&ledger, |inv| inv.offer(&product, user, now))
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let Some(offer) = offer else {
            continue; // the conference has no such add-on
        };
        let name = offer.name.clone();
        let command = if product.kind == tessera_aggregates::pricing::ProductKind::Ticket {
            CartCommand::AddTicket {
                item_id: Uuid::new_v4(),
                offer,
                quantity,
                voucher: None,
                expiry_minutes,
            }
        } else {
            CartCommand::AddAddon {
                item_id: Uuid::new_v4(),
                offer,
                quantity,
                expiry_minutes,
            }
        };
        match bus.send(&stream, command, meta).await {
            Ok(_) => added.push(format!("{name} ×{quantity}")),
            Err(BusError::Refused(e)) => {
                let _ = writeln!(out, "  Cart item {name}: skipped, {e}");
            }
            Err(e) => return Err(anyhow::anyhow!("demo cart of {email}: {e}")),
        }
    }
    let _ = writeln!(
        out,
        "Cart: open cart for {email}: {} (expires in {expiry_minutes} minutes).",
        if added.is_empty() {
            "empty".to_string()
        } else {
            added.join(", ")
        }
    );
    Ok(true)
}
