use serde::Deserialize;
use uuid::Uuid;

/// Commands on a series. The stream id is `natural_id("series", slug)`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub enum SeriesCommand {
    /// Identical again = no-op; different = `AlreadyExists`.
    Create { slug: String, name: String },
    /// AMB-29: a conference has a year unique within its series. The same
    /// (year, conference) again is a no-op.
    RegisterConference {
        conference_id: Uuid,
        slug: String,
        year: i32,
    },
    /// MY-2: make this conference the single active one of the series (the
    /// previously active one is deactivated). A no-op when already active.
    Activate { conference_id: Uuid },
}
