//! How every refusal and failure is classified, below any edge: a stable `code`,
//! a `Kind` that says what sort of "no" it is, and the text the caller is shown.
//! The HTTP API turns a kind into a status in one place
//! (`src/http/domain_errors.rs`); the CLI prints code and detail.

use tessera_aggregates::activity::ActivityError;
use tessera_aggregates::attendee::AttendeeError;
use tessera_aggregates::badge::BadgeError;
use tessera_aggregates::bulk_purchase::BulkPurchaseError;
use tessera_aggregates::cart::CartError;
use tessera_aggregates::conference::ConferenceError;
use tessera_aggregates::credit::CreditError;
use tessera_aggregates::fundraising::FundraisingError;
use tessera_aggregates::inventory::InventoryError;
use tessera_aggregates::message::MessageError;
use tessera_aggregates::order::OrderError;
use tessera_aggregates::pricing::PricingError;
use tessera_aggregates::profile::ProfileError;
use tessera_aggregates::program::ProgramError;
use tessera_aggregates::purchase_order::PurchaseOrderError;
use tessera_aggregates::series::SeriesError;
use tessera_aggregates::session_rating::RatingError;
use tessera_aggregates::sponsor::SponsorError;
use tessera_aggregates::stripe_customer::StripeCustomerError;
use tessera_aggregates::survey::SurveyError;
use tessera_aggregates::team::TeamError;
use tessera_aggregates::terminal_intent::TerminalIntentError;
use tessera_aggregates::travel_grant::GrantError;
use tessera_aggregates::user::UserError;
use tessera_aggregates::visa_letter::LetterError;
use tessera_aggregates::volunteer::VolunteerError;
use tessera_aggregates::webhook::WebhookError;

use crate::outcome::BusError;
use crate::stripe::GatewayError;
use crate::stripe::client::PUBLIC_ERROR_DETAIL;

/// What sort of "no" a failure is, independent of any protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The request itself is malformed or incomplete.
    Invalid,
    /// The thing it names does not exist (or is not the caller's to see).
    NotFound,
    /// It is about who is asking.
    Forbidden,
    /// The state of the thing refuses it (already exists, already done, changed
    /// meanwhile).
    Conflict,
    /// A business rule refuses it.
    Refused,
    /// A service it needs is not configured or not reachable right now.
    Unavailable,
    /// An outside service (Stripe) failed.
    Upstream,
    /// Our fault: logged, never explained.
    Internal,
    /// The caller did not show who they are (or showed it wrongly).
    Unauthenticated,
    /// It existed and is gone for good (an erased person's file).
    Gone,
    /// It is larger than the service accepts.
    TooLarge,
    /// Too many attempts: retry after a while.
    TooMany,
}

/// A refusal or failure with a stable code and a kind.
pub trait Failure: std::error::Error {
    fn code(&self) -> &'static str;
    fn kind(&self) -> Kind;
    /// The failure this one wraps, when it only passes another's on (a flow's
    /// error around an aggregate's refusal): its detail and `Retry-After` are
    /// then the caller's, with no forwarding written per variant.
    fn wrapped(&self) -> Option<&dyn Failure> {
        None
    }
    /// What the caller is told (the SPEC text for a rule).
    fn detail(&self) -> String {
        self.wrapped()
            .map_or_else(|| self.to_string(), |c| c.detail())
    }
    /// Seconds after which a retry may succeed (a `Retry-After` header).
    fn retry_after(&self) -> Option<u64> {
        self.wrapped().and_then(|c| c.retry_after())
    }
}

/// An aggregate's refusal: not found, else the kind its patterns name (in order),
/// else a rule: `refusal!(E, Conflict: E::Taken, Invalid: E::Blank | E::Long)`.
macro_rules! refusal {
    ($t:ty $(, $kind:ident: $p:pat)*) => {
        impl Failure for $t {
            fn code(&self) -> &'static str {
                <$t>::code(self)
            }
            #[allow(unreachable_patterns)]
            fn kind(&self) -> Kind {
                if self.is_not_found() {
                    return Kind::NotFound;
                }
                match self {
                    $($p => Kind::$kind,)*
                    _ => Kind::Refused,
                }
            }
        }
    };
}

