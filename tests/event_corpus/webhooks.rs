//! Samples of outgoing webhook endpoints.

use tessera_aggregates::user::Sealed;
use tessera_aggregates::webhook::{WebhookEndpoint, WebhookEvent};

use super::{Fixture, at, conference_id, id, later, stream};

fn sealed(c: &str) -> Sealed {
    Sealed {
        v: 1,
        n: "AAAAAAAAAAAAAAAA".into(),
        c: c.into(),
    }
}

pub fn webhook_endpoint() -> Vec<Fixture> {
    let events = vec![
        WebhookEvent::WebhookEndpointRegistered {
            conference_id: conference_id(),
            url: "https://crm.example.org/hooks/tessera".into(),
            kinds: vec!["order.paid".into(), "order.placed".into()],
            description: "CRM".into(),
            secret: sealed("c2VjcmV0IG9uZQ=="),
            at: at(),
        },
        WebhookEvent::WebhookSecretRotated {
            secret: sealed("c2VjcmV0IHR3bw=="),
            previous_valid_until: later(60 * 24),
            at: later(1),
        },
        WebhookEvent::WebhookEndpointDisabled { at: later(2) },
        WebhookEvent::WebhookEndpointEnabled { at: later(3) },
        WebhookEvent::WebhookReplayRequested {
            from_position: 42,
            at: later(4),
        },
        WebhookEvent::WebhookEndpointDeleted { at: later(5) },
    ];
    stream::<WebhookEndpoint>(id("webhook", "crm"), events)
}
