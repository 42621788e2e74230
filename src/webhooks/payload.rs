//! The public webhook payload (WH-8): which log events become which published
//! kind, and the stable `data` each kind carries. Internal event shapes may
//! change; this mapping is the contract (docs/webhooks.md lists every kind).

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Value, json};
use tessera_aggregates::attendee::AttendeeEvent;
use tessera_aggregates::bulk_purchase::BulkPurchaseEvent;
use tessera_aggregates::fundraising::FundraisingEvent;
use tessera_aggregates::order::OrderEvent;
use tessera_aggregates::travel_grant::GrantEvent;
use tessera_aggregates::visa_letter::LetterEvent;
use tessera_aggregates::volunteer::VolunteerEvent;
use tessera_projections::{DomainEvent, Envelope};
use uuid::Uuid;

/// What a receiver gets as the request body.
#[derive(Debug, Clone, Serialize)]
pub struct Payload {
    /// Stable per log event: the same on every delivery and replay of it.
    pub id: Uuid,
    /// The event's position in the log (what a replay starts from).
    pub position: i64,
    pub kind: &'static str,
    pub conference_id: Uuid,
    pub occurred_at: DateTime<Utc>,
    pub data: Value,
}

/// The id of the webhook event of log position `position`.
pub fn event_id(position: i64) -> Uuid {
    tessera_aggregates::natural_id("webhook-event", &position.to_string())
}

/// The webhook event of a log event, when it is one of a published kind and
/// belongs to a conference.
pub fn of(env: &Envelope) -> Option<Payload> {
    let conference_id = env.meta.conference_id?;
    let subject = env.aggregate_id.clone();
    let (kind, data) = match &env.event {
        DomainEvent::Order(e) => order(e, &subject)?,
        DomainEvent::Attendee(e) => attendee(e, &subject)?,
        DomainEvent::Volunteer(e) => volunteer(e, &subject)?,
        DomainEvent::TravelGrant(e) => grant(e, &subject)?,
        DomainEvent::VisaLetter(e) => visa_letter(e, &subject)?,
        DomainEvent::Fundraising(e) => fundraising(e)?,
        DomainEvent::BulkPurchase(e) => bulk_purchase(e, &subject)?,
        _ => return None,
    };
    Some(Payload {
        id: event_id(env.position),
        position: env.position,
        kind,
        conference_id,
        occurred_at: env.recorded_at,
        data,
    })
}

fn order(e: &OrderEvent, order_id: &str) -> Option<(&'static str, Value)> {
    Some(match e {
        OrderEvent::OrderPlaced(o) => (
            "order.placed",
            json!({ "order_id": order_id, "reference": o.reference, "user_id": o.user,
                    "subtotal": o.subtotal, "discount_amount": o.discount_amount, "total": o.total }),
        ),
        OrderEvent::OrderPaid { user, .. } => (
            "order.paid",
            json!({ "order_id": order_id, "user_id": user }),
        ),
        OrderEvent::OrderCancelled { reason, .. } => (
            "order.cancelled",
            json!({ "order_id": order_id, "reason": reason }),
        ),
        OrderEvent::OrderRefunded {
            refund_id,
            amount,
            status,
            ..
        } => (
            "order.refunded",
            json!({ "order_id": order_id, "refund_id": refund_id, "amount": amount,
                    "order_status": status }),
        ),
        _ => return None,
    })
}

fn attendee(e: &AttendeeEvent, attendee_id: &str) -> Option<(&'static str, Value)> {
    Some(match e {
        // The access code is a credential: it is not sent.
        AttendeeEvent::AttendeeRegistered { user, .. } => (
            "attendee.registered",
            json!({ "attendee_id": attendee_id, "user_id": user }),
        ),
        AttendeeEvent::AttendeeCheckedIn {
            number, station, ..
        } => (
            "attendee.checked_in",
            json!({ "attendee_id": attendee_id, "check_in": number, "station": station }),
        ),
        _ => return None,
    })
}

fn volunteer(e: &VolunteerEvent, application_id: &str) -> Option<(&'static str, Value)> {
    Some(match e {
        // The form is personal: only who applied is sent.
        VolunteerEvent::VolunteerApplied { user, .. } => (
            "volunteer.applied",
            json!({ "application_id": application_id, "user_id": user }),
        ),
        VolunteerEvent::VolunteerApproved { teams, roles, .. } => (
            "volunteer.approved",
            json!({ "application_id": application_id, "teams": teams, "roles": roles }),
        ),
        VolunteerEvent::VolunteerWaitlisted { .. } => (
            "volunteer.waitlisted",
            json!({ "application_id": application_id }),
        ),
        VolunteerEvent::VolunteerRejected { .. } => (
            "volunteer.rejected",
            json!({ "application_id": application_id }),
        ),
        VolunteerEvent::VolunteerCancelled { was, .. } => (
            "volunteer.cancelled",
            json!({ "application_id": application_id, "was": was }),
        ),
    })
}

