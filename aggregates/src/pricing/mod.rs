//! Pricing of a cart: the cart summary and the checkout amounts (SPEC CART-40…52,
//! DISC-11, DISC-15…35). Pure: no I/O, no clock (`now` comes in the
//! [`PricingContext`]), no state change (CART-50, DISC-35).
//!
//! Two phases:
//! 1. **Conditions.** Active conditions, ordered by (priority, name), are evaluated
//!    once for the cart owner; each passing one claims every in-scope line not yet
//!    claimed whose computed amount is > 0. A line gets at most one condition
//!    discount, capped at the line's subtotal (CART-41, DISC-25…29).
//! 2. **Voucher.** On top, on the post-condition amounts of the lines in the
//!    voucher's scope; lines left at 0 by phase 1 are not eligible (CART-42…47).
//!
//! Money is a [`Decimal`] with 2 fractional digits; "round-half-up-cents" is
//! [`round_half_up_cents`]. Inputs are expected as the catalog stores them: prices and
//! amounts ≥ 0 with at most 2 decimal places. Under that, every line total is ≥ 0,
//! no discount exceeds its line, and the summary total is the sum of the line totals.
//!
//! Every product, sum and difference is checked: amounts beyond what a `Decimal`
//! holds (a price stored before [`MAX_AMOUNT`] was enforced, say) make the cart
//! unpriceable ([`PricingError::Overflow`]), never a panic.
//!
//! Decisions where SPEC leaves room:
//! - a voucher discount never exceeds its line's post-condition amount: a percentage
//!   above 100 (CART-46 "not clamped") takes the whole line, not more;
//! - CART-47's "last line gets the remainder" can, in rare rounding cases, exceed
//!   that line's amount; the excess then goes to the earlier eligible lines in cart
//!   order, each up to its own amount, so the shares still sum exactly to the budget;
//! - the voucher is applied as given: whether it is still valid (DISC-2) is the
//!   caller's decision (CART-35 when applying it, DISC-5 at checkout).

mod conditions;
mod error;
mod model;
#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;

use rust_decimal::{Decimal, RoundingStrategy};

pub use conditions::{
    Condition, ConditionKind, DiscountEffect, DiscountType, UsageLimit, evaluation_order,
};
pub use error::{MAX_AMOUNT, MAX_QUANTITY, PricingError, is_within_bounds};
pub use model::{
    AppliedCondition, CartLine, CartOwner, PricedLine, PricingContext, PricingSummary, ProductKind,
    ProductRef, ProductScope, Scope, Voucher, VoucherKind, Window,
};

/// SPEC "round-half-up-cents": to 0.01, ties away from zero (Python's ROUND_HALF_UP).
pub fn round_half_up_cents(amount: Decimal) -> Decimal {
    cents(amount.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero))
}

/// Shows an amount with at least 2 fractional digits (`30` → `30.00`); never rounds.
fn cents(mut amount: Decimal) -> Decimal {
    if amount.scale() < 2 {
        amount.rescale(2);
    }
    amount
}

fn hundred() -> Decimal {
    Decimal::ONE_HUNDRED
}

/// Prices the cart `lines` (in cart order) with the conference's `conditions` and the
/// cart's `voucher` (CART-40…49). Pure (CART-50): usage counters are only reported,
/// through [`PricingSummary::condition_usage`]. Amounts too large to compute are
/// refused ([`PricingError::Overflow`]).
pub fn price(
    lines: &[CartLine],
    voucher: Option<&Voucher>,
    conditions: &[Condition],
    ctx: &PricingContext,
) -> Result<PricingSummary, PricingError> {
    // CART-7, CART-40: undiscounted line totals.
    let subtotals: Vec<Decimal> = lines
        .iter()
        .map(|line| Ok(cents(mul(line.unit_price, Decimal::from(line.quantity))?)))
        .collect::<Result<_, PricingError>>()?;

    // Phase 1 (CART-41, DISC-25…29): at most one condition per line.
    let mut claims: Vec<Option<(Decimal, AppliedCondition)>> = vec![None; lines.len()];
    for condition in evaluation_order(conditions) {
        if !condition.passes(&ctx.owner, ctx.now) {
            continue;
        }
        for (i, line) in lines.iter().enumerate() {
            if claims[i].is_some() {
                continue;
            }
            let Some(amount) = condition.amount_for(line)? else {
                continue;
            };
            let amount = amount.min(subtotals[i]);
            if amount > Decimal::ZERO {
                let applied = AppliedCondition {
                    id: condition.id,
                    name: condition.name.clone(),
                };
                claims[i] = Some((amount, applied));
            }
        }
    }

    // Phase 2 (CART-42…47): the voucher on post-condition amounts.
    let post: Vec<Decimal> = subtotals
        .iter()
        .zip(&claims)
        .map(|(subtotal, claim)| sub(*subtotal, claim.as_ref().map_or(Decimal::ZERO, |c| c.0)))
        .collect::<Result<_, PricingError>>()?;
    let voucher_discounts = match voucher {
        Some(voucher) => voucher_discounts(voucher, lines, &post)?,
        None => vec![Decimal::ZERO; lines.len()],
    };

    let mut priced = Vec::with_capacity(lines.len());
    for (i, (line, claim)) in lines.iter().zip(claims).enumerate() {
        let (condition_discount, condition) = match claim {
            Some((amount, applied)) => (amount, Some(applied)),
            None => (Decimal::ZERO, None),
        };
        priced.push(PricedLine {
            line_id: line.line_id,
            product: line.product.clone(),
            unit_price: line.unit_price,
            quantity: line.quantity,
            subtotal: subtotals[i],
            condition_discount: cents(condition_discount),
            condition,
            voucher_discount: cents(voucher_discounts[i]),
            total: cents(sub(post[i], voucher_discounts[i])?),
        });
    }

    // CART-48.
    let subtotal = cents(sum(priced.iter().map(|l| l.subtotal))?);
    let condition_discount = cents(sum(priced.iter().map(|l| l.condition_discount))?);
    let voucher_discount = cents(sum(priced.iter().map(|l| l.voucher_discount))?);
    let discount = cents(add(condition_discount, voucher_discount)?);
    let total = cents(sub(subtotal, discount)?.max(Decimal::ZERO));
    Ok(PricingSummary {
        lines: priced,
        subtotal,
        condition_discount,
        voucher_discount,
        discount,
        total,
    })
}

