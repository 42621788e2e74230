//! The partial edit of an activity: each field absent = keep, present = set;
//! `Option<Option<_>>` fields also take null = clear. The activity merges it into
//! its current details when it decides (see `crate::edit`).

use serde::Deserialize;
use uuid::Uuid;

use super::{ActivityDetails, ActivityType};
use crate::Timestamp;
use crate::edit::{keep_or_set, nullable};

/// ACT-2/3: a change of an activity's details.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct ActivityPatch {
    pub name: Option<String>,
    pub activity_type: Option<ActivityType>,
    pub description: Option<String>,
    pub location: Option<String>,
    pub room: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub start_time: Option<Option<Timestamp>>,
    #[serde(default, deserialize_with = "nullable")]
    pub end_time: Option<Option<Timestamp>>,
    /// ACT-3: null = unlimited, 0 = always full.
    #[serde(default, deserialize_with = "nullable")]
    pub max_participants: Option<Option<u32>>,
    pub requires_ticket: Option<bool>,
    pub external_url: Option<String>,
    pub is_active: Option<bool>,
    pub organizers: Option<Vec<Uuid>>,
}

impl ActivityPatch {
    /// Writes the fields this patch carries into `d`.
    pub fn apply_to(self, d: &mut ActivityDetails) {
        keep_or_set(&mut d.name, self.name);
        keep_or_set(&mut d.activity_type, self.activity_type);
        keep_or_set(&mut d.description, self.description);
        keep_or_set(&mut d.location, self.location);
        keep_or_set(&mut d.room, self.room);
        keep_or_set(&mut d.start_time, self.start_time);
        keep_or_set(&mut d.end_time, self.end_time);
        keep_or_set(&mut d.max_participants, self.max_participants);
        keep_or_set(&mut d.requires_ticket, self.requires_ticket);
        keep_or_set(&mut d.external_url, self.external_url);
        keep_or_set(&mut d.is_active, self.is_active);
        keep_or_set(&mut d.organizers, self.organizers);
    }
}
