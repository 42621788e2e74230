//! Money as clients may send it: a plain decimal with at most two places, within
//! ±1,000,000,000.00 so sums and products of amounts cannot overflow. `"1e3"`,
//! `"NaN"`, `"12.345"`, `" 5"` and `"+5"` are refused rather than read loosely.
//! Only input is strict: amounts already in the log are plain `Decimal`s.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

/// The largest amount (in absolute value) an input may carry.
pub const MAX: Decimal = Decimal::from_parts(0x4876_E800, 0x17, 0, false, 2);

/// A plain decimal with at most two places, |amount| ≤ `MAX`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Money(Decimal);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("must be a plain decimal with at most two places, such as \"12.50\"")]
    Format,
    #[error("must be at most 1000000000.00 in absolute value")]
    TooLarge,
}

impl Money {
    pub fn new(amount: Decimal) -> Result<Self, MoneyError> {
        if amount.scale() > 2 && amount.normalize().scale() > 2 {
            return Err(MoneyError::Format);
        }
        if amount.abs() > MAX {
            return Err(MoneyError::TooLarge);
        }
        Ok(Self(amount.round_dp(2)))
    }

    pub fn amount(self) -> Decimal {
        self.0
    }
}

impl From<Money> for Decimal {
    fn from(m: Money) -> Self {
        m.0
    }
}

impl FromStr for Money {
    type Err = MoneyError;

    /// `-?digits(.d{1,2})?`, nothing else.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let digits = s.strip_prefix('-').unwrap_or(s);
        let (whole, frac) = match digits.split_once('.') {
            Some((w, f)) => (w, Some(f)),
            None => (digits, None),
        };
        let all_digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
        if !all_digits(whole) || frac.is_some_and(|f| !all_digits(f) || f.len() > 2) {
            return Err(MoneyError::Format);
        }
        // 13 digits before the point already exceed MAX; refusing them early keeps
        // the parse within Decimal's range.
        if whole.trim_start_matches('0').len() > 13 {
            return Err(MoneyError::TooLarge);
        }
        Decimal::from_str_exact(s)
            .map_err(|_| MoneyError::Format)
            .and_then(Self::new)
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.2}", self.0)
    }
}

impl Serialize for Money {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

struct MoneyVisitor;

impl Visitor<'_> for MoneyVisitor {
    type Value = Money;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an amount: a plain decimal string or number with at most two places")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Money, E> {
        v.parse().map_err(E::custom)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Money, E> {
        Money::new(Decimal::from(v)).map_err(E::custom)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Money, E> {
        Money::new(Decimal::from(v)).map_err(E::custom)
    }

    /// A JSON number with a fraction: read from its shortest decimal form, so
    /// `12.5` passes and `12.345` is refused like the string.
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Money, E> {
        if !v.is_finite() || v.abs() > 1e12 {
            return Err(E::custom(MoneyError::TooLarge));
        }
        self.visit_str(&format!("{v}"))
    }
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(MoneyVisitor)
    }
}

/// `#[serde(deserialize_with = "…::decimal")]`: a `Decimal` field read as `Money`.
pub fn decimal<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
    Money::deserialize(d).map(Money::amount)
}

/// `#[serde(default, deserialize_with = "…::optional_decimal")]`: the same for
/// `Option<Decimal>` (null or absent is `None`).
pub fn optional_decimal<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
    Option::<Money>::deserialize(d).map(|m| m.map(Money::amount))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Result<Money, String> {
        serde_json::from_str::<Money>(json).map_err(|e| e.to_string())
    }

    #[test]
    fn plain_decimals_with_up_to_two_places_are_read() {
        assert_eq!(
            parse("\"12.50\"").map(Money::amount),
            Ok(Decimal::new(1250, 2))
        );
        assert_eq!(parse("\"7\"").map(Money::amount), Ok(Decimal::from(7)));
        assert_eq!(parse("12.5").map(Money::amount), Ok(Decimal::new(125, 1)));
        assert_eq!(parse("30").map(Money::amount), Ok(Decimal::from(30)));
        assert_eq!(
            parse("\"-3.10\"").map(Money::amount),
            Ok(Decimal::new(-310, 2))
        );
        assert_eq!(parse("\"1000000000.00\"").map(Money::amount), Ok(MAX));
    }

    #[test]
    fn exponents_nan_extra_places_and_padding_are_refused() {
        for bad in [
            "\"1e3\"",
            "\"1E3\"",
            "\"NaN\"",
            "\"inf\"",
            "\"12.345\"",
            "12.345",
            "\" 5\"",
            "\"+5\"",
            "\"5.\"",
            "\".5\"",
            "\"\"",
            "\"1,000\"",
            "true",
            "null",
        ] {
            assert!(parse(bad).is_err(), "{bad} was accepted");
        }
    }

    #[test]
    fn amounts_beyond_a_billion_are_refused_never_capped() {
        for bad in [
            "\"1000000000.01\"",
            "\"-1000000000.01\"",
            "\"99999999999999999999999999999999\"",
            "1e300",
            "18446744073709551615",
        ] {
            assert!(parse(bad).is_err(), "{bad} was accepted");
        }
    }

    #[test]
    fn amounts_print_with_two_places() {
        assert_eq!(
            parse("\"4\"").map(|m| m.to_string()),
            Ok("4.00".to_string())
        );
    }
}