/// Travel grants: their lifecycle, never the application's text, the reviewer's
/// notes, the promo code (a credential) or the payment details.
fn grant(e: &GrantEvent, grant_id: &str) -> Option<(&'static str, Value)> {
    Some(match e {
        GrantEvent::GrantApplied { applicant, .. } => (
            "grant.applied",
            json!({ "grant_id": grant_id, "user_id": applicant }),
        ),
        GrantEvent::GrantReviewed {
            was,
            status,
            approved_amount,
            ..
        } => (
            "grant.reviewed",
            json!({ "grant_id": grant_id, "was": was, "status": status,
                    "approved_amount": approved_amount }),
        ),
        GrantEvent::GrantOfferAccepted { .. } => {
            ("grant.offer_accepted", json!({ "grant_id": grant_id }))
        }
        GrantEvent::GrantOfferDeclined { .. } => {
            ("grant.offer_declined", json!({ "grant_id": grant_id }))
        }
        GrantEvent::GrantWithdrawn { .. } => ("grant.withdrawn", json!({ "grant_id": grant_id })),
        GrantEvent::GrantDisbursed { amount, .. } => (
            "grant.disbursed",
            json!({ "grant_id": grant_id, "amount": amount }),
        ),
        _ => return None,
    })
}

/// Visa letter requests: their status, never the passport data or the reason
/// given to the applicant.
fn visa_letter(e: &LetterEvent, letter_id: &str) -> Option<(&'static str, Value)> {
    Some(match e {
        LetterEvent::VisaLetterRequested { applicant, .. } => (
            "visa_letter.requested",
            json!({ "letter_id": letter_id, "user_id": applicant }),
        ),
        LetterEvent::VisaLetterApproved { .. } => {
            ("visa_letter.approved", json!({ "letter_id": letter_id }))
        }
        LetterEvent::VisaLetterRejected { .. } => {
            ("visa_letter.rejected", json!({ "letter_id": letter_id }))
        }
        // LETTER-8/9: the PDF itself is personal data and is never sent.
        LetterEvent::VisaLetterGenerated { .. } => {
            ("visa_letter.generated", json!({ "letter_id": letter_id }))
        }
        LetterEvent::VisaLetterSent { .. } => {
            ("visa_letter.sent", json!({ "letter_id": letter_id }))
        }
        _ => return None,
    })
}

/// The sponsorship pipeline and donations: the organisation and amounts, never
/// a contact's or donor's name or e-mail.
fn fundraising(e: &FundraisingEvent) -> Option<(&'static str, Value)> {
    Some(match e {
        FundraisingEvent::SponsorshipDealOpened { id, deal, .. } => (
            "sponsorship_deal.opened",
            json!({ "deal_id": id, "organisation": deal.organisation, "tier": deal.tier,
                    "amount": deal.amount }),
        ),
        FundraisingEvent::SponsorshipDealMoved { id, from, to, .. } => (
            "sponsorship_deal.moved",
            json!({ "deal_id": id, "from": from, "to": to }),
        ),
        FundraisingEvent::DonationRecorded { id, donation, .. } => (
            "donation.recorded",
            json!({ "donation_id": id, "amount": donation.amount,
                    "transaction_date": donation.transaction_date }),
        ),
        FundraisingEvent::DonationRefunded { id, .. } => {
            ("donation.refunded", json!({ "donation_id": id }))
        }
        // MY-29: a Checkout donation is recorded once its session is paid.
        FundraisingEvent::DonationCheckoutCompleted { id, amount, at, .. } => (
            "donation.recorded",
            json!({ "donation_id": id, "amount": amount,
                    "transaction_date": at.date_naive(), "paid_by": "checkout" }),
        ),
        FundraisingEvent::DonationCheckoutFailed { id, .. } => {
            ("donation.failed", json!({ "donation_id": id }))
        }
        _ => return None,
    })
}

/// Bulk voucher purchases (SPONSOR-18…28): their status and amounts; the voucher
/// codes are credentials and are never sent, only how many.
fn bulk_purchase(e: &BulkPurchaseEvent, purchase_id: &str) -> Option<(&'static str, Value)> {
    Some(match e {
        BulkPurchaseEvent::BulkPurchaseRequested { terms, .. } => (
            "bulk_purchase.requested",
            json!({ "purchase_id": purchase_id, "sponsor": terms.sponsor,
                    "quantity": terms.quantity, "unit_price": terms.unit_price,
                    "total_amount": terms.total_amount, "from_portal": terms.from_portal }),
        ),
        BulkPurchaseEvent::BulkPurchaseApproved { .. } => (
            "bulk_purchase.approved",
            json!({ "purchase_id": purchase_id }),
        ),
        BulkPurchaseEvent::BulkPurchaseFulfilled {
            codes,
            payment_intent,
            ..
        } => (
            "bulk_purchase.fulfilled",
            json!({ "purchase_id": purchase_id, "vouchers_added": codes.len(),
                    "paid": payment_intent.is_some() }),
        ),
        BulkPurchaseEvent::BulkPurchaseFailed { .. } => (
            "bulk_purchase.failed",
            json!({ "purchase_id": purchase_id }),
        ),
        BulkPurchaseEvent::BulkPurchaseRefunded { .. } => (
            "bulk_purchase.refunded",
            json!({ "purchase_id": purchase_id }),
        ),
        BulkPurchaseEvent::BulkCheckoutStarted { .. } => return None,
    })
}

#[cfg(test)]
mod tests {
    /// WH-2/WH-8: every kind the mapping can produce is published, and back.
    #[test]
    fn wh_8_every_mapped_kind_is_published() {
        let source = include_str!("payload.rs");
        for kind in tessera_aggregates::webhook::KINDS {
            assert!(source.contains(&format!("\"{kind}\"")), "{kind} is mapped");
        }
    }
}
