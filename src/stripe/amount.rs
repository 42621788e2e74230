//! PAY-9: money as Stripe sends it, in the smallest unit of a currency.

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

/// PAY-9: currencies Stripe counts in whole units.
pub const ZERO_DECIMAL_CURRENCIES: [&str; 16] = [
    "BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX", "VND", "VUV",
    "XAF", "XOF", "XPF",
];

/// Whether `currency` (any case) is a zero-decimal currency.
pub fn is_zero_decimal(currency: &str) -> bool {
    let currency = currency.trim();
    ZERO_DECIMAL_CURRENCIES
        .iter()
        .any(|c| c.eq_ignore_ascii_case(currency))
}

/// Why an amount cannot be sent to Stripe (PAY-9: refused).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    #[error("Amount must not be negative.")]
    Negative,
    #[error("Amount must be a whole number for currency {0}.")]
    NotWhole(String),
    #[error("Amount must have at most 2 decimal places.")]
    TooManyDecimals,
    #[error("Amount is too large.")]
    TooLarge,
}

impl AmountError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::Negative => "pay.amount_negative",
            Self::NotWhole(_) => "pay.amount_not_whole",
            Self::TooManyDecimals => "pay.amount_too_many_decimals",
            Self::TooLarge => "pay.amount_too_large",
        }
    }
}

/// PAY-9: `amount` in the smallest unit of `currency`: as-is (and whole) for a
/// zero-decimal currency, ×100 (with at most 2 decimals) otherwise.
pub fn to_minor_units(amount: Decimal, currency: &str) -> Result<i64, AmountError> {
    if amount.is_sign_negative() && !amount.is_zero() {
        return Err(AmountError::Negative);
    }
    let minor = if is_zero_decimal(currency) {
        if !amount.fract().is_zero() {
            return Err(AmountError::NotWhole(currency.trim().to_ascii_uppercase()));
        }
        amount
    } else {
        let scaled = amount
            .checked_mul(Decimal::ONE_HUNDRED)
            .ok_or(AmountError::TooLarge)?;
        if !scaled.fract().is_zero() {
            return Err(AmountError::TooManyDecimals);
        }
        scaled
    };
    minor.trunc().to_i64().ok_or(AmountError::TooLarge)
}

/// PAY-9, inverse: an amount in the smallest unit of `currency` as a decimal
/// (2 decimal places unless the currency is zero-decimal).
pub fn from_minor_units(minor: i64, currency: &str) -> Decimal {
    if is_zero_decimal(currency) {
        Decimal::from(minor)
    } else {
        Decimal::new(minor, 2)
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap_or_default()
    }

    #[test]
    fn pay_9_two_decimal_currencies_are_sent_in_cents() {
        assert_eq!(to_minor_units(d("12.34"), "usd"), Ok(1234));
        assert_eq!(to_minor_units(d("12.3"), "EUR"), Ok(1230));
        assert_eq!(to_minor_units(d("12"), "usd"), Ok(1200));
        assert_eq!(to_minor_units(d("12.3400"), "usd"), Ok(1234));
        assert_eq!(to_minor_units(d("0"), "usd"), Ok(0));
    }

    #[test]
    fn pay_9_more_than_two_decimals_are_refused() {
        assert_eq!(
            to_minor_units(d("12.345"), "usd"),
            Err(AmountError::TooManyDecimals)
        );
    }

    #[test]
    fn pay_9_zero_decimal_currencies_are_sent_as_is_and_must_be_whole() {
        assert_eq!(to_minor_units(d("1500"), "jpy"), Ok(1500));
        assert_eq!(to_minor_units(d("1500.00"), "JPY"), Ok(1500));
        assert_eq!(
            to_minor_units(d("1500.5"), "jpy"),
            Err(AmountError::NotWhole("JPY".into()))
        );
        for c in ZERO_DECIMAL_CURRENCIES {
            assert!(is_zero_decimal(&c.to_ascii_lowercase()));
        }
        assert!(!is_zero_decimal("usd"));
    }

    #[test]
    fn negative_and_huge_amounts_are_refused() {
        assert_eq!(to_minor_units(d("-1"), "usd"), Err(AmountError::Negative));
        assert_eq!(
            to_minor_units(Decimal::MAX, "usd"),
            Err(AmountError::TooLarge)
        );
        assert_eq!(
            to_minor_units(d("100000000000000000000"), "jpy"),
            Err(AmountError::TooLarge)
        );
    }

    #[test]
    fn pay_9_incoming_amounts_convert_back() {
        assert_eq!(from_minor_units(1234, "usd"), d("12.34"));
        assert_eq!(from_minor_units(1234, "usd").scale(), 2);
        assert_eq!(from_minor_units(1500, "jpy"), d("1500"));
        for a in ["0.01", "12.34", "99999.99"] {
            let minor = to_minor_units(d(a), "usd").unwrap_or_default();
            assert_eq!(from_minor_units(minor, "usd"), d(a));
        }
    }
}
