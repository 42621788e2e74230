//! Who is asking: the bearer token resolved to a caller once per request (shared by
//! the extractors and the access guard).

use axum::http::header;
use axum::http::request::Parts;

use crate::app::{AppState, Caller};
use crate::http::error::ApiError;

/// The caller, resolved once per request and kept in the request extensions.
pub(crate) async fn caller_of(
    parts: &mut Parts,
    state: &AppState,
) -> Result<Option<Caller>, ApiError> {
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
