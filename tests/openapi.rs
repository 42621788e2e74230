//! The OpenAPI document is complete: every request body has a full schema (it is
//! also what the edge enforces), and every operation lists the refusals it can
//! answer, as problem+json.

use std::collections::BTreeSet;

use serde_json::Value;
use tessera::http::access::Access;

fn resolve<'a>(doc: &'a Value, s: &'a Value) -> &'a Value {
    match s.get("$ref").and_then(Value::as_str) {
        Some(r) => doc
            .pointer(&r.replacen('#', "", 1))
            .unwrap_or_else(|| panic!("dangling $ref {r}")),
        None => s,
    }
}

fn operations(doc: &Value) -> Vec<(String, String, &Value)> {
    let mut out = vec![];
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for (method, op) in item.as_object().into_iter().flatten() {
            out.push((method.clone(), path.clone(), op));
        }
    }
    out
}

/// Every schema reachable from `s` says what it holds: no bare object, every
/// property typed, every string bounded (or an enum, a format or a pattern).
fn complete(doc: &Value, s: &Value, at: &str, seen: &mut BTreeSet<String>, bad: &mut Vec<String>) {
    if let Some(r) = s.get("$ref").and_then(Value::as_str) {
        if seen.insert(r.to_string()) {
            complete(doc, resolve(doc, s), r, seen, bad);
        }
        return;
    }
    let combos: Vec<&Value> = ["oneOf", "anyOf", "allOf"]
        .iter()
        .filter_map(|k| s.get(*k).and_then(Value::as_array))
        .flatten()
        .collect();
    let ty = s.get("type");
    let is = |t: &str| match ty {
        Some(Value::String(x)) => x == t,
        Some(Value::Array(xs)) => xs.iter().any(|x| x == t),
        _ => false,
    };
    if ty.is_none() && combos.is_empty() {
        bad.push(format!("{at}: no type"));
    }
    if is("object")
        && s.get("properties").is_none()
        && s.get("additionalProperties").is_none()
        && combos.is_empty()
    {
        bad.push(format!("{at}: a bare object"));
    }
    if is("string")
        && ["maxLength", "enum", "format", "pattern"]
            .iter()
            .all(|k| s.get(*k).is_none())
    {
        bad.push(format!("{at}: a string without maxLength"));
    }
    for (name, prop) in s["properties"].as_object().into_iter().flatten() {
        complete(doc, prop, &format!("{at}.{name}"), seen, bad);
    }
    if let Some(items) = s.get("items") {
        complete(doc, items, &format!("{at}[]"), seen, bad);
    }
    if let Some(extra) = s.get("additionalProperties").filter(|a| a.is_object()) {
        complete(doc, extra, &format!("{at}{{}}"), seen, bad);
    }
    for alt in combos {
        complete(doc, alt, at, seen, bad);
    }
}

#[test]
fn every_request_body_has_a_complete_schema() {
    let doc = tessera::http::openapi();
    let mut bad = vec![];
    let mut bodies = 0;
    for (method, path, op) in operations(&doc) {
        let Some(body) = op.get("requestBody") else {
            continue;
        };
        // Stripe's webhook body is Stripe's format, read as raw bytes.
        let schema = &body["content"]["application/json"]["schema"];
        if schema.is_null() {
            assert!(
                path.ends_with("/webhooks/stripe"),
                "{method} {path}: no JSON schema"
            );
            continue;
        }
        bodies += 1;
        complete(
            &doc,
            schema,
            &format!("{method} {path}"),
            &mut BTreeSet::new(),
            &mut bad,
        );
    }
    assert!(bodies > 30, "only {bodies} request bodies found");
    assert!(
        bad.is_empty(),
        "incomplete request schemas:\n{}",
        bad.join("\n")
    );
}

#[test]
fn every_operation_lists_its_refusals_as_problem_json() {
    let doc = tessera::http::openapi();
    let access: Vec<(String, String, Access)> = tessera::http::access_table()
        .into_iter()
        .map(|(m, p, a)| (m.as_str().to_ascii_lowercase(), p, a))
        .collect();
    let mut missing = vec![];
    for (method, path, op) in operations(&doc) {
        let responses = &op["responses"];
        let mut need = vec!["400", "500"];
        let rule = access
            .iter()
            .find(|(m, p, _)| *m == method && *p == path)
            .map(|(_, _, a)| *a)
            .unwrap_or_else(|| panic!("{method} {path} has no access rule"));
        if rule != Access::Public {
            need.extend(["401", "403"]);
        }
        if path.contains('{') {
            need.push("404");
        }
        if op.get("requestBody").is_some() {
            need.extend(["413", "415", "422"]);
        }
        if method != "get" {
            need.push("409");
        }
        for status in need {
            if responses.get(status).is_none() {
                missing.push(format!("{method} {path}: {status}"));
            }
        }
        for (status, r) in responses.as_object().into_iter().flatten() {
            if (status.starts_with('4') || status.starts_with('5'))
                && r.pointer("/content/application~1problem+json/schema")
                    .is_none()
            {
                missing.push(format!("{method} {path}: {status} is not problem+json"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "undocumented refusals:\n{}",
        missing.join("\n")
    );
}

/// Every list answers a page: no GET answers a bare JSON array, and every GET
/// answering `{items, next_cursor, total}` takes `limit` and `cursor`.
#[test]
fn every_list_is_paged() {
    let doc = tessera::http::openapi();
    let mut bad = vec![];
    for (method, path, op) in operations(&doc) {
        if method != "get" {
            continue;
        }
        let schema = &op["responses"]["200"]["content"]["application/json"]["schema"];
        if schema.is_null() {
            continue;
        }
        let s = resolve(&doc, schema);
        let params: BTreeSet<&str> = op["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|p| p["name"].as_str())
            .collect();
        let paged = params.contains("limit") && params.contains("cursor");
        // The program's days are the program's shape (one entry per day of
        // the conference), not a list that grows.
        if s["type"] == "array" && !path.ends_with("/program/days") {
            bad.push(format!("{path}: answers a bare array"));
        }
        let props = &s["properties"];
        if props.get("items").is_some() && props.get("next_cursor").is_some() && !paged {
            bad.push(format!("{path}: a page without limit and cursor"));
        }
    }
    assert!(bad.is_empty(), "lists not paged:\n{}", bad.join("\n"));
}
