use serde::Deserialize;
use uuid::Uuid;

use super::{ConferenceDetails, FeatureOverrides, KpiTargets, Role, Section, SponsorLevel};

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
    UpdateDetails {
        details: ConferenceDetails,
    },
    /// CONF-9: create or update the section with this slug.
    UpsertSection {
        section: Section,
    },
    /// AMB-5: create or update the sponsor level with this slug.
    UpsertSponsorLevel {
        level: SponsorLevel,
    },
    /// CONF-22: replace the whole override record.
    SetFeatureOverrides {
        overrides: FeatureOverrides,
    },
    /// CONF-13: replace the whole KPI target record.
    SetKpiTargets {
        targets: KpiTargets,
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
}
