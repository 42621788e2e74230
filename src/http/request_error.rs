//! Refusals of a request as such, before any domain rule sees it: its headers, the
//! form of its body, its path and query values, its paging and its
//! `Idempotency-Key`. Each has a stable code and status here; what a domain refuses
//! comes from that domain's own error enum (`crate::refusal`).

use axum::http::StatusCode;

use crate::http::error::{ApiError, FieldProblem};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestError {
    /// All headers together hold more than the edge accepts.
    HeadersTooLarge(usize),
    /// `%00` in the path or query (PostgreSQL text cannot hold it).
    NulCharacter,
    /// A path value that does not parse (a malformed id) names no resource.
    InvalidPath {
        field: Option<String>,
        detail: String,
    },
    InvalidQuery(String),
    /// `X-Tessera-After` that is not a log position.
    InvalidAfterHeader,
    /// A body without `Content-Type: application/json`.
    NotJson,
    /// A body over the limit, in bytes.
    TooLarge(usize),
    /// A body that could not be read at all.
    UnreadableBody(String),
    /// A body that is not JSON.
    MalformedJson(String),
    /// Fields the body's schema does not have, with every problem of the body.
    UnknownFields {
        unknown: Vec<String>,
        problems: Vec<FieldProblem>,
    },
    /// Fields that the body's other values make meaningless (a condition's
    /// fields of another kind).
    FieldsNotApplicable(Vec<String>),
    /// A field whose value does not fit its type.
    InvalidField {
        field: String,
        detail: String,
    },
    /// Fields refused by the body's schema (formats, lengths, ranges).
    InvalidFields(Vec<FieldProblem>),
    /// Fields refused as e-mail addresses.
    InvalidEmails(Vec<FieldProblem>),
    /// A multipart form that does not have the expected parts.
    InvalidForm(String),
    /// A page's `limit` or `cursor` that this list does not accept.
    InvalidPaging {
        field: Option<String>,
        detail: String,
    },
    /// A status filter naming no status.
    UnknownStatus,
    /// An `Idempotency-Key` that is empty, too long or not visible ASCII.
    InvalidIdempotencyKey,
    /// The same key sent earlier with a different request.
    IdempotencyKeyReused,
    /// The same key's first request has not answered yet.
    IdempotencyInFlight,
    /// The history's `limit` outside 1…max.
    InvalidHistoryLimit(i64),
    InvalidHistoryCursor,
    /// Not exactly one of `as_of` and `position`.
    InvalidHistoryAsOf,
    /// Refused by the router or an extractor we do not wrap, known only by its
    /// status (405, 406, 411…), with the text it gave.
    ByStatus(StatusCode, String),
}

impl RequestError {
    pub fn status(&self) -> StatusCode {
        match self {
            Self::HeadersTooLarge(_) => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            Self::InvalidPath { .. } => StatusCode::NOT_FOUND,
            Self::NotJson => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnknownFields { .. }
            | Self::FieldsNotApplicable(_)
            | Self::InvalidField { .. }
            | Self::InvalidFields(_)
            | Self::InvalidEmails(_)
            | Self::InvalidForm(_)
            | Self::IdempotencyKeyReused
            | Self::InvalidHistoryLimit(_)
            | Self::InvalidHistoryCursor
            | Self::InvalidHistoryAsOf => StatusCode::UNPROCESSABLE_ENTITY,
            Self::IdempotencyInFlight => StatusCode::CONFLICT,
            Self::ByStatus(status, _) => *status,
            Self::NulCharacter
            | Self::InvalidQuery(_)
            | Self::InvalidAfterHeader
            | Self::UnreadableBody(_)
            | Self::MalformedJson(_)
            | Self::InvalidPaging { .. }
            | Self::UnknownStatus
            | Self::InvalidIdempotencyKey => StatusCode::BAD_REQUEST,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            Self::HeadersTooLarge(_) => "request.headers_too_large",
            Self::NulCharacter => "request.nul_character",
            Self::InvalidPath { .. } => "request.invalid_path",
            Self::InvalidQuery(_) => "request.invalid_query",
            Self::InvalidAfterHeader => "request.invalid_header",
            Self::NotJson => "request.unsupported_media_type",
            Self::TooLarge(_) => "request.too_large",
            Self::UnreadableBody(_) => "request.unreadable_body",
            Self::MalformedJson(_) => "request.malformed_json",
            Self::UnknownFields { .. } | Self::FieldsNotApplicable(_) => "request.unknown_field",
            Self::InvalidField { .. } => "request.invalid_body",
            Self::InvalidFields(_) => "request.invalid_field",
            Self::InvalidEmails(_) => "request.invalid_email",
            Self::InvalidForm(_) => "request.invalid_form",
            Self::InvalidPaging { .. } => "list.invalid_paging",
            Self::UnknownStatus => "list.invalid_status",
            Self::InvalidIdempotencyKey => "idempotency.invalid_key",
            Self::IdempotencyKeyReused => "idempotency.key_reused",
            Self::IdempotencyInFlight => "idempotency.in_flight",
            Self::InvalidHistoryLimit(_) => "history.invalid_limit",
            Self::InvalidHistoryCursor => "history.invalid_cursor",
            Self::InvalidHistoryAsOf => "history.invalid_as_of",
            Self::ByStatus(status, _) => code_for(*status),
        }
    }

