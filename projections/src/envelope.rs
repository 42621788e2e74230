use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tessera_aggregates::activity::ActivityEvent;
use tessera_aggregates::attendee::AttendeeEvent;
use tessera_aggregates::badge::BadgeTemplatesEvent;
use tessera_aggregates::bulk_purchase::BulkPurchaseEvent;
use tessera_aggregates::cart::CartEvent;
use tessera_aggregates::conference::ConferenceEvent;
use tessera_aggregates::credit::CreditEvent;
use tessera_aggregates::fundraising::FundraisingEvent;
use tessera_aggregates::inventory::InventoryEvent;
use tessera_aggregates::message::MessageEvent;
use tessera_aggregates::order::OrderEvent;
use tessera_aggregates::profile::ProfileEvent;
use tessera_aggregates::program::ProgramEvent;
use tessera_aggregates::purchase_order::PurchaseOrderEvent;
use tessera_aggregates::series::SeriesEvent;
use tessera_aggregates::session_rating::RatingEvent;
use tessera_aggregates::sponsor::SponsorEvent;
use tessera_aggregates::stripe_customer::StripeCustomerEvent;
use tessera_aggregates::stripe_event::StripeEventEvent;
use tessera_aggregates::survey::{ResponseEvent, SurveyEvent};
use tessera_aggregates::team::TeamEvent;
use tessera_aggregates::terminal_intent::TerminalIntentEvent;
use tessera_aggregates::travel_grant::GrantEvent;
use tessera_aggregates::user::UserEvent;
use tessera_aggregates::visa_letter::LetterEvent;
use tessera_aggregates::volunteer::VolunteerEvent;
use tessera_aggregates::webhook::WebhookEvent;
use uuid::Uuid;

/// Every domain event, decoded once by the runner and shared by all projections.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum DomainEvent {
    Activity(ActivityEvent),
    User(UserEvent),
    Series(SeriesEvent),
    Conference(ConferenceEvent),
    Inventory(InventoryEvent),
    Cart(CartEvent),
    Order(OrderEvent),
    Credit(CreditEvent),
    PurchaseOrder(PurchaseOrderEvent),
    Attendee(AttendeeEvent),
    StripeEvent(StripeEventEvent),
    StripeCustomer(StripeCustomerEvent),
    TerminalIntent(TerminalIntentEvent),
    Profile(ProfileEvent),
    Volunteer(VolunteerEvent),
    Team(TeamEvent),
    Sponsor(SponsorEvent),
    Fundraising(FundraisingEvent),
    BulkPurchase(BulkPurchaseEvent),
    TravelGrant(GrantEvent),
    VisaLetter(LetterEvent),
    Webhook(WebhookEvent),
    Message(MessageEvent),
    Survey(SurveyEvent),
    SurveyResponse(ResponseEvent),
    BadgeTemplates(BadgeTemplatesEvent),
    Program(ProgramEvent),
    SessionRating(RatingEvent),
    /// An event of an aggregate type this build does not know (kept, not folded).
    Unknown,
}

impl DomainEvent {
    /// Decodes a stored payload by its aggregate type.
    pub fn decode(aggregate_type: &str, payload: &str) -> Result<Self, serde_json::Error> {
        Ok(match aggregate_type {
            "activity" => Self::Activity(serde_json::from_str(payload)?),
            "user" => Self::User(serde_json::from_str(payload)?),
            "series" => Self::Series(serde_json::from_str(payload)?),
            "conference" => Self::Conference(serde_json::from_str(payload)?),
            "inventory" => Self::Inventory(serde_json::from_str(payload)?),
            "cart" => Self::Cart(serde_json::from_str(payload)?),
            "order" => Self::Order(serde_json::from_str(payload)?),
            "credit" => Self::Credit(serde_json::from_str(payload)?),
            "purchase_order" => Self::PurchaseOrder(serde_json::from_str(payload)?),
            "attendee" => Self::Attendee(serde_json::from_str(payload)?),
            "stripe_event" => Self::StripeEvent(serde_json::from_str(payload)?),
            "stripe_customer" => Self::StripeCustomer(serde_json::from_str(payload)?),
            "terminal_intent" => Self::TerminalIntent(serde_json::from_str(payload)?),
            "profile" => Self::Profile(serde_json::from_str(payload)?),
            "volunteer" => Self::Volunteer(serde_json::from_str(payload)?),
            "team" => Self::Team(serde_json::from_str(payload)?),
            "sponsor" => Self::Sponsor(serde_json::from_str(payload)?),
            "fundraising" => Self::Fundraising(serde_json::from_str(payload)?),
            "bulk_purchase" => Self::BulkPurchase(serde_json::from_str(payload)?),
            "travel_grant" => Self::TravelGrant(serde_json::from_str(payload)?),
            "visa_letter" => Self::VisaLetter(serde_json::from_str(payload)?),
            "webhook_endpoint" => Self::Webhook(serde_json::from_str(payload)?),
            "message" => Self::Message(serde_json::from_str(payload)?),
            "survey" => Self::Survey(serde_json::from_str(payload)?),
            "survey_response" => Self::SurveyResponse(serde_json::from_str(payload)?),
            "badge_templates" => Self::BadgeTemplates(serde_json::from_str(payload)?),
            "program" => Self::Program(serde_json::from_str(payload)?),
            "session_rating" => Self::SessionRating(serde_json::from_str(payload)?),
            _ => Self::Unknown,
        })
    }
}