refusal!(ActivityError, Forbidden: ActivityError::NotAnOrganizer, Conflict: ActivityError::AlreadyExists);
refusal!(
    UserError,
    Conflict: UserError::EmailTaken,
    Unauthenticated: UserError::InvalidCredentials
);
// MSG-3/5: refused by the message's state.
refusal!(
    MessageError,
    Conflict: MessageError::InFlight | MessageError::NotPending | MessageError::NotDeadLettered
);
// MY-6: one application per (user, conference); a refused transition is the state's.
refusal!(
    VolunteerError,
    Conflict: VolunteerError::AlreadyApplied | VolunteerError::InvalidTransition { .. }
);
refusal!(TeamError, Conflict: TeamError::AlreadyExists);
// WH-12: a replay is refused by a disabled endpoint's state.
refusal!(WebhookError, Conflict: WebhookError::AlreadyExists | WebhookError::Disabled);
refusal!(ProfileError);
refusal!(ConferenceError, Conflict: ConferenceError::AlreadyExists);
refusal!(SeriesError, Conflict: SeriesError::AlreadyExists | SeriesError::YearTaken { .. });
refusal!(InventoryError, Conflict: InventoryError::NoFreeCodes);
// PO-10/11, PO-6/7 on a cancelled PO, PO-12/14: refused by the PO's state.
refusal!(
    PurchaseOrderError,
    Conflict: PurchaseOrderError::AlreadyExists
        | PurchaseOrderError::IdReused
        | PurchaseOrderError::NotDraft(_)
        | PurchaseOrderError::CancelPaid
        | PurchaseOrderError::PaymentOnCancelled(_)
        | PurchaseOrderError::CreditOnCancelled(_)
        | PurchaseOrderError::InvoiceNotAllowed(_)
        | PurchaseOrderError::StripeInvoiceExists(_)
        | PurchaseOrderError::QboInvoiceExists(_)
);
// ATT-12, ATT-21: ineligible order and fully redeemed answer 409.
refusal!(
    AttendeeError,
    Conflict: AttendeeError::OrderNotEligible(_)
        | AttendeeError::FullyRedeemed { .. }
        | AttendeeError::ExceedsRemaining { .. }
        | AttendeeError::IdentityMismatch,
    Invalid: AttendeeError::AccessCodeRequired | AttendeeError::ProductRequired
);
refusal!(SponsorError, Conflict: SponsorError::AlreadyExists);
// MY-29: refused by the conference's flag or the donation's state.
refusal!(
    FundraisingError,
    Conflict: FundraisingError::IdReused
        | FundraisingError::NotAcceptingDonations
        | FundraisingError::DonationNotPaid
        | FundraisingError::DonationNotPending
        | FundraisingError::OtherSession
);
// SPONSOR-23…28: refused by the purchase's state.
refusal!(
    BulkPurchaseError,
    Conflict: BulkPurchaseError::IdReused
        | BulkPurchaseError::NotPending
        | BulkPurchaseError::CheckoutNotPending
        | BulkPurchaseError::OtherSession
        | BulkPurchaseError::NotFulfillable(_)
        | BulkPurchaseError::NotRefundable(_)
);
refusal!(CartError);
// PRETALX-11: an aborted schedule sync is refused by the program's state.
refusal!(ProgramError, Conflict: ProgramError::ScheduleDropTooLarge { .. });
// SURVEY-3: one rating per (talk, user).
refusal!(RatingError, Conflict: RatingError::AlreadyRated);
refusal!(OrderError);
refusal!(CreditError);
refusal!(StripeCustomerError);
refusal!(
    TerminalIntentError,
    Conflict: TerminalIntentError::AnotherOrder,
    Invalid: TerminalIntentError::InvalidAmount
        | TerminalIntentError::ReaderRequired
        | TerminalIntentError::OrderOrAmountRequired
);
// GRANT-1, GRANT-18, GRANT-20, GRANT-38, AMB-13: refused by the grant's state.
// LETTER-1, LETTER-6/12: refused by the request's state.
refusal!(
    LetterError,
    Conflict: LetterError::AlreadyRequested
        | LetterError::InvalidTransition
        | LetterError::NotApproved
        | LetterError::NotGenerated,
    Gone: LetterError::Erased
);
// SURVEY-1/2: a taken slug, a second response, a closed survey are the state's.
refusal!(
    SurveyError,
    Conflict: SurveyError::AlreadyExists | SurveyError::AlreadyResponded | SurveyError::Inactive
);

