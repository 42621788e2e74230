//! Which projection rows lists page, and which of their fields: on PostgreSQL the
//! row writer (`storage::Tx::write_rows`) copies those fields of each such row
//! into the `jsonb` column `docb`, which the list indexes and queries read
//! (`listing`, migration `*_listed_fields_written.sql`).

use std::fmt;

use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, Visitor};
use tessera_projections::Projection;
use tessera_projections::attendees::Attendees;
use tessera_projections::credits::Credits;
use tessera_projections::orders::Orders;
use tessera_projections::purchase_orders::PurchaseOrders;

/// The read models that lists page, with the key prefixes of the rows they page:
/// on PostgreSQL exactly these rows carry their listed fields in `docb`, so a
/// list of any other rows is refused rather than silently finding nothing.
pub const LISTED_ROWS: [(&str, &[&str]); 4] = [
    (Orders::NAME, &["order:", "product:"]),
    (Attendees::NAME, &["attendee:", "product:"]),
    (PurchaseOrders::NAME, &["po:"]),
    (Credits::NAME, &["credit:"]),
];

/// Whether a list may page the rows of `view` under `prefix` (see [`LISTED_ROWS`]).
pub fn listed(view: &str, prefix: &str) -> bool {
    LISTED_ROWS
        .iter()
        .any(|(v, prefixes)| *v == view && prefixes.iter().any(|p| prefix.starts_with(p)))
}

/// The top-level fields of a listed row that lists scope, filter and sort on: on
/// PostgreSQL the writer copies exactly these into `docb` ([`listed_fields`]), so a
/// list on any other field is refused rather than silently finding nothing.
pub const LISTED_FIELDS: [&str; 12] = [
    "conference_id",
    "product_scope",
    "user",
    "status",
    "reference",
    "voucher_code",
    "placed_at",
    "checked_in",
    "registered_at",
    "created_at",
    "issued_at",
    "id",
];

/// The `docb` of a row written to PostgreSQL: the [`LISTED_FIELDS`] of its
/// document as a JSON object, for the rows lists page ([`LISTED_ROWS`]); None for
/// every other row. The list indexes then read a few short values rather than
/// each parsing an order's 2 kB document (before, PostgreSQL parsed and stored a
/// whole second copy of it for every order written).
pub fn listed_fields(view: &str, key: &str, doc: &str) -> Option<String> {
    if !listed(view, key) {
        return None;
    }
    let ListedValues(values) = serde_json::from_str(doc).ok()?;
    let fields: serde_json::Map<String, serde_json::Value> = values
        .into_iter()
        .map(|(field, value)| (field.to_string(), value))
        .collect();
    Some(serde_json::Value::Object(fields).to_string())
}

/// The listed fields of a document, read without building the rest of it; a
/// field that is null is left out (`docb ->> field` is NULL either way).
struct ListedValues(Vec<(&'static str, serde_json::Value)>);

/// A key of the document: the listed field it names, if any.
struct ListedName(Option<&'static str>);

impl<'de> Deserialize<'de> for ListedName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Name;
        impl Visitor<'_> for Name {
            type Value = ListedName;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a field name")
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<ListedName, E> {
                Ok(ListedName(LISTED_FIELDS.iter().find(|f| **f == s).copied()))
            }
        }
        d.deserialize_identifier(Name)
    }
}

impl<'de> Deserialize<'de> for ListedValues {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Object;
        impl<'de> Visitor<'de> for Object {
            type Value = ListedValues;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<ListedValues, A::Error> {
                let mut kept = Vec::new();
                while let Some(ListedName(name)) = m.next_key()? {
                    match name {
                        Some(field) => {
                            let value: serde_json::Value = m.next_value()?;
                            if !value.is_null() {
                                kept.push((field, value));
                            }
                        }
                        None => {
                            m.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                Ok(ListedValues(kept))
            }
        }
        d.deserialize_map(Object)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_listed_row_carries_its_listed_fields_and_nothing_else() {
        let doc = r#"{"reference":"TST-1","lines":[{"status":"x","user":"y"}],
            "status":"paid","user":null,"checked_in":false,"total":"10.00",
            "conference_id":"c1","placed_at":"2026-01-02T03:04:05Z","id":7}"#;
        let fields = listed_fields("orders", "order:c1:TST-1", doc).unwrap();
        let parsed: serde_json::Value = serde_json::from_str(&fields).unwrap();
        assert_eq!(
            parsed,
            serde_json::json!({
                "reference": "TST-1", "status": "paid", "checked_in": false,
                "conference_id": "c1", "placed_at": "2026-01-02T03:04:05Z", "id": 7
            })
        );
        // The rows of every listed prefix, and no other row.
        for (view, prefixes) in LISTED_ROWS {
            for p in prefixes {
                assert!(
                    listed_fields(view, &format!("{p}x"), doc).is_some(),
                    "{view} {p}"
                );
            }
            assert_eq!(listed_fields(view, "ref:x", doc), None);
        }
        assert_eq!(listed_fields("carts", "cart:x", doc), None);
        // A document that is not an object has no listed fields.
        assert_eq!(listed_fields("orders", "order:x", "[1]"), None);
        assert_eq!(
            listed_fields("orders", "order:x", "{}").as_deref(),
            Some("{}")
        );
    }

    #[test]
    fn every_listed_field_is_copied() {
        let doc = serde_json::Value::Object(
            LISTED_FIELDS
                .iter()
                .map(|f| (f.to_string(), serde_json::Value::String(format!("v-{f}"))))
                .collect(),
        );
        let fields = listed_fields("credits", "credit:x", &doc.to_string()).unwrap();
        let parsed: serde_json::Value = serde_json::from_str(&fields).unwrap();
        assert_eq!(parsed, doc);
    }
}
