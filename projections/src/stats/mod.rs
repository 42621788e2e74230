//! A conference's statistics: one JSON document assembled from the rows of the
//! other read models (sales, carts, attendees, credits, orders, activities, the
//! catalog), never from the log. Rebuilding those projections rebuilds the stats;
//! `tessera replay verify --conference` folds them from the log up to a position and
//! assembles the same document.
//!
//! The document is a map of **sections**, one module each. A section declares the
//! rows it reads ([`Read`]: a projection and a key prefix) and computes its JSON
//! from them. A later domain (sponsorships, donations, …) adds a module and one line
//! in [`SECTIONS`]; no other section changes. Keys come out sorted ([`canonical`]),
//! so the same rows always give the same bytes.
//!
//! Figures: money is a string with 2 decimals, rates are percentages as strings with
//! 1 decimal (ANA-4), counts are integers.

mod activities;
mod carts;
mod checkins;
mod fundraising;
mod grants;
mod inputs;
mod kpis;
mod money;
mod registrations;
mod sales;
mod session_ratings;
mod surveys;
#[cfg(test)]
mod tests;
mod volunteers;
mod vouchers;

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use uuid::Uuid;

/// The version of the stats model: bump when a section's figures or shape change.
/// A frozen snapshot records the version that made it (a different version when
/// verifying is a schema change, not tampering).
pub const VERSION: u32 = 2;

/// Rows a section reads: every row of `projection` whose key starts with `prefix`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Read {
    pub projection: &'static str,
    pub prefix: String,
}

impl Read {
    pub fn new(projection: &'static str, prefix: impl Into<String>) -> Self {
        Self {
            projection,
            prefix: prefix.into(),
        }
    }
}

/// The rows the sections read, as stored (JSON documents by projection and key).
#[derive(Debug, Clone, Default)]
pub struct Sources {
    rows: BTreeMap<String, BTreeMap<String, Doc>>,
}

/// One row's document: the stored text (decoded straight into the type a section
/// asks for, without an intermediate `Value`), or a value already in memory.
#[derive(Debug, Clone)]
enum Doc {
    Text(String),
    Value(Value),
}

impl Sources {
    pub fn insert(&mut self, projection: &str, key: String, doc: Value) {
        self.entry(projection).insert(key, Doc::Value(doc));
    }

    /// A row as stored (its JSON text), decoded only when a section reads it.
    pub fn insert_text(&mut self, projection: &str, key: String, doc: String) {
        self.entry(projection).insert(key, Doc::Text(doc));
    }

    fn entry(&mut self, projection: &str) -> &mut BTreeMap<String, Doc> {
        self.rows.entry(projection.to_string()).or_default()
    }

    /// The rows of `projection` under `prefix`, decoded, in key order.
    pub fn rows<T: DeserializeOwned>(
        &self,
        projection: &str,
        prefix: &str,
    ) -> Result<Vec<T>, serde_json::Error> {
        let Some(rows) = self.rows.get(projection) else {
            return Ok(vec![]);
        };
        rows.range(prefix.to_string()..)
            .take_while(|(k, _)| k.starts_with(prefix))
            .map(|(_, doc)| match doc {
                Doc::Text(text) => serde_json::from_str(text),
                // Decoded from the borrowed value: no copy of the document.
                Doc::Value(v) => T::deserialize(v),
            })
            .collect()
    }
}

/// What a section computes from.
pub struct Ctx<'a> {
    pub conference_id: Uuid,
    pub sources: &'a Sources,
    /// The conference's orders, decoded once for every section that reads them.
    orders: std::cell::OnceCell<Vec<crate::orders::OrderRecord>>,
}

impl<'a> Ctx<'a> {
    pub fn new(conference_id: Uuid, sources: &'a Sources) -> Self {
        Self {
            conference_id,
            sources,
            orders: std::cell::OnceCell::new(),
        }
    }
}

/// One section of the document.
pub struct Section {
    pub name: &'static str,
    pub reads: fn(Uuid) -> Vec<Read>,
    pub compute: fn(&Ctx) -> Result<Value, serde_json::Error>,
}

