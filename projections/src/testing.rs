//! Test helpers shared by the fold tests: envelopes in log order and the storage
//! round trip of rows.

use std::collections::BTreeMap;
use std::fmt::Debug;

use chrono::{DateTime, TimeZone, Utc};
use serde::{Serialize, de::DeserializeOwned};
use tessera_aggregates::natural_id;
use uuid::Uuid;

use crate::{DomainEvent, Envelope, EventMeta, Rows};

pub fn at(day: u32, hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 5, day, hour, 0, 0)
        .single()
        .unwrap_or_default()
}

pub fn conf() -> Uuid {
    natural_id("conference", "pycon-us-2026")
}

pub fn other_conf() -> Uuid {
    natural_id("conference", "pycon-us-2027")
}

pub fn user(name: &str) -> Uuid {
    natural_id("user", name)
}

/// One event of a stream, with the conference its command's metadata named.
#[derive(Clone)]
pub struct Logged {
    pub kind: &'static str,
    pub id: Uuid,
    pub conference: Option<Uuid>,
    pub event: DomainEvent,
}

/// Envelopes in log order, positions from 1.
pub fn log(events: Vec<Logged>) -> Vec<Envelope> {
    events
        .into_iter()
        .enumerate()
        .map(|(i, e)| Envelope {
            position: i as i64 + 1,
            aggregate_type: e.kind.into(),
            aggregate_id: e.id.to_string(),
            sequence: 0,
            event_type: String::new(),
            event: e.event,
            meta: EventMeta {
                conference_id: e.conference,
                actor: "system".into(),
                ..Default::default()
            },
            recorded_at: at(1, 9),
        })
        .collect()
}

/// Every row survives the storage encoding (`to_string` → `from_str`), as the
/// runner writes and loads it.
pub fn assert_round_trip<R>(rows: &Rows<R>)
where
    R: Serialize + DeserializeOwned + PartialEq + Debug + Clone,
{
    for (key, row) in rows.iter() {
        let doc = serde_json::to_string(row).unwrap_or_else(|e| panic!("{key}: {e}"));
        let back: R = serde_json::from_str(&doc).unwrap_or_else(|e| panic!("{key}: {e}: {doc}"));
        assert_eq!(&back, row, "{key} changed through storage");
    }
}

/// The rows as stored JSON: what a rebuild and an incremental run must agree on.
pub fn documents<R: Serialize + Clone>(rows: &Rows<R>) -> BTreeMap<String, String> {
    rows.iter()
        .map(|(k, r)| (k.clone(), serde_json::to_string(r).unwrap_or_default()))
        .collect()
}

/// Folds `events` in batches of `batch`, storing and loading the rows between
/// batches as the runner does (checkpointed, restarted).
pub fn fold_in_batches<P: crate::Projection>(events: &[Envelope], batch: usize) -> Rows<P::Row> {
    let mut stored: BTreeMap<String, String> = BTreeMap::new();
    for chunk in events.chunks(batch.max(1)) {
        let loaded = stored
            .iter()
            .map(|(k, doc)| {
                let row: P::Row = serde_json::from_str(doc).unwrap_or_else(|e| panic!("{k}: {e}"));
                (k.clone(), row)
            })
            .collect();
        let mut rows = Rows::from_stored(loaded);
        for env in chunk {
            P::apply(&mut rows, env);
        }
        for (k, row) in rows.take_changes() {
            match row {
                Some(r) => {
                    stored.insert(k, serde_json::to_string(&r).unwrap_or_default());
                }
                None => {
                    stored.remove(&k);
                }
            }
        }
    }
    Rows::from_stored(
        stored
            .into_iter()
            .map(|(k, doc)| {
                let row: P::Row = serde_json::from_str(&doc).unwrap_or_else(|e| panic!("{k}: {e}"));
                (k, row)
            })
            .collect(),
    )
}

/// An amount: `d("12.50")`.
pub fn d(amount: &str) -> rust_decimal::Decimal {
    amount
        .parse()
        .unwrap_or_else(|e| panic!("bad amount {amount}: {e}"))
}

