use serde::Deserialize;
use uuid::Uuid;

use super::{ActivityDetails, ActivityPatch};

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub enum ActivityCommand {
    Create {
        conference_id: Uuid,
        slug: String,
        details: ActivityDetails,
    },
    /// ACT-2: change the details `patch` carries, keep the others; the merged
    /// details are checked as a create's. No change: no-op.
    Change { patch: ActivityPatch },
    /// ACT-6: confirmed, or waitlisted when full; a no-op for an active signup.
    SignUp { user: Uuid, note: String },
    /// ACT-8/9: cancel the user's active signup.
    Cancel { user: Uuid },
    /// ACT-10: an organizer confirms a waitlisted signup, even when full.
    /// `by_staff` is true when the caller holds a conference role that manages
    /// activities; a listed organizer of the activity may promote too.
    Promote {
        user: Uuid,
        by: Uuid,
        by_staff: bool,
    },
}
