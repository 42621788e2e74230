//! The OpenAPI document as served and as enforced. Handlers document their own
//! success answers and domain refusals; the refusals every route shares follow
//! from its method, path parameters, body and access rule, so they are added here
//! in one place rather than on seventy handlers. Request bodies are checked
//! against the same document (`input`), so what it says is what is enforced.

use std::sync::OnceLock;

use axum::http::Method;
use serde_json::{Map, Value, json};

use crate::http::access::Access;

const PROBLEM: &str = "application/problem+json";

/// The completed document, built once.
pub fn document() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(|| {
        let mut doc = serde_json::to_value(super::generated()).unwrap_or_default();
        complete(&mut doc, &super::access_table());
        doc
    })
}

/// `components.schemas` of the document.
pub fn components() -> &'static Value {
    static NONE: Value = Value::Null;
    document().pointer("/components/schemas").unwrap_or(&NONE)
}

/// The JSON schema of the body of `method path` (the route's template, as
/// `MatchedPath` gives it), if it has one.
pub fn request_body(method: &Method, path: &str) -> Option<&'static Value> {
    document()
        .get("paths")?
        .get(path)?
        .get(method.as_str().to_ascii_lowercase())?
        .pointer("/requestBody/content/application~1json/schema")
}

fn problem(description: &str) -> Value {
    json!({
        "description": description,
        "content": { PROBLEM: { "schema": { "$ref": "#/components/schemas/Problem" } } }
    })
}

/// Adds the shared refusals to every operation and serves every refusal as
/// problem+json.
fn complete(doc: &mut Value, table: &[(Method, String, Access)]) {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for (method, op) in item.iter_mut() {
            let Some(op) = op.as_object_mut() else {
                continue;
            };
            let access = table
                .iter()
                .find(|(m, p, _)| m.as_str().eq_ignore_ascii_case(method) && p == path)
                .map(|(_, _, a)| *a);
            let has_body = op.contains_key("requestBody");
            let responses = op
                .entry("responses")
                .or_insert_with(|| json!({}))
                .as_object_mut();
            let Some(responses) = responses else { continue };
            let mut shared: Vec<(&str, &str)> = vec![(
                "400",
                "A malformed request (a NUL character in the path or query, a bad query).",
            )];
            if access.is_some_and(|a| a != Access::Public) {
                shared.push(("401", "Authentication required, or the token is invalid."));
                shared.push(("403", "The caller may not do this."));
            }
            if path.contains('{') {
                shared.push(("404", "No such resource (or a malformed path value)."));
            }
            if has_body {
                shared.push(("413", "The body exceeds the size limit."));
                shared.push(("415", "The body is not application/json."));
                shared.push((
                    "422",
                    "The body is refused: an unknown or invalid field, or a broken rule.",
                ));
            }
            if method != "get" {
                shared.push((
                    "409",
                    "A conflict: concurrent changes, or an Idempotency-Key in flight.",
                ));
            }
            shared.push(("431", "The request headers are too large."));
            shared.push(("500", "Our failure; it has been logged."));
            for (status, description) in shared {
                responses
                    .entry(status.to_string())
                    .or_insert_with(|| problem(description));
            }
            for (status, response) in responses.iter_mut() {
                if status.starts_with('4') || status.starts_with('5') {
                    as_problem(response);
                }
            }
        }
    }
}

/// A refusal documented with a JSON body: the same schema under problem+json.
fn as_problem(response: &mut Value) {
    let Some(content) = response.get_mut("content").and_then(Value::as_object_mut) else {
        if let Some(r) = response.as_object_mut() {
            let mut content = Map::new();
            content.insert(
                PROBLEM.into(),
                json!({ "schema": { "$ref": "#/components/schemas/Problem" } }),
            );
            r.insert("content".into(), Value::Object(content));
        }
        return;
    };
    if let Some(json) = content.remove("application/json") {
        content.entry(PROBLEM).or_insert(json);
    }
}
