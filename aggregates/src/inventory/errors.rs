use uuid::Uuid;

/// Refused inventory commands. Each has a stable `code()`; the Display text is the
/// SPEC message where SPEC quotes one.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum InventoryError {
    #[error("Inventory not found.")]
    NotFound,
    #[error("This inventory belongs to another conference.")]
    AlreadyExists,

    // Catalog (CAT-1, CAT-6, BOOT-16).
    #[error("A product needs a slug and a name.")]
    InvalidProduct,
    #[error("Enter a valid slug: lowercase letters, digits and hyphens, at most 200 characters.")]
    InvalidSlug,
    #[error("Price must be between 0.00 and 99999999.99, with at most 2 decimal places.")]
    InvalidPrice, // CAT-1: decimal(10, 2)
    #[error("Discount values are limited to 99999999.99.")]
    DiscountTooLarge, // CAT-1's decimal(10, 2) for every amount
    /// A hold whose amounts cannot be computed (prices stored before the bounds).
    #[error(transparent)]
    Pricing(#[from] crate::pricing::PricingError),
    #[error(
        "Add-on '{addon}' references unknown required ticket slug(s): {}",
        slugs.join(", ")
    )]
    UnknownPrerequisites { addon: String, slugs: Vec<String> }, // BOOT-16

    // Vouchers and conditions (DISC-1, DISC-8/9, DISC-17).
    #[error("Voucher code '{code}' not found.")]
    VoucherNotFound { code: String }, // CART-35
    #[error("Voucher code must be 1 to 100 characters.")]
    InvalidVoucherCode, // DISC-1
    #[error("Voucher code '{code}' already exists.")]
    DuplicateVoucherCode { code: String }, // DISC-1
    #[error("Percentage must be between 0 and 100.")]
    InvalidPercentage, // DISC-1
    #[error("Discount value cannot be negative.")]
    NegativeDiscount, // DISC-17
    #[error("Prefix must be at most 20 characters.")]
    InvalidPrefix, // DISC-9
    #[error("count must be between 1 and 500, got {count}")]
    InvalidCount { count: u32 }, // DISC-8
    #[error("Expected {expected} generated codes, got {got}.")]
    GeneratedCodeCount { expected: u32, got: usize },
    #[error("Generated code '{code}' is not the prefix followed by 8 characters A-Z0-9.")]
    InvalidGeneratedCode { code: String }, // DISC-8
    #[error("Generated code '{code}' collides with an existing code.")]
    CodeCollision { code: String }, // DISC-8: the caller regenerates
    #[error("A condition needs a name.")]
    InvalidCondition, // DISC-16

    // Holds (ORDER-4…10, AMB-24).
    #[error("Cannot check out an empty cart.")]
    EmptyHold, // ORDER-4
    #[error("Quantity must be at least 1.")]
    InvalidQuantity,
    #[error("A hold must expire after it is taken.")]
    InvalidHoldExpiry,
    #[error("Product '{slug}' not found.")]
    UnknownProduct { slug: String },
    #[error("Ticket type '{name}' is no longer available.")]
    TicketUnavailable { name: String }, // ORDER-5
    #[error("Only {remaining} tickets of type '{name}' remaining, but {requested} requested.")]
    NotEnoughTickets {
        name: String,
        remaining: i64,
        requested: u32,
    }, // ORDER-5
    #[error("Add-on '{name}' requires a ticket type that is not in your cart.")]
    AddonPrerequisiteMissing { name: String }, // ORDER-6
    #[error("Add-on '{name}' is no longer active.")]
    AddonInactive { name: String }, // ORDER-6
    #[error("Add-on '{name}' is not yet available.")]
    AddonNotYetAvailable { name: String }, // ORDER-6
    #[error("Add-on '{name}' is no longer available.")]
    AddonNoLongerAvailable { name: String }, // ORDER-6
    #[error("Only {remaining} of add-on '{name}' remaining, but {requested} requested.")]
    NotEnoughAddons {
        name: String,
        remaining: i64,
        requested: u32,
    }, // ORDER-7
    #[error("This conference is sold out (venue capacity: {capacity}).")]
    SoldOut { capacity: u32 }, // CAT-13
    #[error("Only {remaining} tickets remaining for this conference (venue capacity: {capacity}).")]
    CapacityExceeded { remaining: i64, capacity: u32 }, // CAT-13
    #[error("Quantity {quantity} would exceed the per-user limit of {limit} for '{name}'.")]
    PerUserLimit {
        name: String,
        quantity: u32,
        limit: u32,
    }, // AMB-24 with CART-12/28
    #[error("Ticket type '{name}' requires a voucher that unlocks hidden tickets.")]
    VoucherRequired { name: String }, // AMB-24 with CART-15
    #[error("The applied voucher does not cover ticket type '{name}'.")]
    VoucherDoesNotCover { name: String }, // AMB-24 with CART-15
    #[error("Voucher code '{code}' is no longer valid.")]
    VoucherNoLongerValid { code: String }, // DISC-5, ORDER-9
    #[error("No hold for order {order_id}.")]
    HoldNotFound { order_id: Uuid },
    #[error("Order {order_id} was not sold.")]
    NotSold { order_id: Uuid },
    /// DISC-8: every draw of codes collided with taken ones.
    #[error("Could not draw unique voucher codes; try another prefix.")]
    NoFreeCodes,
}

