//! How each aggregate's refusals map to HTTP: the code and SPEC text come from the
//! domain; the status from what kind of refusal it is.

use tessera_aggregates::activity::ActivityError;
use tessera_aggregates::conference::ConferenceError;
use tessera_aggregates::inventory::InventoryError;
use tessera_aggregates::series::SeriesError;
use tessera_aggregates::user::UserError;

use crate::http::error::DomainError;

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
