use serde::Deserialize;
use uuid::Uuid;

use super::{Benefit, LevelRef, SponsorDetails, SponsorOverride, SponsorPatch};

/// Commands on one sponsor. The stream id is `natural_id("sponsor",
/// "{conference_id}/{slug}")`, so a slug names one sponsor per conference.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub enum SponsorCommand {
    /// SPONSOR-2/3/12: `level` is the conference's level named by
    /// `details.level`, or `None` when the conference has none by that slug. The
    /// identical create again is a no-op.
    Create {
        conference_id: Uuid,
        slug: String,
        details: SponsorDetails,
        level: Option<LevelRef>,
    },
    /// SPONSOR-2/3: change the fields `patch` carries. When the patch names a level,
    /// `level` is the conference's lookup of it. Never issues vouchers (SPONSOR-12).
    /// No change: no-op.
    Change {
        patch: SponsorPatch,
        level: Option<LevelRef>,
    },
    /// SPONSOR-4/6: save the sponsor's one override; an override with every field
    /// empty deletes it. `level_found` is the conference's answer for the
    /// override's level (ignored when it names none).
    SaveOverride {
        over: SponsorOverride,
        level_found: bool,
    },
    /// SPONSOR-9: create or replace the benefit `id`. Same benefit: no-op.
    SaveBenefit { id: Uuid, benefit: Benefit },
    /// SPONSOR-9: remove a benefit. Unknown: refused.
    RemoveBenefit { id: Uuid },
    /// Deletes the sponsor (its vouchers stay). Already removed: refused.
    Remove,
}