impl InventoryError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::NoFreeCodes => "inventory.code_collision",
            Self::NotFound => "inventory.not_found",
            Self::AlreadyExists => "inventory.already_exists",
            Self::InvalidProduct => "inventory.invalid_product",
            Self::InvalidSlug => "inventory.invalid_slug",
            Self::InvalidPrice => "inventory.invalid_price",
            Self::DiscountTooLarge => "inventory.discount_too_large",
            Self::Pricing(e) => e.code(),
            Self::UnknownPrerequisites { .. } => "inventory.unknown_prerequisites",
            Self::VoucherNotFound { .. } => "inventory.voucher_not_found",
            Self::InvalidVoucherCode => "inventory.invalid_voucher_code",
            Self::DuplicateVoucherCode { .. } => "inventory.duplicate_voucher_code",
            Self::InvalidPercentage => "inventory.invalid_percentage",
            Self::NegativeDiscount => "inventory.negative_discount",
            Self::InvalidPrefix => "inventory.invalid_prefix",
            Self::InvalidCount { .. } => "inventory.invalid_count",
            Self::GeneratedCodeCount { .. } => "inventory.generated_code_count",
            Self::InvalidGeneratedCode { .. } => "inventory.invalid_generated_code",
            Self::CodeCollision { .. } => "inventory.code_collision",
            Self::InvalidCondition => "inventory.invalid_condition",
            Self::EmptyHold => "inventory.empty_hold",
            Self::InvalidQuantity => "inventory.invalid_quantity",
            Self::InvalidHoldExpiry => "inventory.invalid_hold_expiry",
            Self::UnknownProduct { .. } => "inventory.unknown_product",
            Self::TicketUnavailable { .. } => "inventory.ticket_unavailable",
            Self::NotEnoughTickets { .. } => "inventory.not_enough_tickets",
            Self::AddonPrerequisiteMissing { .. } => "inventory.addon_prerequisite_missing",
            Self::AddonInactive { .. } => "inventory.addon_inactive",
            Self::AddonNotYetAvailable { .. } => "inventory.addon_not_yet_available",
            Self::AddonNoLongerAvailable { .. } => "inventory.addon_no_longer_available",
            Self::NotEnoughAddons { .. } => "inventory.not_enough_addons",
            Self::SoldOut { .. } => "inventory.sold_out",
            Self::CapacityExceeded { .. } => "inventory.capacity_exceeded",
            Self::PerUserLimit { .. } => "inventory.per_user_limit",
            Self::VoucherRequired { .. } => "inventory.voucher_required",
            Self::VoucherDoesNotCover { .. } => "inventory.voucher_does_not_cover",
            Self::VoucherNoLongerValid { .. } => "inventory.voucher_no_longer_valid",
            Self::HoldNotFound { .. } => "inventory.hold_not_found",
            Self::NotSold { .. } => "inventory.not_sold",
        }
    }

    /// Whether the refusal is about a missing thing (HTTP 404) rather than a rule.
    pub fn is_not_found(&self) -> bool {
        matches!(
            self,
            Self::NotFound | Self::VoucherNotFound { .. } | Self::HoldNotFound { .. }
        )
    }
}