fn mul(a: Decimal, b: Decimal) -> Result<Decimal, PricingError> {
    a.checked_mul(b).ok_or(PricingError::Overflow)
}

fn add(a: Decimal, b: Decimal) -> Result<Decimal, PricingError> {
    a.checked_add(b).ok_or(PricingError::Overflow)
}

fn sub(a: Decimal, b: Decimal) -> Result<Decimal, PricingError> {
    a.checked_sub(b).ok_or(PricingError::Overflow)
}

fn div(a: Decimal, b: Decimal) -> Result<Decimal, PricingError> {
    a.checked_div(b).ok_or(PricingError::Overflow)
}

fn sum(amounts: impl IntoIterator<Item = Decimal>) -> Result<Decimal, PricingError> {
    amounts.into_iter().try_fold(Decimal::ZERO, add)
}

/// `amount × percent / 100`, rounded half up to cents.
fn percent_of(amount: Decimal, percent: Decimal) -> Result<Decimal, PricingError> {
    Ok(round_half_up_cents(div(mul(amount, percent)?, hundred())?))
}

/// CART-42…47, DISC-11: each line's voucher discount; `post` are the post-condition
/// amounts. Lines out of scope or with nothing left get 0.
fn voucher_discounts(
    voucher: &Voucher,
    lines: &[CartLine],
    post: &[Decimal],
) -> Result<Vec<Decimal>, PricingError> {
    let mut discounts = vec![Decimal::ZERO; lines.len()];
    let eligible: Vec<usize> = (0..lines.len())
        .filter(|&i| post[i] > Decimal::ZERO && voucher.scope.covers(&lines[i].product))
        .collect();
    match voucher.kind {
        VoucherKind::Comp => {
            for &i in &eligible {
                discounts[i] = post[i];
            }
        }
        VoucherKind::Percentage => {
            for &i in &eligible {
                let amount = percent_of(post[i], voucher.value)?;
                discounts[i] = amount.max(Decimal::ZERO).min(post[i]);
            }
        }
        VoucherKind::FixedAmount => {
            let amounts: Vec<Decimal> = eligible.iter().map(|&i| post[i]).collect();
            for (&i, share) in eligible
                .iter()
                .zip(split_fixed_amount(voucher.value, &amounts)?)
            {
                discounts[i] = share;
            }
        }
    }
    Ok(discounts)
}

/// CART-47: shares of a fixed-amount budget over the eligible `amounts` (cart order,
/// each > 0). budget = min(value, Σ amounts); every line but the last gets
/// round-half-up-cents(budget × amount / Σ amounts), capped at the budget still
/// unassigned (and at its own amount); the last gets the unassigned remainder. When
/// that remainder exceeds the last line's amount, the excess goes to the earlier lines
/// in cart order, each up to its own amount. The shares sum exactly to the budget.
fn split_fixed_amount(value: Decimal, amounts: &[Decimal]) -> Result<Vec<Decimal>, PricingError> {
    let Some(last) = amounts.len().checked_sub(1) else {
        return Ok(Vec::new());
    };
    let total = sum(amounts.iter().copied())?;
    let budget = value.max(Decimal::ZERO).min(total);
    let mut shares = Vec::with_capacity(amounts.len());
    let mut unassigned = budget;
    for amount in &amounts[..last] {
        let share = round_half_up_cents(div(mul(budget, *amount)?, total)?)
            .min(unassigned)
            .min(*amount);
        unassigned = sub(unassigned, share)?;
        shares.push(share);
    }
    shares.push(unassigned);

    // Shares never exceed the budget, and the budget never exceeds the amounts'
    // sum, so the subtractions and additions below stay in range.
    let mut excess = sub(shares[last], amounts[last])?;
    if excess > Decimal::ZERO {
        shares[last] = amounts[last];
        for (share, amount) in shares.iter_mut().zip(amounts).take(last) {
            if excess <= Decimal::ZERO {
                break;
            }
            let take = sub(*amount, *share)?.min(excess);
            *share = add(*share, take)?;
            excess = sub(excess, take)?;
        }
    }
    Ok(shares.into_iter().map(cents).collect())
}
