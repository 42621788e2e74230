//! Activities with their counts, and every user's signup (SPEC ACT-12..14).
//!
//! Keys: `activity:{activity_id}` and `signup:{activity_id}:{user_id}`.

#[cfg(test)]
mod tests;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tessera_aggregates::activity::{ActivityDetails, ActivityEvent, SignupStatus};
use uuid::Uuid;

use crate::{DomainEvent, Envelope, Projection, Rows};

pub struct ActivityRoster;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "row", rename_all = "snake_case")]
pub enum RosterRow {
    Activity(ActivityRow),
    Signup(SignupRow),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActivityRow {
    pub id: Uuid,
    pub conference_id: Uuid,
    pub slug: String,
    pub details: ActivityDetails,
    pub confirmed: u32,
    pub waitlisted: u32,
    pub cancelled: u32,
    pub created_at: DateTime<Utc>,
}

impl ActivityRow {
    /// ACT-3.
    pub fn spots_remaining(&self) -> Option<u32> {
        self.details
            .max_participants
            .map(|max| max.saturating_sub(self.confirmed))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignupRow {
    pub activity_id: Uuid,
    pub user_id: Uuid,
    pub status: SignupStatus,
    pub note: String,
    pub created_at: DateTime<Utc>,
    /// Position of the event that created the signup: FIFO order.
    pub position: i64,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub promoted_at: Option<DateTime<Utc>>,
}

pub fn activity_key(id: Uuid) -> String {
    format!("activity:{id}")
}

pub fn signup_key(activity: Uuid, user: Uuid) -> String {
    format!("signup:{activity}:{user}")
}

pub fn signups_prefix(activity: Uuid) -> String {
    format!("signup:{activity}:")
}

impl ActivityRoster {
    fn counts(rows: &mut Rows<RosterRow>, id: Uuid, f: impl FnOnce(&mut ActivityRow)) {
        if let Some(RosterRow::Activity(a)) = rows.get_mut(&activity_key(id)) {
            f(a)
        }
    }

    fn signup(rows: &mut Rows<RosterRow>, activity: Uuid, user: Uuid) -> Option<&mut SignupRow> {
        match rows.get_mut(&signup_key(activity, user)) {
            Some(RosterRow::Signup(s)) => Some(s),
            _ => None,
        }
    }
}

impl Projection for ActivityRoster {
    const NAME: &'static str = "activity_roster";
    const VERSION: u32 = 1;
    type Row = RosterRow;

    fn apply(rows: &mut Rows<RosterRow>, env: &Envelope) {
        let DomainEvent::Activity(event) = &env.event else {
            return;
        };
        let Some(id) = env.aggregate_uuid() else {
            return;
        };
        match event {
            ActivityEvent::ActivityCreated {
                conference_id,
                slug,
                details,
                at,
            } => rows.insert(
                activity_key(id),
                RosterRow::Activity(ActivityRow {
                    id,
                    conference_id: *conference_id,
                    slug: slug.clone(),
                    details: details.clone(),
                    confirmed: 0,
                    waitlisted: 0,
                    cancelled: 0,
                    created_at: *at,
                }),
            ),
            ActivityEvent::ActivityUpdated { details, .. } => {
                Self::counts(rows, id, |a| a.details = details.clone())
            }
            ActivityEvent::SignupConfirmed { user, note, at }
            | ActivityEvent::SignupWaitlisted { user, note, at } => {
                let status = if matches!(event, ActivityEvent::SignupConfirmed { .. }) {
                    SignupStatus::Confirmed
                } else {
                    SignupStatus::Waitlisted
                };
                rows.insert(
                    signup_key(id, *user),
                    RosterRow::Signup(SignupRow {
                        activity_id: id,
                        user_id: *user,
                        status,
                        note: note.clone(),
                        created_at: *at,
                        position: env.position,
                        cancelled_at: None,
                        promoted_at: None,
                    }),
                );
                Self::counts(rows, id, |a| match status {
                    SignupStatus::Confirmed => a.confirmed += 1,
                    _ => a.waitlisted += 1,
                });
            }
            ActivityEvent::SignupCancelled { user, was, at } => {
                if let Some(s) = Self::signup(rows, id, *user) {
                    s.status = SignupStatus::Cancelled;
                    s.cancelled_at = Some(*at);
                }
                let was = *was;
                Self::counts(rows, id, |a| {
                    match was {
                        SignupStatus::Confirmed => a.confirmed = a.confirmed.saturating_sub(1),
                        SignupStatus::Waitlisted => a.waitlisted = a.waitlisted.saturating_sub(1),
                        SignupStatus::Cancelled => {}
                    }
                    a.cancelled += 1;
                });
            }
            ActivityEvent::WaitlistPromoted { user, at, .. } => {
                if let Some(s) = Self::signup(rows, id, *user) {
                    s.status = SignupStatus::Confirmed;
                    s.promoted_at = Some(*at);
                }
                Self::counts(rows, id, |a| {
                    a.waitlisted = a.waitlisted.saturating_sub(1);
                    a.confirmed += 1;
                });
            }
        }
    }
}
