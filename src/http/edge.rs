//! The outermost checks of every request, and the last word on every error
//! response: whatever refused a request (a handler, an extractor, the router's 405,
//! a body limit), the client gets problem+json with a stable `code`.

use axum::body::to_bytes;
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::http::error::ApiError;
use crate::http::request_error::RequestError;

/// The most a request body may hold, with or without an `Idempotency-Key`.
pub const MAX_BODY: usize = 2 * 1024 * 1024;

/// The most the receipt upload may hold: a 10 MiB file (GRANT-31) in base64
/// (4/3 of it) with its fields.
pub const MAX_UPLOAD_BODY: usize = 15 * 1024 * 1024;

/// The body limit of the request to `path`: [`MAX_UPLOAD_BODY`] for the receipt
/// upload, [`MAX_BODY`] for everything else.
pub fn body_limit(path: &str) -> usize {
    if path.starts_with("/api/v1/conferences/") && path.ends_with("/grants/mine/receipts") {
        MAX_UPLOAD_BODY
    } else {
        MAX_BODY
    }
}

/// The most all request headers together may hold (names and values).
pub const MAX_HEADERS: usize = 16 * 1024;

/// Refuses, before routing, what no route could accept: oversized headers (431)
/// and a NUL character (`%00`) in the path or query (PostgreSQL text cannot hold
/// it), then puts every error response of the rest into problem+json.
pub async fn edge(req: Request, next: Next) -> Response {
    let header_bytes: usize = req
        .headers()
        .iter()
        .map(|(k, v)| k.as_str().len() + v.len())
        .sum();
    if header_bytes > MAX_HEADERS {
        return ApiError::from(RequestError::HeadersTooLarge(MAX_HEADERS)).into_response();
    }
    let uri = req.uri().to_string().to_ascii_lowercase();
    if uri.contains("%00") {
        return ApiError::from(RequestError::NulCharacter).into_response();
    }
    problem_json(next.run(req).await).await
}

fn is_problem(response: &Response) -> bool {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/problem+json"))
}

/// An error response that is not problem+json yet (axum's own rejections and
/// 405s): the same status, a stable code, the original text as detail.
async fn problem_json(response: Response) -> Response {
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) || is_problem(&response) {
        return response;
    }
    let (parts, body) = response.into_parts();
    let text = to_bytes(body, 64 * 1024)
        .await
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    let error = match status {
        // An extractor of a path value that does not parse (a malformed id): no
        // such resource.
        StatusCode::BAD_REQUEST if text.starts_with("Invalid URL") => RequestError::InvalidPath {
            field: None,
            detail: text,
        }
        .into(),
        StatusCode::BAD_REQUEST if text.starts_with("Failed to deserialize query") => {
            RequestError::InvalidQuery(text).into()
        }
        s if s.is_server_error() => ApiError::internal(text),
        s => RequestError::ByStatus(s, text).into(),
    };
    let mut out = error.into_response();
    // Keep what the refusal said besides its body (`Allow` on a 405).
    for (name, value) in parts.headers.iter() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            out.headers_mut().insert(name, value.clone());
        }
    }
    *out.status_mut() = status;
    out
}
