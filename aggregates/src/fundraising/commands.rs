use serde::Deserialize;
use uuid::Uuid;

use super::{Deal, DealPatch, DealStatus, Donation, Tier};

/// Commands on a conference's fundraising. The stream id is
/// `natural_id("fundraising", &conference_id.to_string())`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub enum FundraisingCommand {
    /// MY-5: create or replace the tier `slug`. Same tier: no-op.
    SaveTier {
        conference_id: Uuid,
        slug: String,
        tier: Tier,
    },
    /// MY-7: a new deal, not contacted. The same deal again (same id) is a no-op.
    OpenDeal {
        conference_id: Uuid,
        id: Uuid,
        deal: Deal,
    },
    /// Changes what `patch` carries. No change: no-op.
    ChangeDeal { id: Uuid, patch: DealPatch },
    /// Moves a deal along the transition table. Same status: no-op.
    MoveDeal { id: Uuid, to: DealStatus },
    /// MY-29: a donation recorded by finance staff. Same id again: no-op.
    RecordDonation {
        conference_id: Uuid,
        id: Uuid,
        donation: Donation,
    },
    /// Refunds a paid donation: it stops counting. Already refunded: no-op.
    RefundDonation { id: Uuid },
    /// MY-29: a donor starts paying through a Stripe Checkout Session: the
    /// donation is pending (it does not count). Refused while the conference is
    /// not `accepting_donations` (as the flow read it from the conference). The
    /// same donation again: no-op.
    StartDonationCheckout {
        conference_id: Uuid,
        id: Uuid,
        donation: Donation,
        accepting_donations: bool,
    },
    /// The donation's Checkout Session. The same session again: no-op.
    OpenDonationSession { id: Uuid, session_id: String },
    /// The session was paid: pending → paid (it counts). Already paid: no-op.
    CompleteDonationCheckout {
        id: Uuid,
        session_id: String,
        payment_intent: Option<String>,
    },
    /// The session expired: pending → failed (it never counts). Otherwise a
    /// no-op.
    FailDonationCheckout { id: Uuid, reason: String },
}