/// Metadata every event carries.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EventMeta {
    pub conference_id: Option<Uuid>,
    /// A user id, or "system".
    pub actor: String,
    pub request_id: Option<String>,
    pub causation_id: Option<String>,
    pub idempotency_key: Option<String>,
    pub recorded_at: Option<DateTime<Utc>>,
}

impl EventMeta {
    pub fn from_map(map: &HashMap<String, String>) -> Self {
        let get = |k: &str| map.get(k).filter(|v| !v.is_empty()).cloned();
        Self {
            conference_id: get("conference_id").and_then(|v| v.parse().ok()),
            actor: get("actor").unwrap_or_else(|| "system".to_string()),
            request_id: get("request_id"),
            causation_id: get("causation_id"),
            idempotency_key: get("idempotency_key"),
            recorded_at: get("recorded_at").and_then(|v| v.parse().ok()),
        }
    }

    pub fn to_map(&self) -> HashMap<String, String> {
        let mut map = HashMap::new();
        if let Some(c) = self.conference_id {
            map.insert("conference_id".into(), c.to_string());
        }
        map.insert("actor".into(), self.actor.clone());
        for (k, v) in [
            ("request_id", &self.request_id),
            ("causation_id", &self.causation_id),
            ("idempotency_key", &self.idempotency_key),
        ] {
            if let Some(v) = v {
                map.insert(k.into(), v.clone());
            }
        }
        if let Some(at) = self.recorded_at {
            map.insert("recorded_at".into(), at.to_rfc3339());
        }
        map
    }
}

/// One event as read from the global log.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Envelope {
    pub position: i64,
    pub aggregate_type: String,
    pub aggregate_id: String,
    pub sequence: i64,
    pub event_type: String,
    pub event: DomainEvent,
    pub meta: EventMeta,
    pub recorded_at: DateTime<Utc>,
}

impl Envelope {
    pub fn aggregate_uuid(&self) -> Option<Uuid> {
        self.aggregate_id.parse().ok()
    }
}

#[cfg(test)]
mod tests {
    use tessera_aggregates::credit::CreditEvent;
    use tessera_aggregates::purchase_order::PurchaseOrderEvent;
    use tessera_aggregates::stripe_event::StripeEventEvent;

    use super::*;
    use crate::testing::{at, conf, d, user};

    fn stored<E: Serialize>(event: &E) -> String {
        serde_json::to_string(event).unwrap_or_default()
    }

    #[test]
    fn registration_events_decode_by_aggregate_type() {
        let cart = CartEvent::CartExpired {
            cart_id: user("cart"),
            at: at(1, 9),
        };
        let order = OrderEvent::OrderPaid {
            conference_id: conf(),
            user: user("ana"),
            at: at(1, 9),
        };
        let credit = CreditEvent::CreditRestored {
            order_id: user("order"),
            payment_id: user("payment"),
            amount: d("10.00"),
            remaining: d("10.00"),
            at: at(1, 9),
        };
        let po = PurchaseOrderEvent::PurchaseOrderSent { at: at(1, 9) };
        let attendee = AttendeeEvent::AttendeeOrderRemoved {
            order_id: user("order"),
            at: at(1, 9),
        };
        let stripe = StripeEventEvent::StripeEventProcessed { at: at(1, 9) };
        let decode = |kind: &str, payload: String| DomainEvent::decode(kind, &payload).ok();
        assert_eq!(decode("cart", stored(&cart)), Some(DomainEvent::Cart(cart)));
        assert_eq!(
            decode("order", stored(&order)),
            Some(DomainEvent::Order(order))
        );
        assert_eq!(
            decode("credit", stored(&credit)),
            Some(DomainEvent::Credit(credit))
        );
        assert_eq!(
            decode("purchase_order", stored(&po)),
            Some(DomainEvent::PurchaseOrder(po))
        );
        assert_eq!(
            decode("attendee", stored(&attendee)),
            Some(DomainEvent::Attendee(attendee))
        );
        assert_eq!(
            decode("stripe_event", stored(&stripe)),
            Some(DomainEvent::StripeEvent(stripe))
        );
        assert_eq!(
            decode("not_an_aggregate", "{}".into()),
            Some(DomainEvent::Unknown)
        );
    }

    #[test]
    fn a_recorded_desk_sale_decodes_as_an_inventory_event() {
        use tessera_aggregates::inventory::HeldLine;
        use tessera_aggregates::pricing::ProductRef;

        let sale = InventoryEvent::SaleRecorded {
            order_id: user("order"),
            user: user("ana"),
            lines: vec![HeldLine {
                product: ProductRef::ticket("individual"),
                name: "Individual".into(),
                unit_price: d("100.00"),
                quantity: 2,
            }],
            oversold: true,
            at: at(1, 9),
        };
        assert_eq!(
            DomainEvent::decode("inventory", &stored(&sale)).ok(),
            Some(DomainEvent::Inventory(sale))
        );
    }
}
