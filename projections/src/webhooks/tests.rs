use chrono::TimeZone;
use tessera_aggregates::natural_id;

use super::*;
use crate::{EventMeta, fold_all};

fn env(position: i64, conference: Uuid, id: Uuid, event: WebhookEvent) -> Envelope {
    Envelope {
        position,
        aggregate_type: "webhook_endpoint".into(),
        aggregate_id: id.to_string(),
        sequence: position,
        event_type: "x".into(),
        event: DomainEvent::Webhook(event),
        meta: EventMeta {
            conference_id: Some(conference),
            ..Default::default()
        },
        recorded_at: Utc::now(),
    }
}

fn sealed(n: &str) -> Sealed {
    Sealed {
        v: 1,
        n: n.into(),
        c: n.into(),
    }
}

#[test]
fn wh_5_rotation_keeps_the_previous_secret_until_its_grace_ends_and_delete_removes() {
    let conf = natural_id("conference", "c");
    let id = natural_id("webhook", "a");
    let at = Utc
        .with_ymd_and_hms(2026, 5, 1, 9, 0, 0)
        .single()
        .unwrap_or_default();
    let until = at + chrono::Duration::hours(24);
    let registered = WebhookEvent::WebhookEndpointRegistered {
        conference_id: conf,
        url: "https://a.example".into(),
        kinds: vec!["order.paid".into()],
        description: String::new(),
        secret: sealed("one"),
        at,
    };
    let rotated = WebhookEvent::WebhookSecretRotated {
        secret: sealed("two"),
        previous_valid_until: until,
        at,
    };
    let rows = fold_all::<Webhooks>(&[
        env(3, conf, id, registered.clone()),
        env(4, conf, id, rotated.clone()),
        env(5, conf, id, WebhookEvent::WebhookEndpointDisabled { at }),
    ]);
    let row = rows.get(&endpoint_key(conf, id)).cloned();
    let row = row.unwrap_or_else(|| panic!("row"));
    assert_eq!(row.secret, sealed("two"));
    assert_eq!(row.previous_secret, Some(sealed("one")));
    assert_eq!(row.previous_valid_until, Some(until));
    assert!(!row.enabled);
    assert_eq!(row.position, 3);

    let rows = fold_all::<Webhooks>(&[
        env(3, conf, id, registered),
        env(4, conf, id, WebhookEvent::WebhookEndpointDeleted { at }),
    ]);
    assert!(rows.is_empty());
}
