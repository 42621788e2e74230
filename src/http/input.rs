//! Strict reading of request bodies: the OpenAPI schema of a body is also its
//! contract. A body is parsed once into JSON, checked against its documented
//! schema (string `maxLength`, `format: email`, no NUL anywhere), then
//! deserialized so that every field the type does not know is reported, not
//! silently dropped (a dropped `voucher_type` once made a 100 %-off comp voucher).

use std::collections::BTreeSet;

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::http::error::{ApiError, FieldProblem};
use crate::http::request_error::RequestError;

/// PostgreSQL text cannot hold NUL, and no field has a use for it.
const NUL: char = '\0';

const NOT_EMAIL: &str = "must be an e-mail address.";

/// Parses `bytes` as a `T`, checked against `schema` (a JSON Schema whose `$ref`s
/// point into `components`). 400 when the bytes are not JSON; 422 naming every
/// offending field otherwise.
pub fn parse<T: DeserializeOwned>(
    bytes: &[u8],
    schema: Option<&Value>,
    components: &Value,
) -> Result<T, ApiError> {
    let value: Value = serde_json::from_slice(bytes)
        .map_err(|e| RequestError::MalformedJson(format!("The body is not valid JSON: {e}.")))?;
    let mut problems = vec![];
    let mut path = String::new();
    check(&value, schema, components, &mut path, &mut problems);
    // A field reached through several alternatives of its schema is reported once.
    let mut seen = BTreeSet::new();
    problems.retain(|p| seen.insert((p.field.clone(), p.detail.clone())));
    if !problems.is_empty() {
        return Err(invalid(problems));
    }
    from_value(value)
}

/// Deserializes `value` into `T`, refusing every field `T` ignores (nested ones
/// too), and naming the field a type error is about.
pub fn from_value<T: DeserializeOwned>(value: Value) -> Result<T, ApiError> {
    let mut unknown = vec![];
    let mut track = serde_path_to_error::Track::new();
    let result = {
        let de = serde_path_to_error::Deserializer::new(value, &mut track);
        serde_ignored::deserialize(de, |path| unknown.push(path.to_string()))
    };
    if !unknown.is_empty() {
        let problems: Vec<FieldProblem> = unknown
            .into_iter()
            .map(|field| FieldProblem {
                detail: format!("Unknown field '{field}'."),
                field,
            })
            .collect();
        let unknown = problems.iter().map(|p| p.field.clone()).collect();
        return Err(RequestError::UnknownFields { unknown, problems }.into());
    }
    result.map_err(|e| {
        let field = track.path().to_string();
        let detail = e.to_string();
        RequestError::InvalidField { field, detail }.into()
    })
}

fn invalid(problems: Vec<FieldProblem>) -> ApiError {
    const UNKNOWN: &str = "unknown field.";
    let unknown: Vec<String> = problems
        .iter()
        .filter(|p| p.detail == UNKNOWN)
        .map(|p| p.field.clone())
        .collect();
    if !unknown.is_empty() {
        return RequestError::UnknownFields { unknown, problems }.into();
    }
    if problems.iter().all(|p| p.detail == NOT_EMAIL) {
        RequestError::InvalidEmails(problems).into()
    } else {
        RequestError::InvalidFields(problems).into()
    }
}

fn push(path: &mut String, segment: &str) -> usize {
    let len = path.len();
    if !path.is_empty() && !segment.starts_with('[') {
        path.push('.');
    }
    path.push_str(segment);
    len
}

/// The schema `s` with its `$ref` resolved (one level is all utoipa emits).
fn resolve<'a>(s: &'a Value, components: &'a Value) -> &'a Value {
    match s.get("$ref").and_then(Value::as_str) {
        Some(r) => r
            .strip_prefix("#/components/schemas/")
            .and_then(|name| components.get(name))
            .unwrap_or(s),
        None => s,
    }
}

/// Walks `value` beside its schema: keys the schema does not know, NUL in any
/// string or key, strings over `maxLength` characters, and `format: email` that is
/// not an address.
fn check(
    value: &Value,
    schema: Option<&Value>,
    components: &Value,
    path: &mut String,
    out: &mut Vec<FieldProblem>,
) {
    let schema = schema.map(|s| resolve(s, components));
    if let (Value::Object(fields), Some(s)) = (value, schema) {
        let mut known = BTreeSet::new();
        if known_keys(s, components, &mut known) {
            for key in fields.keys().filter(|k| !known.contains(k.as_str())) {
                let len = push(path, key);
                out.push(FieldProblem {
                    field: path.clone(),
                    detail: "unknown field.".into(),
                });
                path.truncate(len);
            }
        }
    }
    alternatives(value, schema, components, path, out);
    check_one(value, schema, components, path, out);
}

