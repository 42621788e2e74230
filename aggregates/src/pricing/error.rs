//! What pricing refuses, and the bounds the aggregates keep money and quantities
//! within so that stored state can always be priced.

use rust_decimal::Decimal;

/// The largest price or amount an aggregate accepts: CAT-1's decimal(10, 2).
/// Under it (and [`MAX_QUANTITY`]) no cart total comes near what a `Decimal` holds.
/// (9999999999 cents = 2 × 2³² + 1410065407.)
pub const MAX_AMOUNT: Decimal = Decimal::from_parts(1_410_065_407, 2, 0, false, 2);

/// The most units of one product a cart line, hold or order line may carry.
pub const MAX_QUANTITY: u32 = 10_000;

/// A money amount the aggregates accept: 0 ≤ amount ≤ [`MAX_AMOUNT`].
pub fn is_within_bounds(amount: Decimal) -> bool {
    amount >= Decimal::ZERO && amount <= MAX_AMOUNT
}

/// Why a cart could not be priced. Each has a stable `code()`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PricingError {
    /// A product, sum or difference beyond what a `Decimal` holds: only possible
    /// with prices or values stored before the bounds were enforced.
    #[error(
        "The cart's amounts are too large to compute; prices and discounts are limited to 99999999.99."
    )]
    Overflow,
}

impl PricingError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::Overflow => "pricing.overflow",
        }
    }
}
