//! Activities and their signups (SPEC ACT-*): capacity, FIFO waitlist, promotion.

use crate::http::extract::{Path, Query};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tessera_aggregates::activity::ActivityError;
use tessera_aggregates::activity::{
    Activity, ActivityCommand, ActivityDetails, ActivityPatch, ActivityType, SignupStatus,
};
use tessera_aggregates::conference::Role;
use tessera_projections::Projection;
use tessera_projections::activity_roster::{
    ActivityRoster, ActivityRow, RosterRow, SignupRow, activity_key, signup_key, signups_prefix,
};
use tessera_replay::storage;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::app::{AppState, Caller, ConferenceRef};
use crate::bootstrap::slugify;
use crate::features::Feature;
use crate::http::access::{Access, Group, ORGANIZER};
use crate::http::error::{ApiError, ApiResult, Problem};
use crate::http::extract::{After, ApiJson, AuthUser, CommandMeta, MaybeUser};
use crate::http::page::{Page, PageParams, Paging, page_in_memory};

/// CONF-29: public activity pages need programs + public_ui.
const PUBLIC: &[Feature] = &[Feature::Programs, Feature::PublicUi];
/// AMB-17: organizer endpoints need programs + manage_ui.
const MANAGE: &[Feature] = &[Feature::Programs, Feature::ManageUi];

pub fn groups() -> Vec<Group> {
    vec![
        (
            Access::Public,
            OpenApiRouter::new()
                .routes(routes!(list_activities))
                .routes(routes!(get_activity)),
        ),
        (
            ORGANIZER,
            OpenApiRouter::new()
                .routes(routes!(create_activity))
                .routes(routes!(update_activity)),
        ),
        (
            Access::Authenticated,
            OpenApiRouter::new()
                .routes(routes!(sign_up))
                .routes(routes!(cancel_mine)),
        ),
        (
            Access::ActivityOrganizer,
            OpenApiRouter::new()
                .routes(routes!(roster))
                .routes(routes!(promote)),
        ),
    ]
}

pub use crate::ids::activity_id;

#[derive(Debug, Deserialize, ToSchema)]
pub struct ActivityBody {
    /// Defaults to slugify(name), made unique with "-2", "-3", … (CONF-10).
    #[schema(max_length = 100)]
    pub slug: Option<String>,
    #[schema(max_length = 200)]
    pub name: Option<String>,
    #[schema(value_type = Option<String>, max_length = 32, example = "sprint")]
    pub activity_type: Option<ActivityType>,
    #[schema(max_length = 5000)]
    pub description: Option<String>,
    #[schema(max_length = 200)]
    pub location: Option<String>,
    #[schema(max_length = 200)]
    pub room: Option<String>,
    pub start_time: Option<DateTime<Utc>>,
    pub end_time: Option<DateTime<Utc>>,
    /// null = unlimited, 0 = always full (ACT-3). Send `"unlimited": true` to clear.
    pub max_participants: Option<u32>,
    #[serde(default)]
    pub unlimited: bool,
    pub requires_ticket: Option<bool>,
    #[schema(max_length = 2000)]
    pub external_url: Option<String>,
    pub is_active: Option<bool>,
    pub organizers: Option<Vec<Uuid>>,
}

