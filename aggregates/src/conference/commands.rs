use serde::Deserialize;
use uuid::Uuid;

use super::{
    ConferenceDetails, DetailsPatch, FeatureOverrides, HistoricalFigures, KpiTargetsPatch, Role,
    Section, SectionPatch, SponsorLevel, SponsorLevelPatch, StatsSnapshot,
};
use crate::PartSlug;

/// Commands on a conference. The stream id is `natural_id("conference", slug)`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub enum ConferenceCommand {
    /// Identical again = no-op; different = `AlreadyExists` (slug taken). The year's
    /// uniqueness in the series is the Series aggregate's rule.
    Create {
        series_id: Uuid,
        series_slug: String,
        slug: String,
        year: i32,
        details: ConferenceDetails,
    },
    /// Replace every detail (bootstrap, which owns the whole record). Same details:
    /// no-op.
    UpdateDetails {
        details: ConferenceDetails,
    },
    /// CONF-1/4/5, MY-3/4: change the details `patch` carries, keep the others; the
    /// merged details must pass the same checks as a create. No change: no-op.
    ChangeDetails {
        patch: DetailsPatch,
    },
    /// CONF-9: create or update the section with this slug.
    UpsertSection {
        section: Section,
    },
    /// CONF-9/10: change the section `slug` addresses (fields absent keep their
    /// value), or create it (a new one needs a name and both dates). No change:
    /// no-op.
    SaveSection {
        slug: PartSlug,
        patch: SectionPatch,
    },
    /// AMB-5: create or update the sponsor level with this slug.
    UpsertSponsorLevel {
        level: SponsorLevel,
    },
    /// AMB-5, CONF-10: change the sponsor level `slug` addresses (fields absent
    /// keep their value), or create it (defaults for what is absent). No change:
    /// no-op.
    SaveSponsorLevel {
        slug: PartSlug,
        patch: SponsorLevelPatch,
    },
    /// CONF-22: replace the whole override record.
    SetFeatureOverrides {
        overrides: FeatureOverrides,
    },
    /// CONF-13: change the targets `patch` carries (null clears one), keep the
    /// others. No change: no-op.
    ChangeKpiTargets {
        patch: KpiTargetsPatch,
    },
    /// A no-op when the role is held.
    GrantRole {
        user: Uuid,
        role: Role,
    },
    RevokeRole {
        user: Uuid,
        role: Role,
    },
    /// MY-18, MY-21…26: record the figures of a year that predates the portal; the
    /// same figures again are a no-op.
    RecordHistoricalFigures {
        figures: HistoricalFigures,
    },
    /// MY-19: freeze the statistics; a later freeze needs a reason.
    FreezeStats {
        snapshot: StatsSnapshot,
        reason: String,
    },
}