    pub fn detail(&self) -> String {
        match self {
            Self::HeadersTooLarge(max) => format!("The request headers exceed {max} bytes."),
            Self::NulCharacter => {
                "The path and query must not contain a NUL character.".to_string()
            }
            Self::InvalidPath { detail, .. }
            | Self::InvalidQuery(detail)
            | Self::UnreadableBody(detail)
            | Self::MalformedJson(detail)
            | Self::InvalidForm(detail)
            | Self::InvalidPaging { detail, .. } => detail.clone(),
            Self::InvalidAfterHeader => {
                "X-Tessera-After must be a log position (an integer).".to_string()
            }
            Self::NotJson => "Expected a body with `Content-Type: application/json`.".to_string(),
            Self::TooLarge(max) => format!("The request body exceeds {max} bytes."),
            Self::UnknownFields { unknown, .. } => {
                format!("Unknown field(s): {}.", unknown.join(", "))
            }
            Self::FieldsNotApplicable(fields) => format!(
                "Field(s) {} do not apply to a condition of this kind.",
                fields.join(", ")
            ),
            Self::InvalidField { field, detail } => format!("{field}: {detail}"),
            Self::InvalidFields(problems) | Self::InvalidEmails(problems) => problems
                .iter()
                .map(|p| format!("{} {}", p.field, p.detail))
                .collect::<Vec<_>>()
                .join(" "),
            Self::UnknownStatus => "Unknown status.".to_string(),
            Self::InvalidIdempotencyKey => {
                "Idempotency-Key must be 1 to 255 visible ASCII characters.".to_string()
            }
            Self::IdempotencyKeyReused => {
                "This Idempotency-Key was already used with a different request.".to_string()
            }
            Self::IdempotencyInFlight => {
                "A request with this Idempotency-Key is still being processed.".to_string()
            }
            Self::InvalidHistoryLimit(max) => format!("limit must be between 1 and {max}."),
            Self::InvalidHistoryCursor => "after must be a position (0 or more).".to_string(),
            Self::InvalidHistoryAsOf => {
                "Give exactly one of as_of (RFC 3339) and position (0 or more).".to_string()
            }
            Self::ByStatus(status, text) if text.is_empty() => {
                status.canonical_reason().unwrap_or("Refused.").to_string()
            }
            Self::ByStatus(_, text) => text.clone(),
        }
    }

    /// The fields the refusal names.
    fn errors(self) -> Vec<FieldProblem> {
        match self {
            Self::UnknownFields { problems, .. }
            | Self::InvalidFields(problems)
            | Self::InvalidEmails(problems) => problems,
            Self::InvalidField { field, detail } => vec![FieldProblem { field, detail }],
            Self::InvalidPath {
                field: Some(field),
                detail,
            }
            | Self::InvalidPaging {
                field: Some(field),
                detail,
            } => vec![FieldProblem { field, detail }],
            Self::FieldsNotApplicable(fields) => fields
                .into_iter()
                .map(|field| FieldProblem {
                    field,
                    detail: "does not apply to this kind of condition.".into(),
                })
                .collect(),
            _ => vec![],
        }
    }
}

/// The stable code of a refusal known only by its status.
pub fn code_for(status: StatusCode) -> &'static str {
    match status {
        StatusCode::BAD_REQUEST => "request.bad_request",
        StatusCode::UNAUTHORIZED => "auth.unauthenticated",
        StatusCode::FORBIDDEN => "auth.forbidden",
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "request.method_not_allowed",
        StatusCode::NOT_ACCEPTABLE => "request.not_acceptable",
        StatusCode::LENGTH_REQUIRED => "request.length_required",
        StatusCode::PAYLOAD_TOO_LARGE => "request.too_large",
        StatusCode::URI_TOO_LONG => "request.uri_too_long",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "request.unsupported_media_type",
        StatusCode::UNPROCESSABLE_ENTITY => "request.invalid_body",
        StatusCode::TOO_MANY_REQUESTS => "request.too_many",
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE => "request.headers_too_large",
        _ => "request.refused",
    }
}

impl From<RequestError> for ApiError {
    fn from(e: RequestError) -> Self {
        let (status, code, detail) = (e.status(), e.code(), e.detail());
        ApiError::new(status, code, detail).with_errors(e.errors())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_names_its_fields_and_keeps_its_status() {
        let e = ApiError::from(RequestError::InvalidField {
            field: "lines[0].quantity".into(),
            detail: "invalid type".into(),
        });
        assert_eq!(e.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(e.code, "request.invalid_body");
        assert_eq!(e.detail, "lines[0].quantity: invalid type");
        assert_eq!(e.errors.len(), 1);
        let e = ApiError::from(RequestError::ByStatus(
            StatusCode::METHOD_NOT_ALLOWED,
            String::new(),
        ));
        assert_eq!(e.code, "request.method_not_allowed");
        assert_eq!(e.detail, "Method Not Allowed");
    }
}