/// Order fixtures shared by the order-fed projections.
pub mod order {
    use rust_decimal::Decimal;
    use tessera_aggregates::natural_id;
    use tessera_aggregates::order::{
        CancelReason, OrderEvent, OrderLine, OrderStatus, PaymentMethod, PlacedOrder, RefundReason,
        RefundTo, VoucherDetails,
    };
    use tessera_aggregates::pricing::{ProductRef, VoucherKind};
    use uuid::Uuid;

    use super::{Logged, at, conf, d};
    use crate::DomainEvent;

    pub fn order_id(reference: &str) -> Uuid {
        natural_id("order", reference)
    }

    pub fn payment_id(name: &str) -> Uuid {
        natural_id("payment", name)
    }

    /// An event of the order `reference`, sent with the conference in metadata.
    pub fn o(reference: &str, event: OrderEvent) -> Logged {
        Logged {
            kind: "order",
            id: order_id(reference),
            conference: Some(conf()),
            event: DomainEvent::Order(event),
        }
    }

    pub fn line(product: ProductRef, name: &str, unit: &str, qty: u32, voucher: &str) -> OrderLine {
        let gross = d(unit) * Decimal::from(qty);
        OrderLine {
            product,
            description: name.into(),
            unit_price: d(unit),
            quantity: qty,
            discount_amount: d(voucher),
            line_total: gross - d(voucher),
        }
    }

    /// Placed on May `day`: subtotal, discount and total from the lines.
    pub fn placed(
        conference: Uuid,
        reference: &str,
        user: Uuid,
        lines: Vec<OrderLine>,
        voucher: Option<&str>,
        day: u32,
    ) -> OrderEvent {
        let subtotal: Decimal = lines
            .iter()
            .map(|l| l.unit_price * Decimal::from(l.quantity))
            .sum();
        let total: Decimal = lines.iter().map(|l| l.line_total).sum();
        OrderEvent::OrderPlaced(PlacedOrder {
            order_id: order_id(reference),
            reference: reference.into(),
            conference_id: conference,
            user,
            cart_id: None,
            lines,
            subtotal,
            discount_amount: subtotal - total,
            total,
            voucher_code: voucher.map(Into::into),
            voucher_details: voucher.map(|code| VoucherDetails {
                code: code.into(),
                voucher_type: VoucherKind::Percentage,
                discount_value: d("10"),
                unlocks_hidden_tickets: false,
            }),
            billing_name: "Ana Lima".into(),
            billing_email: "ana@example.org".into(),
            billing_company: String::new(),
            hold_expires_at: Some(at(day, 10)),
            at: at(day, 9),
            sealed_billing: None,
        })
    }

    pub fn payment(
        name: &str,
        method: PaymentMethod,
        amount: &str,
        intent: Option<&str>,
        credit: Option<Uuid>,
    ) -> OrderEvent {
        OrderEvent::PaymentRecorded {
            payment_id: payment_id(name),
            method,
            amount: d(amount),
            stripe_payment_intent: intent.map(Into::into),
            credit_id: credit,
            reference: String::new(),
            note: String::new(),
            by: None,
            at: at(2, 9),
        }
    }

    pub fn paid(user: Uuid) -> OrderEvent {
        OrderEvent::OrderPaid {
            conference_id: conf(),
            user,
            at: at(2, 9),
        }
    }

    pub fn cancelled(reason: CancelReason, voucher: Option<&str>) -> OrderEvent {
        OrderEvent::OrderCancelled {
            reason,
            by: None,
            voucher_code: voucher.map(Into::into),
            at: at(3, 9),
        }
    }

    pub fn refunded(name: &str, amount: &str, to: RefundTo, status: OrderStatus) -> OrderEvent {
        OrderEvent::OrderRefunded {
            refund_id: natural_id("refund", name),
            amount: d(amount),
            to,
            reason: RefundReason::RequestedByCustomer,
            stripe_payment_intent: (to == RefundTo::Card).then(|| "pi_1".to_string()),
            by: None,
            status,
            at: at(4, 9),
            stripe_idempotency_key: None,
        }
    }
}
