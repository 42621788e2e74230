//! How each aggregate's refusals map to HTTP: the code and SPEC text come from the
//! domain; the status from what kind of refusal it is.

use tessera_aggregates::activity::ActivityError;
use tessera_aggregates::attendee::AttendeeError;
use tessera_aggregates::cart::CartError;
use tessera_aggregates::conference::ConferenceError;
use tessera_aggregates::credit::CreditError;
use tessera_aggregates::inventory::InventoryError;
use tessera_aggregates::order::OrderError;
use tessera_aggregates::pricing::PricingError;
use tessera_aggregates::purchase_order::PurchaseOrderError;
use tessera_aggregates::series::SeriesError;
use tessera_aggregates::stripe_customer::StripeCustomerError;
use tessera_aggregates::terminal_intent::TerminalIntentError;
use tessera_aggregates::user::UserError;

use crate::http::error::{ApiError, DomainError};

impl DomainError for ActivityError {
    fn code(&self) -> &'static str {
        ActivityError::code(self)
    }
    fn is_not_found(&self) -> bool {
        ActivityError::is_not_found(self)
    }
    fn is_forbidden(&self) -> bool {
        matches!(self, Self::NotAnOrganizer)
    }
    fn is_conflict(&self) -> bool {
        matches!(self, Self::AlreadyExists)
    }
}

impl DomainError for UserError {
    fn code(&self) -> &'static str {
        UserError::code(self)
    }
    fn is_not_found(&self) -> bool {
        UserError::is_not_found(self)
    }
    fn is_conflict(&self) -> bool {
        matches!(self, Self::EmailTaken)
    }
}

impl DomainError for ConferenceError {
    fn code(&self) -> &'static str {
        ConferenceError::code(self)
    }
    fn is_not_found(&self) -> bool {
        ConferenceError::is_not_found(self)
    }
    fn is_conflict(&self) -> bool {
        matches!(self, Self::AlreadyExists)
    }
}

impl DomainError for SeriesError {
    fn code(&self) -> &'static str {
        SeriesError::code(self)
    }
    fn is_not_found(&self) -> bool {
        SeriesError::is_not_found(self)
    }
    fn is_conflict(&self) -> bool {
        matches!(self, Self::AlreadyExists | Self::YearTaken { .. })
    }
}

impl DomainError for InventoryError {
    fn code(&self) -> &'static str {
        InventoryError::code(self)
    }
    fn is_not_found(&self) -> bool {
        InventoryError::is_not_found(self)
    }
}

impl DomainError for PurchaseOrderError {
    fn code(&self) -> &'static str {
        PurchaseOrderError::code(self)
    }
    fn is_not_found(&self) -> bool {
        PurchaseOrderError::is_not_found(self)
    }
    /// PO-10/11, PO-6/7 on a cancelled PO, PO-12/14: refused by the PO's state.
    fn is_conflict(&self) -> bool {
        matches!(
            self,
            Self::AlreadyExists
                | Self::IdReused
                | Self::NotDraft(_)
                | Self::CancelPaid
                | Self::PaymentOnCancelled(_)
                | Self::CreditOnCancelled(_)
                | Self::InvoiceNotAllowed(_)
                | Self::StripeInvoiceExists(_)
                | Self::QboInvoiceExists(_)
        )
    }
}

impl DomainError for AttendeeError {
    fn code(&self) -> &'static str {
        AttendeeError::code(self)
    }
    fn is_not_found(&self) -> bool {
        AttendeeError::is_not_found(self)
    }
    /// ATT-12, ATT-21: ineligible order and fully redeemed answer 409.
    fn is_conflict(&self) -> bool {
        matches!(
            self,
            Self::OrderNotEligible(_)
                | Self::FullyRedeemed { .. }
                | Self::ExceedsRemaining { .. }
                | Self::IdentityMismatch
        )
    }
}

impl DomainError for CartError {
    fn code(&self) -> &'static str {
        CartError::code(self)
    }
    fn is_not_found(&self) -> bool {
        CartError::is_not_found(self)
    }
}

impl DomainError for OrderError {
    fn code(&self) -> &'static str {
        OrderError::code(self)
    }
    fn is_not_found(&self) -> bool {
        OrderError::is_not_found(self)
    }
}

impl DomainError for CreditError {
    fn code(&self) -> &'static str {
        CreditError::code(self)
    }
    fn is_not_found(&self) -> bool {
        CreditError::is_not_found(self)
    }
}

impl DomainError for StripeCustomerError {
    fn code(&self) -> &'static str {
        StripeCustomerError::code(self)
    }
    fn is_not_found(&self) -> bool {
        StripeCustomerError::is_not_found(self)
    }
}

impl DomainError for TerminalIntentError {
    fn code(&self) -> &'static str {
        TerminalIntentError::code(self)
    }
    fn is_not_found(&self) -> bool {
        TerminalIntentError::is_not_found(self)
    }
    fn is_conflict(&self) -> bool {
        matches!(self, Self::AnotherOrder)
    }
}

impl DomainError for PricingError {
    fn code(&self) -> &'static str {
        PricingError::code(self)
    }
}

/// A cart that cannot be priced (422), wherever it is priced outside a command.
impl From<PricingError> for ApiError {
    fn from(e: PricingError) -> Self {
        ApiError::unprocessable(e.code(), e.to_string())
    }
}