/// ANA-38, also served on its own route.
pub use session_ratings::SECTION as SESSION_RATINGS;
pub use session_ratings::average_text as rating_average;

/// Every section, in no particular order (the document's keys are sorted).
pub const SECTIONS: &[Section] = &[
    activities::SECTION,
    carts::SECTION,
    checkins::SECTION,
    fundraising::SECTION,
    grants::SECTION,
    kpis::SECTION,
    money::SECTION,
    registrations::SECTION,
    sales::SECTION,
    surveys::SECTION,
    session_ratings::SECTION,
    volunteers::SECTION,
    vouchers::SECTION,
];

/// Every read of every section, without repeats.
pub fn reads(conference_id: Uuid) -> Vec<Read> {
    let mut all: Vec<Read> = SECTIONS
        .iter()
        .flat_map(|s| (s.reads)(conference_id))
        .collect();
    all.sort();
    all.dedup();
    all
}

/// The names of the projections the stats read.
pub fn projections() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = reads(Uuid::nil())
        .into_iter()
        .map(|r| r.projection)
        .collect();
    names.sort();
    names.dedup();
    names
}

/// The statistics document of one conference.
pub fn assemble(conference_id: Uuid, sources: &Sources) -> Result<Value, serde_json::Error> {
    let ctx = Ctx::new(conference_id, sources);
    let mut sections = Map::new();
    for s in SECTIONS {
        sections.insert(s.name.to_string(), (s.compute)(&ctx)?);
    }
    let mut doc = Map::new();
    doc.insert(
        "conference_id".into(),
        Value::String(conference_id.to_string()),
    );
    doc.insert("sections".into(), Value::Object(sections));
    doc.insert("version".into(), Value::from(VERSION));
    Ok(sorted(Value::Object(doc)))
}

/// `v` with every object's keys in sorted order.
pub fn sorted(v: Value) -> Value {
    match v {
        Value::Object(m) => {
            let b: BTreeMap<String, Value> = m.into_iter().map(|(k, v)| (k, sorted(v))).collect();
            Value::Object(b.into_iter().collect())
        }
        Value::Array(a) => Value::Array(a.into_iter().map(sorted).collect()),
        other => other,
    }
}

/// The canonical JSON text of a document: sorted keys, no whitespace.
pub fn canonical(v: &Value) -> String {
    sorted(v.clone()).to_string()
}

/// Each leaf (metric) where `a` and `b` differ, by its path (`sections.money.gross`),
/// with both values (`None`: absent on that side).
pub fn differences(a: &Value, b: &Value) -> Vec<(String, Option<Value>, Option<Value>)> {
    let mut left = BTreeMap::new();
    let mut right = BTreeMap::new();
    flatten("", a, &mut left);
    flatten("", b, &mut right);
    let mut keys: Vec<&String> = left.keys().chain(right.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|k| left.get(*k) != right.get(*k))
        .map(|k| (k.clone(), left.get(k).cloned(), right.get(k).cloned()))
        .collect()
}

fn flatten(path: &str, v: &Value, out: &mut BTreeMap<String, Value>) {
    let join = |k: &str| {
        if path.is_empty() {
            k.to_string()
        } else {
            format!("{path}.{k}")
        }
    };
    match v {
        Value::Object(m) if !m.is_empty() => {
            for (k, v) in m {
                flatten(&join(k), v, out);
            }
        }
        Value::Array(a) if !a.is_empty() => {
            for (i, v) in a.iter().enumerate() {
                flatten(&join(&i.to_string()), v, out);
            }
        }
        other => {
            out.insert(path.to_string(), other.clone());
        }
    }
}

/// Money as a string with 2 decimals.
pub fn money(d: Decimal) -> Value {
    Value::String(format!("{:.2}", d.round_dp(2)))
}

/// `num / den × 100` with 1 decimal; 0 when `den` is 0.
pub fn rate(num: Decimal, den: Decimal) -> Decimal {
    if den.is_zero() {
        Decimal::ZERO
    } else {
        (num * Decimal::ONE_HUNDRED / den).round_dp(1)
    }
}

/// A percentage as a string with 1 decimal.
pub fn pct(d: Decimal) -> Value {
    Value::String(format!("{:.1}", d.round_dp(1)))
}
