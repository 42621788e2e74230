/// Refused attendee commands. Each has a stable `code()`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AttendeeError {
    #[error("Attendee not found")]
    NotFound, // ATT-11
    #[error("Access code must be 8 characters from A-Z and 0-9.")]
    InvalidAccessCode, // ATT-2
    #[error("This attendee belongs to another user or conference.")]
    IdentityMismatch, // ATT-1
    #[error("Order status is '{0}' — check-in not allowed.")]
    OrderNotEligible(String), // ATT-12, ATT-21
    #[error("Line item does not belong to the attendee's order.")]
    ProductNotInOrder, // ATT-20
    #[error("Product '{name}' is fully redeemed ({redeemed}/{quantity}).")]
    FullyRedeemed {
        name: String,
        redeemed: u32,
        quantity: u32,
    }, // ATT-20
    #[error("Only {remaining} of product '{name}' left to redeem, but {requested} requested.")]
    ExceedsRemaining {
        name: String,
        remaining: u32,
        requested: u32,
    }, // ATT-20
    #[error("Quantity must be at least 1.")]
    InvalidQuantity,
    #[error("access_code is required")]
    AccessCodeRequired, // ATT-11
    #[error("Exactly one of ticket_type or addon must be provided.")]
    ProductRequired, // ATT-16
    #[error("No product '{0}' in this conference.")]
    UnknownProduct(String), // ATT-16
}

impl AttendeeError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::AccessCodeRequired => "att.access_code_required",
            Self::ProductRequired => "att.product_required",
            Self::UnknownProduct(_) => "att.unknown_product",
            Self::NotFound => "att.not_found",
            Self::InvalidAccessCode => "att.invalid_access_code",
            Self::IdentityMismatch => "att.identity_mismatch",
            Self::OrderNotEligible(_) => "att.order_not_eligible",
            Self::ProductNotInOrder => "att.product_not_in_order",
            Self::FullyRedeemed { .. } => "att.fully_redeemed",
            Self::ExceedsRemaining { .. } => "att.exceeds_remaining",
            Self::InvalidQuantity => "att.invalid_quantity",
        }
    }

    /// Whether the refusal is about a missing thing (HTTP 404) rather than a rule.
    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::NotFound)
    }
}
