use serde::Deserialize;
use uuid::Uuid;

use super::{VolunteerForm, Year};
use crate::user::Sealed;

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub enum VolunteerCommand {
    /// MY-11/12: the user applies for the year; starts pending. `open` is the
    /// year's `volunteer_application_open`; `earlier_years` the series' years
    /// before this one (MY-13). Refused when an application exists (MY-6).
    Apply {
        year: Year,
        user: Uuid,
        form: VolunteerForm,
        open: bool,
        earlier_years: Vec<i32>,
        /// The form's social handles (JSON) sealed by the service under the
        /// user's key; then only they are recorded, the plain ones only checked.
        #[serde(default)]
        sealed_social: Option<Sealed>,
    },
    /// Bring forward: an organizer copies `from` (last year's approved
    /// application) into this year as pending. A no-op when the user already
    /// applies.
    BringForward {
        year: Year,
        user: Uuid,
        form: VolunteerForm,
        from: Uuid,
        /// The earlier application's sealed social handles, carried over.
        #[serde(default)]
        sealed_social: Option<Sealed>,
    },
    /// Needs at least one team and one role. The same teams and roles again: no-op.
    Approve {
        teams: Vec<String>,
        roles: Vec<String>,
    },
    Waitlist,
    Reject,
    /// The volunteer withdraws.
    Cancel,
}