impl ActivityBody {
    /// The change this body asks for: the fields present.
    fn into_patch(self) -> ActivityPatch {
        let max_participants = if self.unlimited {
            Some(None)
        } else {
            self.max_participants.map(Some)
        };
        ActivityPatch {
            name: self.name,
            activity_type: self.activity_type,
            description: self.description,
            location: self.location,
            room: self.room,
            start_time: self.start_time.map(Some),
            end_time: self.end_time.map(Some),
            max_participants,
            requires_ticket: self.requires_ticket,
            external_url: self.external_url,
            is_active: self.is_active,
            organizers: self.organizers,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = ActivityCreated)]
pub struct Created {
    pub id: Uuid,
    pub slug: String,
    /// The log position of the change: send it as `X-Tessera-After` to read it back.
    pub position: Option<i64>,
}

/// Creates an activity (organizers).
#[utoipa::path(post, path = "/api/v1/conferences/{slug}/activities", tag = "activities",
    params(("slug" = String, Path)), request_body = ActivityBody,
    responses((status = 201, body = Created), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn create_activity(
    State(app): State<AppState>,
    meta: CommandMeta,
    Path(slug): Path<String>,
    ApiJson(body): ApiJson<ActivityBody>,
) -> ApiResult<(StatusCode, Json<Created>)> {
    let conf = app.gate(&slug, MANAGE).await?;
    let name = body.name.clone().unwrap_or_default();
    let activity_slug = match body.slug.clone() {
        Some(s) if tessera_aggregates::is_valid_slug(&s) => s,
        Some(_) => {
            return Err(ActivityError::InvalidSlug.into());
        }
        None => unique_slug(&app, conf.id, &name).await?,
    };
    let mut details = ActivityDetails {
        is_active: true,
        ..Default::default()
    };
    body.into_patch().apply_to(&mut details);
    let id = activity_id(conf.id, &activity_slug);
    let sent = app
        .bus
        .send(
            &Activity::stream(id),
            ActivityCommand::Create {
                conference_id: conf.id,
                slug: activity_slug.clone(),
                details,
            },
            &meta.for_conf(Some(conf.id)),
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(Created {
            id,
            slug: activity_slug,
            position: sent.position,
        }),
    ))
}

/// CONF-10/ACT-11: slugify(name) (fallback "activity"), then "-2", "-3", … until free.
async fn unique_slug(app: &AppState, conference: Uuid, name: &str) -> ApiResult<String> {
    let base = match slugify(name) {
        s if s.is_empty() => "activity".to_string(),
        s => s,
    };
    for n in 1.. {
        let candidate = if n == 1 {
            base.clone()
        } else {
            format!("{base}-{n}")
        };
        let taken = app
            .bus
            .inspect(
                &Activity::stream(activity_id(conference, &candidate)),
                |a| a.exists(),
            )
            .await?;
        if !taken {
            return Ok(candidate);
        }
    }
    Ok(base)
}

/// Changes an activity; absent fields keep their value (organizers).
#[utoipa::path(patch, path = "/api/v1/conferences/{slug}/activities/{activity}", tag = "activities",
    params(("slug" = String, Path), ("activity" = String, Path)), request_body = ActivityBody,
    responses((status = 200, body = Created), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn update_activity(
    State(app): State<AppState>,
    meta: CommandMeta,
    Path((slug, activity)): Path<(String, String)>,
    ApiJson(body): ApiJson<ActivityBody>,
) -> ApiResult<Json<Created>> {
    let conf = app.gate(&slug, MANAGE).await?;
    let id = activity_id(conf.id, &activity);
    let sent = app
        .bus
        .send(
            &Activity::stream(id),
            ActivityCommand::Change {
                patch: body.into_patch(),
            },
            &meta.for_conf(Some(conf.id)),
        )
        .await?;
    Ok(Json(Created {
        id,
        slug: activity,
        position: sent.position,
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ActivityView {
    pub id: Uuid,
    pub slug: String,
    #[schema(value_type = Object)]
    pub details: ActivityDetails,
    pub confirmed: u32,
    pub waitlisted: u32,
    /// null = unlimited (ACT-3).
    pub spots_remaining: Option<u32>,
}

impl From<ActivityRow> for ActivityView {
    fn from(a: ActivityRow) -> Self {
        Self {
            spots_remaining: a.spots_remaining(),
            id: a.id,
            slug: a.slug,
            details: a.details,
            confirmed: a.confirmed,
            waitlisted: a.waitlisted,
        }
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ListQuery {
    /// ACT-12: only activities of this type.
    #[serde(rename = "type")]
    #[param(value_type = Option<String>)]
    pub activity_type: Option<ActivityType>,
}

async fn activity_row(app: &AppState, id: Uuid) -> ApiResult<Option<ActivityRow>> {
    let doc = storage::live_row(&app.db, ActivityRoster::NAME, &activity_key(id)).await?;
    Ok(
        match doc
            .map(|d| serde_json::from_str::<RosterRow>(&d))
            .transpose()?
        {
            Some(RosterRow::Activity(a)) => Some(a),
            _ => None,
        },
    )
}

/// Active activities of the conference with their counts (ACT-12), by start
/// time then name, paged (`limit`, `cursor`).
#[utoipa::path(get, path = "/api/v1/conferences/{slug}/activities", tag = "activities",
    params(("slug" = String, Path), ListQuery, PageParams),
    responses((status = 200, body = Page<ActivityView>), (status = 400, body = Problem),
        (status = 404, body = Problem)))]
async fn list_activities(
    State(app): State<AppState>,
    _after: After,
    Path(slug): Path<String>,
    Query(q): Query<ListQuery>,
    paging: Paging,
) -> ApiResult<Json<Page<ActivityView>>> {
    let conf = app.gate(&slug, PUBLIC).await?;
    let rows = storage::live_rows_with_prefix(&app.db, ActivityRoster::NAME, "activity:").await?;
    let mut out = vec![];
    for (key, doc) in rows {
        if let RosterRow::Activity(a) = serde_json::from_str(&doc)? {
            let wanted = q.activity_type.is_none_or(|t| t == a.details.activity_type);
            if a.conference_id == conf.id && a.details.is_active && wanted {
                // No start time sorts first, as `Option` does.
                let start = a.details.start_time.map_or("0".to_string(), |t| {
                    format!("1{}", t.to_rfc3339_opts(chrono::SecondsFormat::Nanos, true))
                });
                let sort = format!("{start}\u{1}{}", a.details.name);
                out.push((sort, key, ActivityView::from(a)));
            }
        }
    }
    Ok(Json(page_in_memory(&paging, "start", false, out)?))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ActivityDetail {
    #[serde(flatten)]
    pub activity: ActivityView,
    /// The viewer's own non-cancelled signup (ACT-13).
    pub my_signup: Option<SignupView>,
    /// ACT-13: the program's talks linked to this activity.
    #[serde(flatten)]
    pub program: crate::http::program::LinkedTalks,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SignupView {
    pub user_id: Uuid,
    #[schema(value_type = String)]
    pub status: SignupStatus,
    pub note: String,
    pub created_at: DateTime<Utc>,
    pub cancelled_at: Option<DateTime<Utc>>,
}

impl From<SignupRow> for SignupView {
    fn from(s: SignupRow) -> Self {
        Self {
            user_id: s.user_id,
            status: s.status,
            note: s.note,
            created_at: s.created_at,
            cancelled_at: s.cancelled_at,
        }
    }
}

/// One activity with its counts and the viewer's signup.
#[utoipa::path(get, path = "/api/v1/conferences/{slug}/activities/{activity}", tag = "activities",
    params(("slug" = String, Path), ("activity" = String, Path)),
    responses((status = 200, body = ActivityDetail), (status = 404, body = Problem)))]
async fn get_activity(
    State(app): State<AppState>,
    MaybeUser(viewer): MaybeUser,
    _after: After,
    Path((slug, activity)): Path<(String, String)>,
) -> ApiResult<Json<ActivityDetail>> {
    let conf = app.gate(&slug, PUBLIC).await?;
    let id = activity_id(conf.id, &activity);
    let row = activity_row(&app, id)
        .await?
        .filter(|a| a.details.is_active)
        .ok_or_else(|| ApiError::not_found("Activity"))?;
    let my_signup = match viewer {
        None => None,
        Some(v) => {
            let doc =
                storage::live_row(&app.db, ActivityRoster::NAME, &signup_key(id, v.id)).await?;
            match doc
                .map(|d| serde_json::from_str::<RosterRow>(&d))
                .transpose()?
            {
                Some(RosterRow::Signup(s)) if s.status != SignupStatus::Cancelled => Some(s.into()),
                _ => None,
            }
        }
    };
    let program = crate::http::program::linked_talks(&app, conf.id, &activity).await?;
    Ok(Json(ActivityDetail {
        activity: row.into(),
        my_signup,
        program,
    }))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct SignUpBody {
    #[serde(default)]
    #[schema(max_length = 5000)]
    pub note: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SignupOutcome {
    #[schema(value_type = String)]
    pub status: SignupStatus,
    /// Set when nothing changed (ACT-6).
    pub message: Option<String>,
    pub position: Option<i64>,
}

/// Signs the caller up: confirmed, or waitlisted when full (ACT-6).
#[utoipa::path(post, path = "/api/v1/conferences/{slug}/activities/{activity}/signups", tag = "activities",
    params(("slug" = String, Path), ("activity" = String, Path)), request_body = SignUpBody,
    responses((status = 201, body = SignupOutcome), (status = 200, body = SignupOutcome, description = "already signed up"),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn sign_up(
    State(app): State<AppState>,
    AuthUser(user): AuthUser,
    meta: CommandMeta,
    Path((slug, activity)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> ApiResult<(StatusCode, Json<SignupOutcome>)> {
    let conf = app.gate(&slug, PUBLIC).await?;
    let id = Activity::stream(activity_id(conf.id, &activity));
    // The body is optional: no body, or `{"note": "…"}`.
    let note = crate::http::extract::optional_json::<SignUpBody>(&body)?.note;
    let sent = app
        .bus
        .send(
            &id,
            ActivityCommand::SignUp {
                user: user.id,
                note,
            },
            &meta.for_conf(Some(conf.id)),
        )
        .await?;
    let status = app
        .bus
        .inspect(&id, |a| a.status_of(&user.id))
        .await?
        .unwrap_or(SignupStatus::Cancelled);
    let (code, message) = match sent.position {
        Some(_) => (StatusCode::CREATED, None),
        None => (
            StatusCode::OK,
            Some("You are already signed up for this activity.".to_string()),
        ),
    };
    Ok((
        code,
        Json(SignupOutcome {
            status,
            message,
            position: sent.position,
        }),
    ))
}

/// Cancels the caller's signup; a freed place goes to the oldest waitlisted (ACT-8/9).
#[utoipa::path(delete, path = "/api/v1/conferences/{slug}/activities/{activity}/signups/mine", tag = "activities",
    params(("slug" = String, Path), ("activity" = String, Path)),
    responses((status = 200, body = SignupOutcome), (status = 422, body = Problem)))]
async fn cancel_mine(
    State(app): State<AppState>,
    AuthUser(user): AuthUser,
    meta: CommandMeta,
    Path((slug, activity)): Path<(String, String)>,
) -> ApiResult<Json<SignupOutcome>> {
    let conf = app.gate(&slug, PUBLIC).await?;
    let id = Activity::stream(activity_id(conf.id, &activity));
    let sent = app
        .bus
        .send(
            &id,
            ActivityCommand::Cancel { user: user.id },
            &meta.for_conf(Some(conf.id)),
        )
        .await?;
    Ok(Json(SignupOutcome {
        status: SignupStatus::Cancelled,
        message: None,
        position: sent.position,
    }))
}

/// Whether the caller may read this activity's roster (ACT-10): admins, conference
/// organizers and auditors, and the activity's listed organizers.
async fn may_read_roster(
    app: &AppState,
    conf: &ConferenceRef,
    caller: &Caller,
    activity: Uuid,
) -> ApiResult<bool> {
    let roles = [Role::Organizer, Role::Auditor];
    if caller.is_admin
        || app
            .roles_in(conf.id, caller.id)
            .await?
            .iter()
            .any(|r| roles.contains(r))
    {
        return Ok(true);
    }
    let listed = app
        .bus
        .inspect(&Activity::stream(activity), |a| {
            a.details().organizers.contains(&caller.id)
        })
        .await?;
    Ok(listed)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct RosterQuery {
    /// confirmed, waitlisted or cancelled; without it cancelled signups are left out (ACT-12).
    #[param(value_type = Option<String>)]
    pub status: Option<SignupStatus>,
}

/// The roster, oldest signup first (organizers of the conference or the activity),
/// paged (`limit`, `cursor`; the cursor is the signup's place in line).
#[utoipa::path(get, path = "/api/v1/conferences/{slug}/activities/{activity}/signups", tag = "activities",
    params(("slug" = String, Path), ("activity" = String, Path), RosterQuery, PageParams),
    responses((status = 200, body = Page<SignupView>), (status = 400, body = Problem),
        (status = 403, body = Problem)))]
async fn roster(
    State(app): State<AppState>,
    AuthUser(caller): AuthUser,
    _after: After,
    Path((slug, activity)): Path<(String, String)>,
    Query(q): Query<RosterQuery>,
    paging: Paging,
) -> ApiResult<Json<Page<SignupView>>> {
    let conf = app.gate(&slug, &[Feature::Programs]).await?;
    let id = activity_id(conf.id, &activity);
    if !may_read_roster(&app, &conf, &caller, id).await? {
        return Err(ApiError::forbidden());
    }
    let rows =
        storage::live_rows_with_prefix(&app.db, ActivityRoster::NAME, &signups_prefix(id)).await?;
    let mut signups = vec![];
    for (key, doc) in rows {
        if let RosterRow::Signup(s) = serde_json::from_str(&doc)? {
            let keep = match q.status {
                Some(status) => s.status == status,
                None => s.status != SignupStatus::Cancelled,
            };
            if keep {
                // Places in line are never reused: a stable keyset order.
                signups.push((format!("{:020}", s.position), key, SignupView::from(s)));
            }
        }
    }
    Ok(Json(page_in_memory(&paging, "position", false, signups)?))
}

/// Confirms a waitlisted signup even when full (ACT-10).
#[utoipa::path(post, path = "/api/v1/conferences/{slug}/activities/{activity}/signups/{user}/promote", tag = "activities",
    params(("slug" = String, Path), ("activity" = String, Path), ("user" = Uuid, Path)),
    responses((status = 200, body = SignupOutcome), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn promote(
    State(app): State<AppState>,
    AuthUser(caller): AuthUser,
    meta: CommandMeta,
    Path((slug, activity, user)): Path<(String, String, Uuid)>,
) -> ApiResult<Json<SignupOutcome>> {
    let conf = app.gate(&slug, &[Feature::Programs]).await?;
    let id = activity_id(conf.id, &activity);
    let by_staff = caller.is_admin
        || app
            .roles_in(conf.id, caller.id)
            .await?
            .contains(&Role::Organizer);
    let sent = app
        .bus
        .send(
            &Activity::stream(id),
            ActivityCommand::Promote {
                user,
                by: caller.id,
                by_staff,
            },
            &meta.for_conf(Some(conf.id)),
        )
        .await?;
    Ok(Json(SignupOutcome {
        status: SignupStatus::Confirmed,
        message: None,
        position: sent.position,
    }))
}
