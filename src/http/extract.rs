//! Extractors: JSON bodies with problem+json rejections, the caller, command
//! metadata, and read-your-writes waits.

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use serde::de::DeserializeOwned;

use crate::app::{AppState, Caller};
use crate::http::error::ApiError;
pub use crate::meta::CommandMeta;

/// `Json<T>` whose rejections are problem+json (400 malformed, 415 wrong type,
/// 422 wrong shape).
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(Self(v)),
            Err(rejection) => Err(match rejection {
                JsonRejection::JsonDataError(e) => ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "request.invalid_body",
                    e.body_text(),
                ),
                JsonRejection::MissingJsonContentType(e) => ApiError::new(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "request.unsupported_media_type",
                    e.body_text(),
                ),
                other => ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "request.malformed_json",
                    other.body_text(),
                ),
            }),
        }
    }
}

/// The caller, resolved once per request and kept in the request extensions.
async fn resolve(parts: &mut Parts, state: &AppState) -> Result<Option<Caller>, ApiError> {
    if let Some(resolved) = parts.extensions.get::<Option<Caller>>() {
        return Ok(resolved.clone());
    }
    let caller = match parts.headers.get(header::AUTHORIZATION) {
        None => None,
        Some(value) => {
            let token = value
                .to_str()
                .ok()
                .and_then(|v| v.strip_prefix("Bearer "))
                .ok_or_else(ApiError::unauthorized)?;
            Some(state.caller_from_token(token.trim()).await?)
        }
    };
    parts.extensions.insert(caller.clone());
    Ok(caller)
}

/// A signed-in caller (401 otherwise).
pub struct AuthUser(pub Caller);

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        resolve(parts, state)
            .await?
            .map(Self)
            .ok_or_else(ApiError::unauthorized)
    }
}

/// The caller if signed in; a bad token is still refused.
pub struct MaybeUser(pub Option<Caller>);

impl FromRequestParts<AppState> for MaybeUser {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(Self(resolve(parts, state).await?))
    }
}

pub(crate) async fn caller_of(
    parts: &mut Parts,
    state: &AppState,
) -> Result<Option<Caller>, ApiError> {
    resolve(parts, state).await
}

/// A JSON body that may be absent: no body (or only whitespace) gives the default.
pub fn optional_json<T: DeserializeOwned + Default>(body: &[u8]) -> Result<T, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(body)
        .map_err(|e| ApiError::unprocessable("request.invalid_body", e.to_string()))
}

impl FromRequestParts<AppState> for CommandMeta {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let header = |name: &str| {
            parts
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let request_id = header("x-request-id");
        let idempotency_key = header("idempotency-key");
        let actor = resolve(parts, state).await?.map(|c| c.id);
        Ok(Self {
            actor,
            request_id,
            idempotency_key,
        })
    }
}

/// `X-Tessera-After: <position>`: wait until the read models include that log
/// position (the `position` a command answered) before reading.
pub struct After(pub Option<i64>);

pub const AFTER_HEADER: &str = "x-tessera-after";

impl FromRequestParts<AppState> for After {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let position = match parts.headers.get(AFTER_HEADER) {
            None => None,
            Some(v) => Some(
                v.to_str()
                    .ok()
                    .and_then(|s| s.trim().parse::<i64>().ok())
                    .ok_or_else(|| {
                        ApiError::bad_request(
                            "request.invalid_header",
                            "X-Tessera-After must be a log position (an integer).",
                        )
                    })?,
            ),
        };
        state.wait_for(position).await;
        Ok(Self(position))
    }
}
