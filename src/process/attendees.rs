//! Order paid → attendee registered; order fully refunded → its products stop
//! counting (ATT-1…3, PAY-51).
//!
//! Both steps are idempotent commands on the attendee stream: `Register` with an
//! order already registered is a no-op, and the access code is derived from the
//! attendee id, so a redelivered `OrderPaid` sends exactly the same command.

use sha2::{Digest, Sha256};
use tessera_aggregates::attendee::{Attendee, AttendeeCommand, AttendeeProduct, attendee_id};
use tessera_aggregates::order::{Order, OrderEvent, OrderStatus};
use tessera_projections::attendees::{Attendees, AttendeesRow, code_key};
use tessera_projections::{DomainEvent, Envelope, EventMeta, Projection};
use tessera_replay::storage;
use uuid::Uuid;

use super::Reaction;
use super::settle;
use crate::bus::CommandBus;

use crate::codes::ALPHABET;

pub async fn react(bus: &CommandBus, env: &Envelope) -> anyhow::Result<Reaction> {
    let DomainEvent::Order(event) = &env.event else {
        return Ok(Reaction::Done);
    };
    let Some(order_id) = env.aggregate_uuid() else {
        return Ok(Reaction::Done);
    };
    match event {
        OrderEvent::OrderPaid {
            conference_id,
            user,
            ..
        } => registered(bus, env, order_id, *conference_id, *user).await,
        // PAY-29 (our refunds) and PAY-47 (refunds reported by Stripe): the order's
        // new status says whether it is now fully refunded.
        OrderEvent::OrderRefunded { status, .. }
        | OrderEvent::StripeRefundRecorded { status, .. }
            if *status == OrderStatus::Refunded =>
        {
            refunded(bus, env, order_id).await
        }
        _ => Ok(Reaction::Done),
    }
}

/// ATT-3: the attendee for (order user, order conference) is created if absent; the
/// paid order becomes its current order; the access code is kept.
async fn registered(
    bus: &CommandBus,
    env: &Envelope,
    order_id: Uuid,
    conference_id: Uuid,
    user: Uuid,
) -> anyhow::Result<Reaction> {
    // The lines are fixed at checkout (ORDER-28): reading them now is exact.
    let products = bus
        .inspect(&Order::stream(&env.aggregate_id), |o| {
            o.lines
                .iter()
                .map(|l| AttendeeProduct {
                    product: l.product.clone(),
                    name: l.description.clone(),
                    quantity: l.quantity,
                })
                .collect::<Vec<_>>()
        })
        .await
        .map_err(|e| anyhow::anyhow!("loading order {}: {e}", env.aggregate_id))?;
    let id = attendee_id(conference_id, user);
    let Some(access_code) = code_for(bus, id).await? else {
        return Ok(Reaction::Refused(format!(
            "no free access code for attendee {id} after {CODE_ATTEMPTS} attempts"
        )));
    };
    let command = AttendeeCommand::Register {
        conference_id,
        user,
        order_id,
        access_code,
        products,
    };
    let meta = follow_up(env, conference_id);
    settle(bus.send(&Attendee::stream(id), command, &meta).await)
}

/// ATT-2: candidates tried before giving up.
const CODE_ATTEMPTS: u8 = 10;

/// The access code to register attendee `id` with: its own once it exists (the
/// aggregate keeps it anyway), else the first derived candidate that no other
/// attendee of any conference holds (ATT-2: unique across conferences).
async fn code_for(bus: &CommandBus, id: Uuid) -> anyhow::Result<Option<String>> {
    let stream = Attendee::stream(id);
    let current = bus
        .inspect(&stream, |a| a.exists().then(|| a.access_code().to_string()))
        .await
        .map_err(|e| anyhow::anyhow!("loading attendee {id}: {e}"))?;
    if current.is_some() {
        return Ok(current);
    }
    for attempt in 0..CODE_ATTEMPTS {
        let code = candidate(id, attempt);
        let holder = storage::live_row(bus.db(), Attendees::NAME, &code_key(&code)).await?;
        let taken = match holder.map(|d| serde_json::from_str::<AttendeesRow>(&d)) {
            None => false,
            Some(Ok(AttendeesRow::Ref(r))) => attendee_id(r.conference_id, r.user) != id,
            Some(_) => true,
        };
        if !taken {
            return Ok(Some(code));
        }
    }
    Ok(None)
}

/// A fully refunded order is taken off its attendee (a no-op if it never was on).
async fn refunded(bus: &CommandBus, env: &Envelope, order_id: Uuid) -> anyhow::Result<Reaction> {
    let owner = bus
        .inspect(&Order::stream(&env.aggregate_id), |o| {
            o.exists().then(|| (o.conference_id, o.user))
        })
        .await
        .map_err(|e| anyhow::anyhow!("loading order {}: {e}", env.aggregate_id))?;
    let Some((conference_id, user)) = owner else {
        return Ok(Reaction::Done);
    };
    let id = attendee_id(conference_id, user).to_string();
    let exists = bus
        .inspect(&Attendee::stream(&id), Attendee::exists)
        .await
        .map_err(|e| anyhow::anyhow!("loading attendee {id}: {e}"))?;
    if !exists {
        return Ok(Reaction::Done);
    }
    let meta = follow_up(env, conference_id);
    settle(
        bus.send(
            &Attendee::stream(&id),
            AttendeeCommand::RemoveOrder { order_id },
            &meta,
        )
        .await,
    )
}

/// The metadata of a command this flow sends because of `env`.
fn follow_up(env: &Envelope, conference_id: Uuid) -> EventMeta {
    EventMeta {
        conference_id: Some(conference_id),
        actor: "system".to_string(),
        request_id: env.meta.request_id.clone(),
        causation_id: Some(env.position.to_string()),
        idempotency_key: None,
        recorded_at: None,
    }
}

/// ATT-2: 8 characters of A–Z0–9, derived from the attendee id so that every
/// delivery of the same `OrderPaid` proposes the same code (the aggregate keeps the
/// first one anyway). 36⁸ ≈ 2.8·10¹² codes: the first 8 bytes of SHA-256 of the id
/// (and, after a collision, the attempt number), written in base 36.
pub fn candidate(attendee: Uuid, attempt: u8) -> String {
    let mut hasher = Sha256::new();
    hasher.update(attendee.as_bytes());
    if attempt > 0 {
        hasher.update([attempt]);
    }
    let digest = hasher.finalize();
    let mut head = [0u8; 8];
    head.copy_from_slice(&digest[..8]);
    let mut n = u64::from_be_bytes(head);
    let mut code = [0u8; 8];
    for slot in code.iter_mut().rev() {
        *slot = ALPHABET[(n % 36) as usize];
        n /= 36;
    }
    code.iter().map(|&b| b as char).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use tessera_aggregates::attendee::is_valid_access_code;

    #[test]
    fn att_2_access_codes_are_valid_and_stable() {
        let id = attendee_id(Uuid::from_u128(1), Uuid::from_u128(2));
        let code = candidate(id, 0);
        assert!(is_valid_access_code(&code), "{code}");
        assert_eq!(code, candidate(id, 0));
        let other = candidate(attendee_id(Uuid::from_u128(1), Uuid::from_u128(3)), 0);
        assert_ne!(code, other);
        let retry = candidate(id, 1);
        assert!(is_valid_access_code(&retry), "{retry}");
        assert_ne!(code, retry);
    }
}
