//! Sign-up, log-in, "who am I", password reset, and ending sessions. Accounts are global across
//! years (MY-9).
//!
//! Log-in is throttled (src/identity/throttle.rs): too many failures for one
//! account, or too many attempts from one client address, answer 429 with
//! `Retry-After`. Responses carrying a token are never stored for
//! `Idempotency-Key` replay.

pub(crate) mod client;
mod erasure;
mod reset;
mod sessions;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use tessera_aggregates::user::{User, UserCommand, UserError};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::app::{AppState, user_id};
use crate::http::access::{Access, Group};
use crate::http::error::{ApiError, ApiResult, Problem};
use crate::http::extract::{ApiJson, AuthUser, CommandMeta};
use crate::http::idempotency::NotStored;
use crate::identity::throttle::{Refusal, Throttled};
use crate::identity::{MIN_PASSWORD_LEN, hash_password, verify_password};
use crate::personal::PersonalError;
use client::ClientAddr;

pub fn groups() -> Vec<Group> {
    vec![
        (
            Access::Public,
            OpenApiRouter::new()
                .routes(routes!(signup))
                .routes(routes!(login))
                .routes(routes!(reset::request_reset))
                .routes(routes!(reset::confirm_reset)),
        ),
        (
            Access::Authenticated,
            OpenApiRouter::new()
                .routes(routes!(me))
                .routes(routes!(sessions::logout)),
        ),
        (
            Access::Admin,
            OpenApiRouter::new()
                .routes(routes!(sessions::revoke_sessions))
                .routes(routes!(erasure::erase_user)),
        ),
    ]
}

/// A response whose body holds a secret: never stored for replay.
fn not_stored(response: impl IntoResponse) -> Response {
    let mut response = response.into_response();
    response.extensions_mut().insert(NotStored);
    response
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct SignupBody {
    /// Checked by the domain, which answers its own code for a bad address.
    #[schema(max_length = 320)]
    pub email: String,
    #[schema(max_length = 1000)]
    pub password: String,
    #[schema(max_length = 200)]
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SignedUp {
    pub id: Uuid,
    pub email: String,
    pub token: String,
    pub position: Option<i64>,
}

/// Registers a user, hashes the password with argon2, and signs them in.
#[utoipa::path(post, path = "/api/v1/auth/signup", tag = "auth", request_body = SignupBody,
    responses((status = 201, body = SignedUp), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn signup(
    State(app): State<AppState>,
    meta: CommandMeta,
    ApiJson(body): ApiJson<SignupBody>,
) -> ApiResult<Response> {
    let id = register(&app, &body.email, &body.password, &body.name, &meta).await?;
    // A new account is in its first session epoch.
    let token = app.tokens.issue(id.0, 0, app.bus.services().now());
    Ok(not_stored((
        StatusCode::CREATED,
        Json(SignedUp {
            id: id.0,
            email: body.email.trim().to_lowercase(),
            token,
            position: id.1,
        }),
    )))
}

/// Creates a user account (also used by `tessera user create`).
pub async fn register(
    app: &AppState,
    email: &str,
    password: &str,
    name: &str,
    meta: &CommandMeta,
) -> ApiResult<(Uuid, Option<i64>)> {
    if password.chars().count() < MIN_PASSWORD_LEN {
        return Err(UserError::WeakPassword(MIN_PASSWORD_LEN).into());
    }
    let password = password.to_string();
    let hash = tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)?;
    let id = user_id(email);
    // A bad address is the domain's to refuse (its own code): seal only good ones.
    let sealed = match tessera_aggregates::user::normalize_email(email) {
        Some(normalized) => match app.personal.seal_identity(id, &normalized, name).await {
            Ok(sealed) => Some(sealed),
            // The account exists (erased): the domain says so.
            Err(PersonalError::Erased(_)) => None,
            Err(e) => return Err(e.into()),
        },
        None => None,
    };
    let sent = app
        .bus
        .send(
            &User::stream(id),
            UserCommand::Register {
                email: email.to_string(),
                name: name.to_string(),
                password_hash: hash,
                sealed,
            },
            &meta.for_conf(None),
        )
        .await?;
    Ok((id, sent.position))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct LoginBody {
    /// Checked by the domain, which answers its own code for a bad address.
    #[schema(max_length = 320)]
    pub email: String,
    #[schema(max_length = 1000)]
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Token {
    pub token: String,
}

/// Exchanges email and password for a bearer token. 429 with `Retry-After` after
/// too many failures for the account or too many attempts from the address.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginBody,
    responses((status = 200, body = Token), (status = 401, body = Problem),
        (status = 429, body = Problem, headers(("Retry-After" = i64, description = "Seconds to wait")))))]
async fn login(
    State(app): State<AppState>,
    ClientAddr(address): ClientAddr,
    ApiJson(body): ApiJson<LoginBody>,
) -> ApiResult<Response> {
    let address = address.map(|a| a.to_string());
    match authenticate(&app, &body.email, body.password, address.as_deref()).await? {
        Ok(token) => Ok(not_stored(Json(Token { token }))),
        Err(refusal) => Ok(too_many(refusal)),
    }
}

/// Checks an e-mail and password (throttled per account and per client address)
/// and issues a token: the JSON log-in and the browser sign-in page. `Ok(Err(_))`
/// is a throttled attempt (429 with `Retry-After`).
pub(crate) async fn authenticate(
    app: &AppState,
    email: &str,
    password: String,
    address: Option<&str>,
) -> ApiResult<Result<String, Refusal>> {
    let id = user_id(email);
    let account = id.to_string();
    let now = app.bus.services().now();
    // Counted whether or not the account exists: a 429 tells nothing about it.
    if let Err(refusal) = app.logins.admit(&account, address, now).await? {
        return Ok(Err(refusal));
    }
    let found = app
        .bus
        .inspect(&User::stream(&account), |u| {
            u.exists()
                .then(|| (u.password_hash().to_string(), u.session_epoch()))
        })
        .await?;
    // An erased account cannot sign in: the same answer as a wrong password.
    let found = match found {
        Some(f) if !app.personal.is_erased(id).await? => Some(f),
        _ => None,
    };
    let epoch = match found {
        Some((hash, epoch)) => {
            tokio::task::spawn_blocking(move || verify_password(&password, &hash))
                .await
                .unwrap_or(false)
                .then_some(epoch)
        }
        None => None,
    };
    let Some(epoch) = epoch else {
        return Err(UserError::InvalidCredentials.into());
    };
    app.logins.succeeded(&account).await?;
    Ok(Ok(app.tokens.issue(id, epoch, now)))
}

pub(crate) fn too_many(refusal: Refusal) -> Response {
    ApiError::from(Throttled::login(refusal)).into_response()
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub is_admin: bool,
}

/// The signed-in user.
#[utoipa::path(get, path = "/api/v1/auth/me", tag = "auth",
    responses((status = 200, body = Me), (status = 401, body = Problem)))]
async fn me(AuthUser(caller): AuthUser) -> Json<Me> {
    Json(Me {
        id: caller.id,
        email: caller.email,
        name: caller.name,
        is_admin: caller.is_admin,
    })
}
