//! Typed stream ids: the id of one aggregate's stream carries the aggregate's
//! type, so the command bus knows from the id alone which kind of aggregate it
//! addresses, and a command can never be sent to (nor a state read from) another
//! kind's stream.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::marker::PhantomData;

/// The stream of one aggregate of kind `A`: its `aggregate_id` in the log.
pub struct StreamId<A> {
    id: String,
    kind: PhantomData<fn() -> A>,
}

impl<A> StreamId<A> {
    /// The stream named `id` in the log (an id read back from an event's
    /// `aggregate_id`, or one an aggregate's own scheme made).
    pub fn named(id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            kind: PhantomData,
        }
    }

    pub fn as_str(&self) -> &str {
        &self.id
    }
}

impl<A> Clone for StreamId<A> {
    fn clone(&self) -> Self {
        Self::named(self.id.clone())
    }
}

impl<A> PartialEq for StreamId<A> {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}

impl<A> Eq for StreamId<A> {}

impl<A> Hash for StreamId<A> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.id.hash(state);
    }
}

impl<A> fmt::Debug for StreamId<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StreamId({})", self.id)
    }
}

impl<A> fmt::Display for StreamId<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.id)
    }
}

/// `Order::stream(order_id)`: the stream of the aggregate of that id, for every
/// aggregate of the crate (ids are UUIDs, or the cart's text key).
macro_rules! streams {
    ($($t:ty),* $(,)?) => {
        $(
            impl $t {
                /// The stream of this aggregate whose id is `id`.
                pub fn stream(id: impl std::fmt::Display) -> StreamId<Self> {
                    StreamId::named(id.to_string())
                }
            }
        )*
    };
}

use crate::activity::Activity;
use crate::attendee::Attendee;
use crate::badge::BadgeTemplates;
use crate::bulk_purchase::BulkPurchase;
use crate::cart::Cart;
use crate::conference::Conference;
use crate::credit::Credit;
use crate::fundraising::Fundraising;
use crate::inventory::Inventory;
use crate::message::Message;
use crate::order::Order;
use crate::profile::Profile;
use crate::program::Program;
use crate::purchase_order::PurchaseOrder;
use crate::series::Series;
use crate::session_rating::SessionRating;
use crate::sponsor::Sponsor;
use crate::stripe_customer::StripeCustomer;
use crate::stripe_event::StripeEventRecord;
use crate::survey::{Survey, SurveyResponse};
use crate::team::Team;
use crate::terminal_intent::TerminalIntent;
use crate::travel_grant::TravelGrant;
use crate::user::User;
use crate::visa_letter::VisaLetter;
use crate::volunteer::Volunteer;
use crate::webhook::WebhookEndpoint;

streams!(
    Activity,
    Attendee,
    BadgeTemplates,
    BulkPurchase,
    Cart,
    Conference,
    Credit,
    Fundraising,
    Inventory,
    Message,
    Order,
    Profile,
    Program,
    PurchaseOrder,
    Series,
    SessionRating,
    Sponsor,
    StripeCustomer,
    StripeEventRecord,
    Survey,
    SurveyResponse,
    Team,
    TerminalIntent,
    TravelGrant,
    User,
    VisaLetter,
    Volunteer,
    WebhookEndpoint,
);

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;

    #[test]
    fn a_stream_is_named_by_its_aggregates_id() {
        let id = Uuid::from_u128(7);
        let s = Order::stream(id);
        assert_eq!(s.as_str(), id.to_string());
        assert_eq!(s.to_string(), id.to_string());
        assert_eq!(s, StreamId::<Order>::named(id.to_string()));
        assert_ne!(s, Order::stream(Uuid::from_u128(8)));
    }
}
