//! Ending sessions: sign-out of the token used, and an admin's revocation of every
//! session of a user.
//!
//! Both are facts on the user's stream (`SignedOut`, `SessionsRevoked`). Every
//! request checks its token against the user's state (`User::accepts_session`),
//! read through the command bus's cache: this instance refuses the token at once,
//! other instances within `CALLER_MAX_AGE` (5 s), when they re-read the stream.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use serde::Serialize;
use tessera_aggregates::user::{User, UserCommand};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::app::AppState;
use crate::http::error::{ApiError, ApiResult, Problem};
use crate::http::extract::{AuthUser, CommandMeta};

/// Signs out the bearer token this request carries; the caller's other tokens
/// stay valid.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth",
    responses((status = 204, description = "Signed out"), (status = 401, body = Problem)))]
pub(super) async fn logout(
    State(app): State<AppState>,
    AuthUser(caller): AuthUser,
    meta: CommandMeta,
    headers: HeaderMap,
) -> ApiResult<StatusCode> {
    // The access guard already accepted this token; read its id and expiry.
    let claims = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .and_then(|token| app.tokens.verify(token.trim(), app.bus.services().now()))
        .filter(|claims| claims.user == caller.id)
        .ok_or_else(ApiError::unauthorized)?;
    app.bus
        .send(
            &User::stream(caller.id),
            UserCommand::SignOut {
                token: claims.id,
                until: claims.expires_at,
            },
            &meta.for_conf(None),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SessionsRevoked {
    pub user_id: Uuid,
    pub position: Option<i64>,
}

/// Ends every session of a user: each token issued so far is refused; new log-ins
/// work.
#[utoipa::path(post, path = "/api/v1/users/{user_id}/revoke-sessions", tag = "auth",
    params(("user_id" = Uuid, Path)),
    responses((status = 200, body = SessionsRevoked), (status = 404, body = Problem)))]
pub(super) async fn revoke_sessions(
    State(app): State<AppState>,
    meta: CommandMeta,
    Path(user_id): Path<String>,
) -> ApiResult<Json<SessionsRevoked>> {
    // An id that is not a UUID names no user.
    let user: Uuid = user_id.parse().map_err(|_| ApiError::not_found("User"))?;
    let sent = app
        .bus
        .send(
            &User::stream(user),
            UserCommand::RevokeSessions,
            &meta.for_conf(None),
        )
        .await?;
    Ok(Json(SessionsRevoked {
        user_id: user,
        position: sent.position,
    }))
}
