//! Sign-up, log-in and "who am I". Accounts are global across years (MY-9).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use tessera_aggregates::user::{User, UserCommand};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::app::{AppState, user_id};
use crate::http::access::{Access, Group};
use crate::http::error::{ApiError, ApiResult, Problem};
use crate::http::extract::{ApiJson, AuthUser, CommandMeta};
use crate::identity::{MIN_PASSWORD_LEN, hash_password, verify_password};

pub fn groups() -> Vec<Group> {
    vec![
        (
            Access::Public,
            OpenApiRouter::new()
                .routes(routes!(signup))
                .routes(routes!(login)),
        ),
        (
            Access::Authenticated,
            OpenApiRouter::new().routes(routes!(me)),
        ),
    ]
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
) -> ApiResult<(StatusCode, Json<SignedUp>)> {
    let id = register(&app, &body.email, &body.password, &body.name, &meta).await?;
    let token = app.tokens.issue(id.0, app.bus.services().now());
    Ok((
        StatusCode::CREATED,
        Json(SignedUp {
            id: id.0,
            email: body.email.trim().to_lowercase(),
            token,
            position: id.1,
        }),
    ))
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
        return Err(ApiError::unprocessable(
            "auth.weak_password",
            format!("The password must have at least {MIN_PASSWORD_LEN} characters."),
        ));
    }
    let password = password.to_string();
    let hash = tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)?;
    let id = user_id(email);
    let sent = app
        .bus
        .send::<User>(
            &id.to_string(),
            UserCommand::Register {
                email: email.to_string(),
                name: name.to_string(),
                password_hash: hash,
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

/// Exchanges email and password for a bearer token.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginBody,
    responses((status = 200, body = Token), (status = 401, body = Problem)))]
async fn login(
    State(app): State<AppState>,
    ApiJson(body): ApiJson<LoginBody>,
) -> ApiResult<Json<Token>> {
    let id = user_id(&body.email);
    let hash = app
        .bus
        .inspect::<User, _>(&id.to_string(), |u| {
            u.exists().then(|| u.password_hash().to_string())
        })
        .await?;
    let password = body.password;
    let ok = match hash {
        Some(hash) => tokio::task::spawn_blocking(move || verify_password(&password, &hash))
            .await
            .unwrap_or(false),
        None => false,
    };
    if !ok {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "auth.invalid_credentials",
            "Invalid email or password.",
        ));
    }
    Ok(Json(Token {
        token: app.tokens.issue(id, app.bus.services().now()),
    }))
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
