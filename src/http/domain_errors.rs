//! How refusals and flow failures map to HTTP, in one place: the code and text
//! come from below (`crate::refusal`), the status from the kind of refusal.

use axum::http::StatusCode;

use crate::http::error::ApiError;
use crate::refusal::{Failure, Kind};

/// The status of each kind of refusal.
fn status(kind: Kind) -> StatusCode {
    match kind {
        Kind::Invalid => StatusCode::BAD_REQUEST,
        Kind::NotFound => StatusCode::NOT_FOUND,
        Kind::Forbidden => StatusCode::FORBIDDEN,
        Kind::Conflict => StatusCode::CONFLICT,
        Kind::Refused => StatusCode::UNPROCESSABLE_ENTITY,
        Kind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        Kind::Upstream => StatusCode::BAD_GATEWAY,
        Kind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        Kind::Unauthenticated => StatusCode::UNAUTHORIZED,
        Kind::Gone => StatusCode::GONE,
        Kind::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        Kind::TooMany => StatusCode::TOO_MANY_REQUESTS,
    }
}

/// Every refusal, command outcome and flow error answers as problem+json: 500s
/// are logged with their cause and shown generically; an outside service's failure
/// is logged and shown without its details.
impl<E: Failure> From<E> for ApiError {
    fn from(e: E) -> Self {
        let kind = e.kind();
        match kind {
            Kind::Internal => ApiError::internal(e),
            Kind::Upstream | Kind::Unavailable => {
                tracing::warn!(code = e.code(), error = %e, "an outside service failed");
                with_retry(ApiError::new(status(kind), e.code(), e.detail()), &e)
            }
            _ => with_retry(ApiError::new(status(kind), e.code(), e.detail()), &e),
        }
    }
}

fn with_retry(problem: ApiError, e: &impl Failure) -> ApiError {
    match e.retry_after() {
        Some(seconds) => problem.retry_after(seconds),
        None => problem,
    }
}
