//! Password reset (RESET-1…6): asked for by e-mail address, answered the same
//! whether or not the address has an account; the token goes out by mail
//! (src/notifications) and only its hash enters the log; confirming it sets the
//! new password and ends every session of the account.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use tessera_aggregates::user::{User, UserCommand, UserError};
use utoipa::ToSchema;
use uuid::Uuid;

use super::client::ClientAddr;
use crate::app::{AppState, user_id};
use crate::bus::BusError;
use crate::http::error::{ApiError, ApiResult, Problem};
use crate::http::extract::{ApiJson, CommandMeta};
use crate::identity::reset::{reset_token_hash, reset_token_ttl, reset_token_user};
use crate::identity::throttle::{Refusal, Throttled};
use crate::identity::{MIN_PASSWORD_LEN, hash_password};

#[derive(Debug, Deserialize, ToSchema)]
pub struct ResetRequestBody {
    #[schema(max_length = 320)]
    pub email: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ResetRequested {
    /// Always "accepted": the answer says nothing about the address.
    pub status: String,
}

/// Asks for a password reset mail (RESET-1). 202 whether or not the address has
/// an account (RESET-6: no way to probe for accounts); 429 with `Retry-After`
/// after too many requests for the address or from the client.
#[utoipa::path(post, path = "/api/v1/auth/password-reset", tag = "auth",
    request_body = ResetRequestBody,
    responses((status = 202, body = ResetRequested),
        (status = 429, body = Problem, headers(("Retry-After" = i64, description = "Seconds to wait")))))]
pub(super) async fn request_reset(
    State(app): State<AppState>,
    ClientAddr(address): ClientAddr,
    meta: CommandMeta,
    ApiJson(body): ApiJson<ResetRequestBody>,
) -> ApiResult<Response> {
    let id = user_id(&body.email);
    let account = id.to_string();
    let now = app.bus.services().now();
    // Counted whether or not the account exists: a 429 tells nothing about it.
    let address = address.map(|a| a.to_string());
    if let Err(refusal) = app.resets.admit(&account, address.as_deref(), now).await? {
        return Ok(too_many(refusal));
    }
    let exists = app
        .bus
        .inspect(&User::stream(&account), |u| u.exists())
        .await?;
    if exists && !app.personal.is_erased(id).await? {
        let request = Uuid::new_v4();
        let token = app.tokens.reset_token(id, request);
        app.bus
            .send(
                &User::stream(&account),
                UserCommand::RequestPasswordReset {
                    request,
                    token_hash: reset_token_hash(&token),
                    expires_at: now + reset_token_ttl(),
                },
                &meta.for_conf(None),
            )
            .await?;
    }
    Ok((
        StatusCode::ACCEPTED,
        Json(ResetRequested {
            status: "accepted".into(),
        }),
    )
        .into_response())
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ResetConfirmBody {
    /// The token from the reset mail.
    #[schema(max_length = 200)]
    pub token: String,
    #[schema(max_length = 1000)]
    pub password: String,
}

/// Sets a new password with a reset token (RESET-2…5): refused when the token is
/// unknown, expired (after an hour) or used; every session of the account ends.
#[utoipa::path(post, path = "/api/v1/auth/password-reset/confirm", tag = "auth",
    request_body = ResetConfirmBody,
    responses((status = 204, description = "Password reset; sign in again"),
        (status = 422, body = Problem)))]
pub(super) async fn confirm_reset(
    State(app): State<AppState>,
    meta: CommandMeta,
    ApiJson(body): ApiJson<ResetConfirmBody>,
) -> ApiResult<StatusCode> {
    let invalid = || ApiError::from(UserError::ResetTokenInvalid);
    if body.password.chars().count() < MIN_PASSWORD_LEN {
        return Err(UserError::WeakPassword(MIN_PASSWORD_LEN).into());
    }
    let user = reset_token_user(&body.token).ok_or_else(invalid)?;
    let token_hash = reset_token_hash(&body.token);
    let password = body.password;
    let hash = tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)?;
    let sent = app
        .bus
        .send(
            &User::stream(user),
            UserCommand::ResetPassword {
                token_hash,
                password_hash: hash,
            },
            &meta.for_conf(None),
        )
        .await;
    match sent {
        Ok(_) => Ok(StatusCode::NO_CONTENT),
        // A token naming no account is just an invalid token.
        Err(BusError::Refused(UserError::NotFound)) => Err(invalid()),
        Err(e) => Err(e.into()),
    }
}

/// RESET-6: 429 with `Retry-After`, the same for every address.
fn too_many(refusal: Refusal) -> Response {
    ApiError::from(Throttled::reset(refusal)).into_response()
}
