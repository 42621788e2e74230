/// Refused cart commands, with the SPEC message texts. Each has a stable `code()`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CartError {
    #[error("Cart not found.")]
    NotFound,
    #[error("This cart belongs to another user or conference.")]
    WrongOwner,
    #[error("This cart id is already in use.")]
    DuplicateCartId,
    #[error("This cart item id is already in use.")]
    DuplicateItemId,
    #[error("Cart has expired.")]
    Expired, // CART-4, ORDER-4
    #[error("Only open carts can be modified.")]
    NotOpen, // CART-4
    #[error("Quantity must be at least 1.")]
    QuantityTooLow, // CART-10, CART-20
    /// A quantity no stock could hold (beyond 4294967295): refused, never capped.
    #[error("Quantity must be at most 4294967295.")]
    QuantityTooHigh,
    #[error("Ticket type not found.")]
    TicketTypeNotFound, // CART-10 (3)
    #[error("Add-on not found.")]
    AddonNotFound, // CART-20
    #[error("The offer does not match this cart item.")]
    OfferMismatch,
    #[error("Ticket type '{name}' is not available.")]
    TicketUnavailable { name: String }, // CART-10 (4)
    #[error("Only {remaining} tickets of type '{name}' remaining.")]
    TicketStock { name: String, remaining: i64 }, // CART-11, CART-28
    #[error("Adding {quantity} would exceed the per-user limit of {limit} for '{name}'.")]
    PerUserLimit {
        name: String,
        quantity: u32,
        limit: u32,
    }, // CART-12
    #[error("Quantity {quantity} would exceed the per-user limit of {limit} for '{name}'.")]
    PerUserLimitOnUpdate {
        name: String,
        quantity: u32,
        limit: u32,
    }, // CART-28
    #[error("This conference is sold out (venue capacity: {capacity}).")]
    SoldOut { capacity: u32 }, // CAT-13
    #[error("Only {remaining} tickets remaining for this conference (venue capacity: {capacity}).")]
    CapacityExceeded { remaining: i64, capacity: u32 }, // CAT-13
    #[error("Ticket type '{name}' requires a voucher that unlocks hidden tickets.")]
    VoucherRequired { name: String }, // CART-15
    #[error("The applied voucher does not cover ticket type '{name}'.")]
    VoucherDoesNotCover { name: String }, // CART-15
    /// CAT-7: the offer's own message ("Add-on '<name>' is not active." …).
    #[error("{message}")]
    AddonUnavailable { message: String },
    #[error("Add-on '{name}' requires one of the following ticket types in your cart: {required}.")]
    AddonRequiresTicket { name: String, required: String }, // CART-21
    #[error("Only {remaining} of add-on '{name}' remaining.")]
    AddonStock { name: String, remaining: i64 }, // CART-22, CART-29
    #[error("Cart item not found.")]
    ItemNotFound, // CART-25
    #[error("Please enter a voucher code.")]
    EmptyVoucherCode, // CART-38
    #[error("Voucher code '{code}' not found.")]
    VoucherNotFound { code: String }, // CART-35
    #[error("Voucher code '{code}' is no longer valid.")]
    VoucherInvalid { code: String }, // CART-35
    #[error("Only open carts can be checked out.")]
    NotOpenForCheckout, // ORDER-4
    #[error("Cannot check out an empty cart.")]
    Empty, // ORDER-4
    #[error("The cart changed during checkout; please try again.")]
    Replaced,
}

impl CartError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotFound => "cart.not_found",
            Self::WrongOwner => "cart.wrong_owner",
            Self::DuplicateCartId => "cart.duplicate_cart_id",
            Self::DuplicateItemId => "cart.duplicate_item_id",
            Self::Expired => "cart.expired",
            Self::NotOpen => "cart.not_open",
            Self::QuantityTooLow => "cart.quantity_too_low",
            Self::QuantityTooHigh => "cart.quantity_too_high",
            Self::TicketTypeNotFound => "cart.ticket_type_not_found",
            Self::AddonNotFound => "cart.addon_not_found",
            Self::OfferMismatch => "cart.offer_mismatch",
            Self::TicketUnavailable { .. } => "cart.ticket_unavailable",
            Self::TicketStock { .. } => "cart.ticket_stock",
            Self::PerUserLimit { .. } | Self::PerUserLimitOnUpdate { .. } => "cart.per_user_limit",
            Self::SoldOut { .. } => "cart.sold_out",
            Self::CapacityExceeded { .. } => "cart.capacity_exceeded",
            Self::VoucherRequired { .. } => "cart.voucher_required",
            Self::VoucherDoesNotCover { .. } => "cart.voucher_does_not_cover",
            Self::AddonUnavailable { .. } => "cart.addon_unavailable",
            Self::AddonRequiresTicket { .. } => "cart.addon_requires_ticket",
            Self::AddonStock { .. } => "cart.addon_stock",
            Self::ItemNotFound => "cart.item_not_found",
            Self::EmptyVoucherCode => "cart.voucher_code_empty",
            Self::VoucherNotFound { .. } => "cart.voucher_not_found",
            Self::VoucherInvalid { .. } => "cart.voucher_invalid",
            Self::NotOpenForCheckout => "cart.not_open_for_checkout",
            Self::Empty => "cart.empty",
            Self::Replaced => "cart.replaced",
        }
    }

    /// Whether the refusal is about a missing thing (HTTP 404) rather than a rule.
    pub fn is_not_found(&self) -> bool {
        matches!(
            self,
            Self::NotFound | Self::TicketTypeNotFound | Self::AddonNotFound | Self::ItemNotFound
        )
    }
}
