//! Payments (PAY-2…20, PAY-45/46) and online payment attempts (PAY-4…8).

use rust_decimal::Decimal;
use uuid::Uuid;

use super::{AttemptStatus, Order, OrderError, OrderEvent, OrderStatus, PaymentMethod};
use crate::Timestamp;

/// The fields of `OrderCommand::RecordPayment`.
pub(super) struct NewPayment {
    pub payment_id: Uuid,
    pub method: PaymentMethod,
    pub amount: Decimal,
    pub stripe_payment_intent: Option<String>,
    pub credit_id: Option<Uuid>,
    pub reference: String,
    pub note: String,
    pub by: Option<Uuid>,
}

impl Order {
    /// PAY-4: only pending orders with something left to pay.
    pub(super) fn start_attempt(
        &self,
        attempt_id: Uuid,
        idempotency_key: String,
        amount: Decimal,
        now: Timestamp,
    ) -> Result<Vec<OrderEvent>, OrderError> {
        if self.attempt(attempt_id).is_some() {
            return Ok(vec![]);
        }
        if self.status != OrderStatus::Pending {
            return Err(OrderError::PaymentNotInitiable);
        }
        if self.balance <= Decimal::ZERO {
            return Err(OrderError::AlreadyPaid);
        }
        if amount <= Decimal::ZERO {
            return Err(OrderError::AmountNotPositive);
        }
        Ok(vec![OrderEvent::PaymentAttemptStarted {
            attempt_id,
            idempotency_key,
            amount,
            at: now,
        }])
    }

    /// PAY-7/8: the attempt's intent, recorded once.
    pub(super) fn record_intent(
        &self,
        attempt_id: Uuid,
        payment_intent_id: String,
        client_secret: String,
        now: Timestamp,
    ) -> Result<Vec<OrderEvent>, OrderError> {
        let attempt = self
            .attempt(attempt_id)
            .ok_or(OrderError::AttemptNotFound)?;
        if payment_intent_id.trim().is_empty() || client_secret.trim().is_empty() {
            return Err(OrderError::MissingPaymentIntent);
        }
        match &attempt.payment_intent_id {
            Some(known) if *known == payment_intent_id => Ok(vec![]),
            Some(_) => Err(OrderError::AttemptHasAnotherIntent),
            None => Ok(vec![OrderEvent::PaymentIntentCreated {
                attempt_id,
                payment_intent_id,
                client_secret,
                at: now,
            }]),
        }
    }

    /// PAY-46: the first pending attempt with this intent fails, and so does an
    /// authorized terminal payment of this intent (declined at the reader); the
    /// order is unchanged.
    pub(super) fn record_failure(
        &self,
        payment_intent_id: String,
        now: Timestamp,
    ) -> Vec<OrderEvent> {
        let mut facts = self.terminal_failure(&payment_intent_id, now);
        facts.extend(self.attempt_failure(payment_intent_id, now));
        facts
    }

    /// PAY-46 for an online payment: its pending attempt fails.
    fn attempt_failure(&self, payment_intent_id: String, now: Timestamp) -> Vec<OrderEvent> {
        self.attempts
            .iter()
            .find(|a| {
                a.status == AttemptStatus::Pending
                    && a.payment_intent_id.as_deref() == Some(payment_intent_id.as_str())
            })
            .map(|a| OrderEvent::PaymentAttemptFailed {
                attempt_id: a.attempt_id,
                payment_intent_id: payment_intent_id.clone(),
                at: now,
            })
            .into_iter()
            .collect()
    }

    /// PAY-13: a manual payment is for a pending order, is positive, and never
    /// exceeds the balance. Departs from PAY-13's "over-payments are accepted": staff
    /// key these amounts in, so an amount above the balance is a typing slip far more
    /// often than money received, and accepting it would leave a negative balance
    /// nobody owes. It is refused, not turned into store credit: staff record at
    /// most the balance, and anything received beyond it is given back or credited
    /// as a decision of its own.
    fn check_manual(&self, amount: Decimal) -> Result<(), OrderError> {
        if self.status != OrderStatus::Pending {
            return Err(OrderError::ManualNotPending);
        }
        if amount <= Decimal::ZERO {
            return Err(OrderError::AmountNotPositive);
        }
        let balance = self.balance;
        if amount > balance {
            return Err(OrderError::ManualExceedsBalance { amount, balance });
        }
        Ok(())
    }

    /// PAY-12 (comp), PAY-13 (manual), PAY-19/20 (credit), PAY-45 (card).
    pub(super) fn record_payment(
        &self,
        p: NewPayment,
        now: Timestamp,
    ) -> Result<Vec<OrderEvent>, OrderError> {
        if self.payment(p.payment_id).is_some() {
            return Ok(vec![]);
        }
        let pending = self.status == OrderStatus::Pending;
        let mut amount = p.amount;
        match p.method {
            PaymentMethod::Stripe | PaymentMethod::Terminal => {
                let intent = p.stripe_payment_intent.as_deref().unwrap_or_default();
                if intent.trim().is_empty() {
                    return Err(OrderError::MissingPaymentIntent); // AMB-31
                }
                // PAY-45: the intent of a terminal payment taken at the desk.
                if let Some(facts) = self.terminal_success(intent, amount, now) {
                    return Ok(facts);
                }
                let captured = self.payments.iter().any(|q| {
                    q.method.is_card()
                        && q.counts_as_paid()
                        && q.stripe_payment_intent.as_deref() == Some(intent)
                });
                if captured {
                    return Ok(vec![]); // PAY-45: already recorded
                }
                if amount <= Decimal::ZERO {
                    return Err(OrderError::AmountNotPositive);
                }
            }
            PaymentMethod::Comp => {
                if !pending {
                    return Err(OrderError::CompNotPending);
                }
                if self.total > Decimal::ZERO {
                    return Err(OrderError::CompNonZeroTotal);
                }
                amount = Decimal::new(0, 2);
            }
            PaymentMethod::Manual => self.check_manual(amount)?,
            PaymentMethod::Credit => {
                if !pending {
                    return Err(OrderError::CreditNotPending);
                }
                if p.credit_id.is_none() {
                    return Err(OrderError::MissingCredit);
                }
                let balance = self.balance;
                if balance <= Decimal::ZERO {
                    return Err(OrderError::AlreadyPaid);
                }
                if amount <= Decimal::ZERO {
                    return Err(OrderError::AmountNotPositive);
                }
                if amount > balance {
                    return Err(OrderError::CreditExceedsBalance { amount, balance });
                }
            }
        }
        let mut facts = vec![OrderEvent::PaymentRecorded {
            payment_id: p.payment_id,
            method: p.method,
            amount,
            stripe_payment_intent: p.stripe_payment_intent,
            credit_id: p.credit_id,
            reference: p.reference,
            note: p.note,
            by: p.by,
            at: now,
        }];
        if !pending {
            facts.push(OrderEvent::PaymentReceivedForClosedOrder {
                payment_id: p.payment_id,
                status: self.status,
                at: now,
            });
        } else if self.paid + amount >= self.total {
            facts.push(OrderEvent::OrderPaid {
                conference_id: self.conference_id,
                user: self.user,
                at: now,
            });
        }
        Ok(facts)
    }
}
