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
    /// Refunds a donation: it stops counting. Already refunded: no-op.
    RefundDonation { id: Uuid },
}
