//! Conference roles: organizers grant and revoke them.

use std::str::FromStr;

use crate::http::extract::Path;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use tessera_aggregates::conference::ConferenceError;
use tessera_aggregates::conference::{Conference, ConferenceCommand, Role};
use tessera_aggregates::user::User;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::MANAGE;
use crate::app::{AppState, user_id};
use crate::http::access::{Group, ORGANIZER};
use crate::http::error::{ApiError, ApiResult, Problem};
use crate::http::extract::{ApiJson, CommandMeta};

pub(super) fn groups() -> Vec<Group> {
    vec![(
        ORGANIZER,
        OpenApiRouter::new()
            .routes(routes!(grant_role))
            .routes(routes!(revoke_role)),
    )]
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RoleBody {
    /// The email of an existing user.
    #[schema(max_length = 320, format = Email)]
    pub email: String,
    /// organizer, reviewer, checkin or finance.
    #[schema(max_length = 32)]
    pub role: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RoleChanged {
    pub user_id: Uuid,
    #[schema(value_type = String, example = "organizer")]
    pub role: Role,
    pub position: Option<i64>,
}

fn parse_role(role: &str) -> ApiResult<Role> {
    Role::from_str(role).map_err(ApiError::from)
}

/// Grants a conference role to an existing user (201; 200 when already held).
#[utoipa::path(post, path = "/api/v1/conferences/{slug}/roles", tag = "conferences",
    params(("slug" = String, Path)), request_body = RoleBody,
    responses((status = 201, body = RoleChanged), (status = 200, body = RoleChanged, description = "already held"),
        (status = 404, body = Problem), (status = 422, body = Problem, description = "conf.unknown_user, conf.unknown_role")))]
async fn grant_role(
    State(app): State<AppState>,
    meta: CommandMeta,
    Path(slug): Path<String>,
    ApiJson(body): ApiJson<RoleBody>,
) -> ApiResult<(StatusCode, Json<RoleChanged>)> {
    let conf = app.gate(&slug, MANAGE).await?;
    let role = parse_role(&body.role)?;
    let user = user_id(&body.email);
    let exists = app.bus.inspect(&User::stream(user), |u| u.exists()).await?;
    if !exists {
        return Err(ConferenceError::UnknownUser(body.email.trim().to_string()).into());
    }
    let sent = app
        .bus
        .send(
            &Conference::stream(conf.id),
            ConferenceCommand::GrantRole { user, role },
            &meta.for_conf(Some(conf.id)),
        )
        .await?;
    let status = if sent.position.is_some() {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        Json(RoleChanged {
            user_id: user,
            role,
            position: sent.position,
        }),
    ))
}

/// Revokes a conference role (422 conf.role_not_held when the user does not hold it).
#[utoipa::path(delete, path = "/api/v1/conferences/{slug}/roles/{user_id}/{role}", tag = "conferences",
    params(("slug" = String, Path), ("user_id" = Uuid, Path), ("role" = String, Path)),
    responses((status = 200, body = RoleChanged), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn revoke_role(
    State(app): State<AppState>,
    meta: CommandMeta,
    Path((slug, user, role)): Path<(String, Uuid, String)>,
) -> ApiResult<Json<RoleChanged>> {
    let conf = app.gate(&slug, MANAGE).await?;
    let role = parse_role(&role)?;
    let sent = app
        .bus
        .send(
            &Conference::stream(conf.id),
            ConferenceCommand::RevokeRole { user, role },
            &meta.for_conf(Some(conf.id)),
        )
        .await?;
    Ok(Json(RoleChanged {
        user_id: user,
        role,
        position: sent.position,
    }))
}
