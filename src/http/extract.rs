//! Extractors: JSON bodies with problem+json rejections, the caller, command
//! metadata, and read-your-writes waits.

use axum::body::Bytes;
use axum::extract::path::ErrorKind;
use axum::extract::rejection::PathRejection;
use axum::extract::{FromRequest, FromRequestParts, MatchedPath, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use serde::de::DeserializeOwned;

use crate::app::{AppState, Caller};
use crate::http::caller::caller_of;
use crate::http::error::ApiError;
use crate::http::request_error::RequestError;
use crate::http::{input, schema};
pub use crate::meta::CommandMeta;

/// A JSON body, read strictly (see `input`): it must be `application/json` (415),
/// within the body limit (413) and JSON (400); it is checked against the request
/// schema the OpenAPI document gives its route, and every unknown or invalid
/// field is refused with 422 naming it.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        if !is_json(req.headers()) {
            return Err(RequestError::NotJson.into());
        }
        let schema = req
            .extensions()
            .get::<MatchedPath>()
            .and_then(|p| schema::request_body(req.method(), p.as_str()));
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|r| body_rejection(r.status(), r.body_text()))?;
        input::parse(&bytes, schema, schema::components()).map(Self)
    }
}

fn is_json(headers: &axum::http::HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let mime = value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"))
}

fn body_rejection(status: StatusCode, text: String) -> ApiError {
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        RequestError::TooLarge(crate::http::edge::MAX_BODY).into()
    } else {
        RequestError::UnreadableBody(text).into()
    }
}

/// `axum::extract::Path` whose refusals are problem+json: a value that does not
/// parse (a malformed id) names no resource, so 404 naming the parameter.
pub struct Path<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for Path<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(Self(v)),
            Err(PathRejection::FailedToDeserializePathParams(e)) => {
                let field = match e.kind() {
                    ErrorKind::ParseErrorAtKey { key, .. }
                    | ErrorKind::InvalidUtf8InPathParam { key }
                    | ErrorKind::DeserializeError { key, .. } => key.clone(),
                    _ => String::new(),
                };
                let detail = e.body_text();
                if e.status().is_server_error() {
                    return Err(ApiError::internal(detail));
                }
                Err(RequestError::InvalidPath {
                    field: Some(field),
                    detail,
                }
                .into())
            }
            Err(other) => Err(ApiError::internal(other.body_text())),
        }
    }
}

/// `axum::extract::Query` whose refusals are 400 problem+json.
pub struct Query<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Query(v)| Self(v))
            .map_err(|r| RequestError::InvalidQuery(r.body_text()).into())
    }
}

/// A signed-in caller (401 otherwise).
pub struct AuthUser(pub Caller);

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        caller_of(parts, state)
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
        Ok(Self(caller_of(parts, state).await?))
    }
}

/// A JSON body that may be absent: no body (or only whitespace) gives the default.
/// Otherwise read as strictly as `ApiJson`, against `T`'s own schema.
pub fn optional_json<T: DeserializeOwned + Default + utoipa::ToSchema>(
    body: &[u8],
) -> Result<T, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    let components = schema::components();
    input::parse(body, components.get(T::name().as_ref()), components)
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
        let actor = caller_of(parts, state).await?.map(|c| c.id);
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
                    .ok_or(RequestError::InvalidAfterHeader)?,
            ),
        };
        state.wait_for(position).await;
        Ok(Self(position))
    }
}
