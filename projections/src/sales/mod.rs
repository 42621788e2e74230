//! The sales dashboard of a conference: orders by status, revenue over the paid set
//! (AMB-14), discounts and vouchers (ANA-22, ANA-26), payments and refunds (ANA-23,
//! ANA-24, ANA-34), paid-set sales per product (ANA-21, ANA-31 "sold") and per
//! placement date (ANA-20).
//!
//! Live holds depend on the clock, so "reserved" is not here: the Inventory answers it.
//!
//! Keys:
//! - `sales:{conference_id}` → [`SalesRow`];
//! - `track:{order_id}` → [`OrderTrack`]: what each order contributes (internal; the
//!   totals are kept by taking an order's old contribution out and its new one in).

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use tessera_aggregates::order::{CancelReason, OrderEvent, OrderStatus, PaymentMethod};
use tessera_aggregates::pricing::ProductRef;
use uuid::Uuid;

use crate::keys::product_key;
use crate::{DomainEvent, Envelope, Projection, Rows};

pub struct Sales;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "row", rename_all = "snake_case")]
#[allow(clippy::large_enum_variant)] // rows are stored one by one: the size is moot
pub enum SalesRows {
    Sales(SalesRow),
    Track(OrderTrack),
}

/// One conference's sales. Amounts are exact sums of order amounts.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SalesRow {
    pub conference_id: Uuid,
    /// Every order ever placed.
    pub orders_placed: u64,
    /// Orders by current status.
    pub orders_pending: u64,
    /// Status paid only (the manage dashboard's "paid orders", AMB-14).
    pub orders_paid: u64,
    pub orders_partially_refunded: u64,
    pub orders_refunded: u64,
    /// Cancelled on request (ORDER-17).
    pub orders_cancelled: u64,
    /// Cancelled as stale (ORDER-20).
    pub orders_expired: u64,
    /// AMB-6: paid after they closed; to refund.
    pub orders_flagged_for_refund: u64,
    pub orders_disputed: u64,
    /// AMB-14: Σ total of paid-set orders.
    pub revenue: Decimal,
    /// ANA-34: Σ total of orders whose status is paid.
    pub revenue_paid_only: Decimal,
    /// ANA-22, paid set: Σ subtotal.
    pub gross: Decimal,
    /// ANA-22, paid set: Σ discount_amount.
    pub discounts: Decimal,
    /// ANA-22, paid set: orders with a discount.
    pub orders_with_discount: u64,
    /// DISC-4/6: voucher uses held by orders (placed, not cancelled or expired;
    /// refunds keep the use).
    pub vouchers_used: u64,
    /// ANA-24: Σ payments received and kept, any order status.
    pub payments_total: Decimal,
    /// ANA-23/24: Σ refunds that happened.
    pub refunded: Decimal,
    /// Payments received and kept, by method (`stripe`, `terminal`, `comp`,
    /// `credit`, `manual`).
    pub payments_by_method: BTreeMap<String, Tally>,
    /// By voucher code.
    pub vouchers: BTreeMap<String, VoucherSales>,
    /// Paid-set sales by [`product_key`] (`ticket:{slug}` / `addon:{slug}`).
    pub products: BTreeMap<String, ProductSales>,
    /// ANA-20: paid-set orders by placement date (UTC).
    pub by_date: BTreeMap<NaiveDate, Tally>,
}