/// The checks of each alternative the value can be (`Option<T>` is `oneOf [null,
/// T]`; flattened structs are `allOf`; enums with data are `oneOf`).
fn alternatives(
    value: &Value,
    schema: Option<&Value>,
    components: &Value,
    path: &mut String,
    out: &mut Vec<FieldProblem>,
) {
    for key in ["oneOf", "anyOf", "allOf"] {
        let Some(alts) = schema.and_then(|s| s.get(key)).and_then(Value::as_array) else {
            continue;
        };
        for alt in alts {
            let alt = resolve(alt, components);
            let fits = match (value, alt.get("type").and_then(Value::as_str)) {
                (Value::Null, _) => false,
                (Value::Object(_), Some("object")) => true,
                (Value::String(_), Some("string")) => true,
                (Value::Array(_), Some("array")) => true,
                (_, None) => true,
                _ => false,
            };
            if fits {
                alternatives(value, Some(alt), components, path, out);
                check_one(value, Some(alt), components, path, out);
            }
        }
    }
}

/// Adds the property names an object of `schema` may have; false when any name
/// is allowed (a map, or a schema that does not say).
fn known_keys<'a>(schema: &'a Value, components: &'a Value, out: &mut BTreeSet<&'a str>) -> bool {
    let schema = resolve(schema, components);
    if schema
        .get("additionalProperties")
        .is_some_and(|a| a != &Value::Bool(false))
    {
        return false;
    }
    let mut said = false;
    if let Some(props) = schema.get("properties").and_then(Value::as_object) {
        out.extend(props.keys().map(String::as_str));
        said = true;
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        for alt in schema
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let alt = resolve(alt, components);
            match alt.get("type").and_then(Value::as_str) {
                Some("object") | None => {
                    if !known_keys(alt, components, out) {
                        return false;
                    }
                    said = true;
                }
                // A string, number or null alternative has no keys.
                Some(_) => {}
            }
        }
    }
    said
}

fn check_one(
    value: &Value,
    schema: Option<&Value>,
    components: &Value,
    path: &mut String,
    out: &mut Vec<FieldProblem>,
) {
    match value {
        Value::String(s) => {
            let field = path.clone();
            if s.contains(NUL) {
                out.push(FieldProblem {
                    field,
                    detail: "must not contain a NUL character.".into(),
                });
                return;
            }
            let Some(schema) = schema else { return };
            let max = schema.get("maxLength").and_then(Value::as_u64);
            if let Some(max) = max
                && s.chars().count() as u64 > max
            {
                out.push(FieldProblem {
                    field,
                    detail: format!("must be at most {max} characters."),
                });
            } else if schema.get("format").and_then(Value::as_str) == Some("email")
                && !s.is_empty()
                && !is_email(s)
            {
                out.push(FieldProblem {
                    field,
                    detail: NOT_EMAIL.into(),
                });
            }
        }
        Value::Array(items) => {
            let item_schema = schema.and_then(|s| s.get("items"));
            for (i, item) in items.iter().enumerate() {
                let len = push(path, &format!("[{i}]"));
                check(item, item_schema, components, path, out);
                path.truncate(len);
            }
        }
        Value::Object(fields) => {
            for (key, item) in fields {
                let len = push(path, key);
                if key.contains(NUL) {
                    out.push(FieldProblem {
                        field: path.clone(),
                        detail: "field names must not contain a NUL character.".into(),
                    });
                }
                let prop = schema
                    .and_then(|s| s.get("properties"))
                    .and_then(|p| p.get(key))
                    .or_else(|| schema.and_then(|s| s.get("additionalProperties")));
                check(item, prop, components, path, out);
                path.truncate(len);
            }
        }
        _ => {}
    }
}

/// A syntactically valid address (RFC 5322 addr-spec, as `email_address` reads it)
/// with a dot in its domain, as ORDER-25 asks of billing e-mails.
pub fn is_email(s: &str) -> bool {
    s.trim() == s
        && email_address::EmailAddress::parse_with_options(s, email_address::Options::default())
            .is_ok_and(|a| a.domain().contains('.'))
}

/// The schema of an amount field (`tessera_aggregates::money`): use as
/// `#[schema(value_type = MoneyString)]` on a `Decimal` read with
/// `deserialize_with = "tessera_aggregates::money::decimal"`.
pub struct MoneyString;

impl utoipa::PartialSchema for MoneyString {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .pattern(Some(r"^-?[0-9]{1,13}(\.[0-9]{1,2})?$"))
            .max_length(Some(17))
            .description(Some(
                "An amount: a plain decimal with at most two places, at most \
                 1000000000.00 in absolute value (a JSON number is also read).",
            ))
            .examples([serde_json::json!("100.00")])
            .into()
    }
}

impl utoipa::ToSchema for MoneyString {
    fn name() -> std::borrow::Cow<'static, str> {
        "Money".into()
    }
}

/// `#[serde(default, deserialize_with = "…::nullable_money")]`: an amount that may
/// be absent (keep), null (clear) or an amount, read as strictly as `Money`.
pub fn nullable_money<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<Option<rust_decimal::Decimal>>, D::Error> {
    use serde::Deserialize;
    Option::<tessera_aggregates::money::Money>::deserialize(d).map(|m| Some(m.map(Into::into)))
}

/// A product, group or code slug in a list.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(transparent)]
pub struct SlugString(pub String);

impl utoipa::PartialSchema for SlugString {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .max_length(Some(100))
            .into()
    }
}

impl utoipa::ToSchema for SlugString {
    fn name() -> std::borrow::Cow<'static, str> {
        "Slug".into()
    }
}
