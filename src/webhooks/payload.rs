//! The public webhook payload (WH-8): which log events become which published
//! kind, and the stable `data` each kind carries. Internal event shapes may
//! change; this mapping is the contract (docs/webhooks.md lists every kind).

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Value, json};
use tessera_aggregates::attendee::AttendeeEvent;
use tessera_aggregates::order::OrderEvent;
use tessera_aggregates::volunteer::VolunteerEvent;
use tessera_projections::{DomainEvent, Envelope};
use uuid::Uuid;

/// What a receiver gets as the request body.
#[derive(Debug, Clone, Serialize)]
pub struct Payload {
    /// Stable per log event: the same on every delivery and replay of it.
    pub id: Uuid,
    /// The event's position in the log (what a replay starts from).
    pub position: i64,
    pub kind: &'static str,
    pub conference_id: Uuid,
    pub occurred_at: DateTime<Utc>,
    pub data: Value,
}

/// The id of the webhook event of log position `position`.
pub fn event_id(position: i64) -> Uuid {
    tessera_aggregates::natural_id("webhook-event", &position.to_string())
}

/// The webhook event of a log event, when it is one of a published kind and
/// belongs to a conference.
pub fn of(env: &Envelope) -> Option<Payload> {
    let conference_id = env.meta.conference_id?;
    let subject = env.aggregate_id.clone();
    let (kind, data) = match &env.event {
        DomainEvent::Order(e) => order(e, &subject)?,
        DomainEvent::Attendee(e) => attendee(e, &subject)?,
        DomainEvent::Volunteer(e) => volunteer(e, &subject)?,
        _ => return None,
    };
    Some(Payload {
        id: event_id(env.position),
        position: env.position,
        kind,
        conference_id,
        occurred_at: env.recorded_at,
        data,
    })
}

fn order(e: &OrderEvent, order_id: &str) -> Option<(&'static str, Value)> {
    Some(match e {
        OrderEvent::OrderPlaced {
            reference,
            user,
            subtotal,
            discount_amount,
            total,
            ..
        } => (
            "order.placed",
            json!({ "order_id": order_id, "reference": reference, "user_id": user,
                    "subtotal": subtotal, "discount_amount": discount_amount, "total": total }),
        ),
        OrderEvent::OrderPaid { user, .. } => (
            "order.paid",
            json!({ "order_id": order_id, "user_id": user }),
        ),
        OrderEvent::OrderCancelled { reason, .. } => (
            "order.cancelled",
            json!({ "order_id": order_id, "reason": reason }),
        ),
        OrderEvent::OrderRefunded {
            refund_id,
            amount,
            status,
            ..
        } => (
            "order.refunded",
            json!({ "order_id": order_id, "refund_id": refund_id, "amount": amount,
                    "order_status": status }),
        ),
        _ => return None,
    })
}

fn attendee(e: &AttendeeEvent, attendee_id: &str) -> Option<(&'static str, Value)> {
    Some(match e {
        // The access code is a credential: it is not sent.
        AttendeeEvent::AttendeeRegistered { user, .. } => (
            "attendee.registered",
            json!({ "attendee_id": attendee_id, "user_id": user }),
        ),
        AttendeeEvent::AttendeeCheckedIn {
            number, station, ..
        } => (
            "attendee.checked_in",
            json!({ "attendee_id": attendee_id, "check_in": number, "station": station }),
        ),
        _ => return None,
    })
}

fn volunteer(e: &VolunteerEvent, application_id: &str) -> Option<(&'static str, Value)> {
    Some(match e {
        // The form is personal: only who applied is sent.
        VolunteerEvent::VolunteerApplied { user, .. } => (
            "volunteer.applied",
            json!({ "application_id": application_id, "user_id": user }),
        ),
        VolunteerEvent::VolunteerApproved { teams, roles, .. } => (
            "volunteer.approved",
            json!({ "application_id": application_id, "teams": teams, "roles": roles }),
        ),
        VolunteerEvent::VolunteerWaitlisted { .. } => (
            "volunteer.waitlisted",
            json!({ "application_id": application_id }),
        ),
        VolunteerEvent::VolunteerRejected { .. } => (
            "volunteer.rejected",
            json!({ "application_id": application_id }),
        ),
        VolunteerEvent::VolunteerCancelled { was, .. } => (
            "volunteer.cancelled",
            json!({ "application_id": application_id, "was": was }),
        ),
    })
}

#[cfg(test)]
mod tests {
    /// WH-2/WH-8: every kind the mapping can produce is published, and back.
    #[test]
    fn wh_8_every_mapped_kind_is_published() {
        let source = include_str!("payload.rs");
        for kind in tessera_aggregates::webhook::KINDS {
            assert!(source.contains(&format!("\"{kind}\"")), "{kind} is mapped");
        }
    }
}