/// A count and an amount.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Tally {
    pub count: u64,
    pub amount: Decimal,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct VoucherSales {
    /// Orders holding a use of the code (DISC-4/6).
    pub uses: u64,
    /// Paid-set orders carrying the code.
    pub paid_orders: u64,
    /// ANA-26 revenue impact: Σ discount_amount of those paid-set orders.
    pub discount: Decimal,
    /// Σ total of those paid-set orders.
    pub revenue: Decimal,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProductSales {
    pub product: ProductRef,
    /// The latest name an order line gave it.
    pub name: String,
    /// Σ quantity of paid-set lines (CAT-2, ANA-31).
    pub sold: u64,
    /// Σ line_total of paid-set lines (ANA-21).
    pub revenue: Decimal,
    /// Paid-set orders with a line of it.
    pub orders: u64,
}

/// What one order contributes to its conference's sales.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderTrack {
    pub conference_id: Uuid,
    pub status: OrderStatus,
    pub cancel_reason: Option<CancelReason>,
    pub subtotal: Decimal,
    pub discount_amount: Decimal,
    pub total: Decimal,
    pub voucher_code: Option<String>,
    pub placed_on: NaiveDate,
    pub lines: Vec<TrackLine>,
    pub payments: Vec<TrackPayment>,
    /// Refunds that happened (failed ones removed), by id (ours or Stripe's).
    pub refunds: Vec<(String, Decimal)>,
    pub flagged_for_refund: bool,
    pub disputed: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrackLine {
    pub product: ProductRef,
    pub name: String,
    pub quantity: u32,
    pub line_total: Decimal,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrackPayment {
    pub payment_id: Uuid,
    pub method: PaymentMethod,
    pub amount: Decimal,
    /// A credit payment given back (ORDER-18): no longer counted.
    pub reversed: bool,
}

pub fn sales_key(conference_id: Uuid) -> String {
    format!("sales:{conference_id}")
}

pub fn track_key(order_id: &str) -> String {
    format!("track:{order_id}")
}

/// A payment method as stored (lower_snake_case), for `payments_by_method`.
pub fn method_key(method: PaymentMethod) -> &'static str {
    match method {
        PaymentMethod::Stripe => "stripe",
        PaymentMethod::Terminal => "terminal",
        PaymentMethod::Comp => "comp",
        PaymentMethod::Credit => "credit",
        PaymentMethod::Manual => "manual",
    }
}

fn count(n: &mut u64, sign: i8) {
    if sign < 0 {
        *n = n.saturating_sub(1)
    } else {
        *n += 1
    }
}

impl SalesRow {
    /// Adds (`sign` 1) or takes out (`sign` -1) what `t` contributes.
    fn account(&mut self, t: &OrderTrack, sign: i8) {
        let s = Decimal::from(sign);
        count(&mut self.orders_placed, sign);
        let by_status = match (t.status, t.cancel_reason) {
            (OrderStatus::Pending, _) => &mut self.orders_pending,
            (OrderStatus::Paid, _) => &mut self.orders_paid,
            (OrderStatus::PartiallyRefunded, _) => &mut self.orders_partially_refunded,
            (OrderStatus::Refunded, _) => &mut self.orders_refunded,
            (OrderStatus::Cancelled, Some(CancelReason::Expired)) => &mut self.orders_expired,
            (OrderStatus::Cancelled, _) => &mut self.orders_cancelled,
        };
        count(by_status, sign);
        if t.flagged_for_refund {
            count(&mut self.orders_flagged_for_refund, sign);
        }
        if t.disputed {
            count(&mut self.orders_disputed, sign);
        }
        if t.status == OrderStatus::Paid {
            self.revenue_paid_only += s * t.total;
        }
        let holds_use = t.status != OrderStatus::Cancelled;
        let paid_set = t.status.is_paid_set();
        if let Some(code) = &t.voucher_code {
            if holds_use {
                count(&mut self.vouchers_used, sign);
            }
            let v = self.vouchers.entry(code.clone()).or_default();
            if holds_use {
                count(&mut v.uses, sign);
            }
            if paid_set {
                count(&mut v.paid_orders, sign);
                v.discount += s * t.discount_amount;
                v.revenue += s * t.total;
            }
            if v.uses == 0 && v.paid_orders == 0 {
                self.vouchers.remove(code);
            }
        }
        if paid_set {
            self.revenue += s * t.total;
            self.gross += s * t.subtotal;
            self.discounts += s * t.discount_amount;
            if t.discount_amount > Decimal::ZERO {
                count(&mut self.orders_with_discount, sign);
            }
            let day = self.by_date.entry(t.placed_on).or_default();
            count(&mut day.count, sign);
            day.amount += s * t.total;
            if day.count == 0 {
                self.by_date.remove(&t.placed_on);
            }
            let mut seen: Vec<String> = Vec::new();
            for line in &t.lines {
                let key = product_key(&line.product);
                let p = self
                    .products
                    .entry(key.clone())
                    .or_insert_with(|| ProductSales {
                        product: line.product.clone(),
                        name: line.name.clone(),
                        sold: 0,
                        revenue: Decimal::ZERO,
                        orders: 0,
                    });
                if sign > 0 {
                    p.name = line.name.clone();
                    p.sold += u64::from(line.quantity);
                } else {
                    p.sold = p.sold.saturating_sub(u64::from(line.quantity));
                }
                p.revenue += s * line.line_total;
                if !seen.contains(&key) {
                    count(&mut p.orders, sign);
                    seen.push(key);
                }
            }
            self.products.retain(|_, p| p.orders > 0);
        }
        for p in t.payments.iter().filter(|p| !p.reversed) {
            self.payments_total += s * p.amount;
            let method = method_key(p.method);
            let m = self
                .payments_by_method
                .entry(method.to_string())
                .or_default();
            count(&mut m.count, sign);
            m.amount += s * p.amount;
            if m.count == 0 {
                self.payments_by_method.remove(method);
            }
        }
        for (_, amount) in &t.refunds {
            self.refunded += s * amount;
        }
    }
}

fn evolve(t: &mut OrderTrack, event: &OrderEvent) {
    use OrderEvent::*;
    match event {
        PaymentRecorded {
            payment_id,
            method,
            amount,
            ..
        } => {
            if !t.payments.iter().any(|p| p.payment_id == *payment_id) {
                t.payments.push(TrackPayment {
                    payment_id: *payment_id,
                    method: *method,
                    amount: *amount,
                    reversed: false,
                });
            }
        }
        CreditPaymentReversed { payment_id, .. } => {
            if let Some(p) = t.payments.iter_mut().find(|p| p.payment_id == *payment_id) {
                p.reversed = true;
            }
        }
        OrderPaid { .. } => t.status = OrderStatus::Paid,
        PaymentReceivedForClosedOrder { .. } => t.flagged_for_refund = true,
        OrderCancelled { reason, .. } => {
            t.status = OrderStatus::Cancelled;
            t.cancel_reason = Some(*reason);
        }
        OrderRefunded {
            refund_id,
            amount,
            status,
            ..
        } => {
            t.refunds.push((refund_id.to_string(), *amount));
            t.status = *status;
        }
        RefundFailed {
            refund_id, status, ..
        } => {
            let id = refund_id.to_string();
            t.refunds.retain(|(r, _)| *r != id);
            t.status = *status;
        }
        StripeRefundRecorded {
            stripe_refund_id,
            amount,
            status,
            ..
        } => {
            t.refunds.push((stripe_refund_id.clone(), *amount));
            t.status = *status;
        }
        OrderDisputed { .. } => t.disputed = true,
        // PAY-36: money taken at the desk (the order's status comes with the
        // OrderPaid decided with it, AMB-6/7).
        TerminalPaymentCaptured {
            payment_id, amount, ..
        } => {
            if !t.payments.iter().any(|p| p.payment_id == *payment_id) {
                t.payments.push(TrackPayment {
                    payment_id: *payment_id,
                    method: PaymentMethod::Terminal,
                    amount: *amount,
                    reversed: false,
                });
            }
        }
        TerminalPaymentAuthorized { .. }
        | TerminalPaymentCancelled { .. }
        | TerminalPaymentFailed { .. } => {}
        // The refund was counted when recorded (AMB-10); its Stripe id adds nothing.
        CardRefundSucceeded { .. } => {}
        OrderPlaced(_)
        | PaymentAttemptStarted { .. }
        | PaymentIntentCreated { .. }
        | PaymentAttemptFailed { .. } => {}
    }
}

impl Sales {
    fn sales(rows: &mut Rows<SalesRows>, conference_id: Uuid) -> Option<&mut SalesRow> {
        let row = rows.upsert_with(&sales_key(conference_id), || {
            SalesRows::Sales(SalesRow {
                conference_id,
                ..Default::default()
            })
        });
        match row {
            SalesRows::Sales(s) => Some(s),
            _ => None,
        }
    }

    /// Replaces an order's contribution: `before` out, `after` in.
    fn account(rows: &mut Rows<SalesRows>, before: Option<&OrderTrack>, after: &OrderTrack) {
        if let Some(s) = Self::sales(rows, after.conference_id) {
            if let Some(b) = before {
                s.account(b, -1);
            }
            s.account(after, 1);
        }
    }
}

fn placed(event: &OrderEvent) -> Option<OrderTrack> {
    let OrderEvent::OrderPlaced(placed) = event else {
        return None;
    };
    Some(OrderTrack {
        conference_id: placed.conference_id,
        status: OrderStatus::Pending,
        cancel_reason: None,
        subtotal: placed.subtotal,
        discount_amount: placed.discount_amount,
        total: placed.total,
        voucher_code: placed.voucher_code.clone().filter(|c| !c.is_empty()),
        placed_on: placed_on(placed.at),
        lines: placed
            .lines
            .iter()
            .map(|l| TrackLine {
                product: l.product.clone(),
                name: l.description.clone(),
                quantity: l.quantity,
                line_total: l.line_total,
            })
            .collect(),
        payments: Vec::new(),
        refunds: Vec::new(),
        flagged_for_refund: false,
        disputed: false,
    })
}

fn placed_on(at: DateTime<Utc>) -> NaiveDate {
    at.date_naive()
}

impl Projection for Sales {
    const NAME: &'static str = "sales";
    const VERSION: u32 = 1;
    type Row = SalesRows;

    fn apply(rows: &mut Rows<SalesRows>, env: &Envelope) {
        let DomainEvent::Order(event) = &env.event else {
            return;
        };
        let key = track_key(&env.aggregate_id);
        let before = match rows.get(&key) {
            Some(SalesRows::Track(t)) => Some(t.clone()),
            _ => None,
        };
        let after = match (placed(event), &before) {
            (Some(t), None) => t,
            (Some(_), Some(_)) | (None, None) => return,
            (None, Some(b)) => {
                let mut t = b.clone();
                evolve(&mut t, event);
                if t == *b {
                    return;
                }
                t
            }
        };
        Self::account(rows, before.as_ref(), &after);
        rows.insert(key, SalesRows::Track(after));
    }
}
