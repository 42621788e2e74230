use super::BulkStatus;

/// Refused bulk-purchase commands (SPONSOR-21…28). Each has a stable `code()`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BulkPurchaseError {
    #[error("Bulk purchase not found.")]
    NotFound,
    #[error("A bulk purchase with this id already exists.")]
    IdReused,
    #[error("Quantity must be at least 1.")]
    QuantityTooSmall, // SPONSOR-22
    #[error("Quantity must be at most 500.")]
    QuantityTooLarge, // SPONSOR-22
    #[error("Unit price cannot be negative.")]
    NegativeUnitPrice, // SPONSOR-22
    #[error("Unit price is too large.")]
    UnitPriceTooLarge,
    #[error("This ticket type does not have bulk purchasing enabled.")]
    TicketTypeNotBulk, // SPONSOR-21
    #[error("This add-on does not have bulk purchasing enabled.")]
    AddonNotBulk, // SPONSOR-21
    #[error("Only pending purchases can be approved.")]
    NotPending, // SPONSOR-23
    #[error("Cannot create a checkout session for a zero-amount purchase.")]
    ZeroAmount, // SPONSOR-24
    #[error("A checkout session can only be created for a pending purchase.")]
    CheckoutNotPending, // SPONSOR-24
    #[error("This purchase already has another checkout session.")]
    OtherSession,
    #[error("A {0:?} purchase cannot be fulfilled.")]
    NotFulfillable(BulkStatus), // SPONSOR-25
    #[error("An approved purchase is fulfilled without payment only when its total is 0.")]
    UnpaidNotComp, // SPONSOR-25
    #[error("The voucher configuration needs a voucher_type and a discount_value.")]
    MissingVoucherTerms, // SPONSOR-25, AMB-23
    #[error("The fulfilment does not name the purchase's vouchers.")]
    WrongVoucherCount,
    #[error("A {0:?} purchase cannot be refunded.")]
    NotRefundable(BulkStatus), // SPONSOR-27
    #[error("Maximum uses must be at least 1.")]
    InvalidMaxUses,
    #[error("The voucher window ends before it starts.")]
    InvalidWindow,
    #[error("The discount value is out of range.")]
    InvalidDiscount,
    #[error("The notes are at most 5000 characters, the preference 200.")]
    TextTooLong, // SPONSOR-23
    #[error("The prefix is at most 20 characters.")]
    PrefixTooLong,
    #[error("The return URLs must be http(s) URLs of the public site.")]
    InvalidReturnUrl,
}

impl BulkPurchaseError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::TextTooLong => "bulk_purchase.text_too_long",
            Self::PrefixTooLong => "bulk_purchase.invalid_prefix",
            Self::InvalidReturnUrl => "checkout.invalid_url",
            Self::NotFound => "bulk_purchase.not_found",
            Self::IdReused => "bulk_purchase.id_reused",
            Self::QuantityTooSmall => "bulk_purchase.quantity_too_small",
            Self::QuantityTooLarge => "bulk_purchase.quantity_too_large",
            Self::NegativeUnitPrice => "bulk_purchase.negative_unit_price",
            Self::UnitPriceTooLarge => "bulk_purchase.unit_price_too_large",
            Self::TicketTypeNotBulk => "bulk_purchase.ticket_type_not_bulk",
            Self::AddonNotBulk => "bulk_purchase.addon_not_bulk",
            Self::NotPending => "bulk_purchase.not_pending",
            Self::ZeroAmount => "bulk_purchase.zero_amount",
            Self::CheckoutNotPending => "bulk_purchase.checkout_not_pending",
            Self::OtherSession => "bulk_purchase.other_session",
            Self::NotFulfillable(_) => "bulk_purchase.not_fulfillable",
            Self::UnpaidNotComp => "bulk_purchase.unpaid_not_comp",
            Self::MissingVoucherTerms => "bulk_purchase.missing_voucher_terms",
            Self::WrongVoucherCount => "bulk_purchase.wrong_voucher_count",
            Self::NotRefundable(_) => "bulk_purchase.not_refundable",
            Self::InvalidMaxUses => "bulk_purchase.invalid_max_uses",
            Self::InvalidWindow => "bulk_purchase.invalid_window",
            Self::InvalidDiscount => "bulk_purchase.invalid_discount",
        }
    }

    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::NotFound)
    }

    /// Refused by the purchase's state (HTTP 409).
    pub fn is_conflict(&self) -> bool {
        matches!(
            self,
            Self::IdReused
                | Self::NotPending
                | Self::CheckoutNotPending
                | Self::OtherSession
                | Self::NotFulfillable(_)
                | Self::NotRefundable(_)
        )
    }
}
