use chrono::{TimeZone, Utc};
use rust_decimal::Decimal;
use tessera_aggregates::bulk_purchase::{BulkPurchaseEvent, BulkStatus, BulkTerms};
use uuid::Uuid;

use super::*;
use crate::{DomainEvent, Envelope, EventMeta, fold_all};

fn env(position: i64, id: Uuid, event: BulkPurchaseEvent) -> Envelope {
    let at = Utc
        .with_ymd_and_hms(2026, 5, 1, 9, 0, 0)
        .single()
        .unwrap_or_default();
    Envelope {
        position,
        aggregate_type: "bulk_purchase".into(),
        aggregate_id: id.to_string(),
        sequence: position,
        event_type: String::new(),
        event: DomainEvent::BulkPurchase(event),
        meta: EventMeta::default(),
        recorded_at: at,
    }
}

#[test]
fn sponsor_20_a_purchase_row_follows_its_events() {
    let conf = Uuid::from_u128(1);
    let id = Uuid::from_u128(2);
    let at = Utc
        .with_ymd_and_hms(2026, 5, 1, 9, 0, 0)
        .single()
        .unwrap_or_default();
    let terms = BulkTerms {
        quantity: 2,
        unit_price: Decimal::ONE,
        total_amount: Decimal::TWO,
        ..Default::default()
    };
    let rows = fold_all::<BulkPurchases>(&[
        env(
            1,
            id,
            BulkPurchaseEvent::BulkPurchaseRequested {
                conference_id: conf,
                terms,
                at,
            },
        ),
        env(
            2,
            id,
            BulkPurchaseEvent::BulkCheckoutStarted {
                session_id: "cs_1".into(),
                at,
            },
        ),
        env(
            3,
            id,
            BulkPurchaseEvent::BulkPurchaseFulfilled {
                codes: vec!["A".into(), "B".into()],
                payment_intent: Some("pi_1".into()),
                at,
            },
        ),
    ]);
    let row = rows.get(&key(conf, id)).cloned();
    let row = row.as_ref();
    assert_eq!(row.map(|r| r.status), Some(BulkStatus::Paid));
    assert_eq!(row.map(|r| r.is_fulfilled()), Some(true));
    assert_eq!(
        row.and_then(|r| r.payment_intent.clone()),
        Some("pi_1".into())
    );
}