impl Failure for BadgeError {
    fn code(&self) -> &'static str {
        BadgeError::code(self)
    }
    /// ATT-30: an unknown format is a bad request; ATT-31: no default template is
    /// a missing thing; ATT-32: a taken slug is the state's.
    fn kind(&self) -> Kind {
        match self {
            BadgeError::NotFound | BadgeError::NoDefault(_) => Kind::NotFound,
            BadgeError::UnsupportedFormat(_) => Kind::Invalid,
            BadgeError::AlreadyExists => Kind::Conflict,
            _ => Kind::Refused,
        }
    }
}

impl Failure for GrantError {
    fn code(&self) -> &'static str {
        GrantError::code(self)
    }
    fn kind(&self) -> Kind {
        if self.is_not_found() {
            Kind::NotFound
        } else if matches!(self, GrantError::ReceiptErased) {
            Kind::Gone
        } else if matches!(self, GrantError::ReceiptTooLarge) {
            Kind::TooLarge
        } else if self.is_conflict() {
            Kind::Conflict
        } else {
            Kind::Refused
        }
    }
}

/// A cart whose amounts do not fit (422), wherever it is priced.
impl Failure for PricingError {
    fn code(&self) -> &'static str {
        PricingError::code(self)
    }
    fn kind(&self) -> Kind {
        Kind::Refused
    }
}

impl<E: Failure> Failure for BusError<E> {
    fn code(&self) -> &'static str {
        match self {
            BusError::Refused(e) => e.code(),
            BusError::Conflict => "concurrency.conflict",
            BusError::Store(_) => "internal",
            BusError::Deadline(_) => "command.deadline_exceeded",
        }
    }
    fn kind(&self) -> Kind {
        match self {
            BusError::Refused(e) => e.kind(),
            BusError::Conflict => Kind::Conflict,
            BusError::Store(_) => Kind::Internal,
            BusError::Deadline(_) => Kind::Unavailable,
        }
    }
    fn detail(&self) -> String {
        match self {
            BusError::Refused(e) => e.detail(),
            BusError::Conflict => {
                "Too many concurrent changes to the same record; try again.".to_string()
            }
            BusError::Store(_) => self.to_string(),
            BusError::Deadline(_) => {
                "The service is busy and could not complete this in time; try again shortly."
                    .to_string()
            }
        }
    }
    fn retry_after(&self) -> Option<u64> {
        matches!(self, BusError::Deadline(_)).then_some(1)
    }
}

/// CONF-20: an unknown feature name is refused by rule.
impl Failure for crate::features::UnknownFeature {
    fn code(&self) -> &'static str {
        crate::features::UnknownFeature::code(self)
    }
    fn kind(&self) -> Kind {
        Kind::Refused
    }
}

/// Throttled sign-ins and reset requests: 429 with `Retry-After`.
impl Failure for crate::identity::throttle::Throttled {
    fn code(&self) -> &'static str {
        crate::identity::throttle::Throttled::code(self)
    }
    fn kind(&self) -> Kind {
        Kind::TooMany
    }
    fn retry_after(&self) -> Option<u64> {
        Some(self.retry_after_secs())
    }
}

/// PAY-40…42: a Stripe delivery that is forged, stale or malformed is a bad
/// request (nothing is stored for it).
impl Failure for crate::stripe::webhook::WebhookError {
    fn code(&self) -> &'static str {
        crate::stripe::webhook::WebhookError::code(self)
    }
    fn kind(&self) -> Kind {
        Kind::Invalid
    }
}

impl Failure for crate::stripe::webhook::EventError {
    fn code(&self) -> &'static str {
        crate::stripe::webhook::EventError::code(self)
    }
    fn kind(&self) -> Kind {
        Kind::Invalid
    }
}

/// PAY-38: a request refused before anything was sent is invalid; Stripe not
/// configured is unavailable; anything Stripe did is an upstream failure whose
/// details are never shown.
impl Failure for GatewayError {
    fn code(&self) -> &'static str {
        GatewayError::code(self)
    }
    fn kind(&self) -> Kind {
        match self.http_status() {
            400 => Kind::Invalid,
            503 => Kind::Unavailable,
            _ => Kind::Upstream,
        }
    }
    fn detail(&self) -> String {
        match self.kind() {
            Kind::Upstream => PUBLIC_ERROR_DETAIL.to_string(),
            _ => self.to_string(),
        }
    }
}
