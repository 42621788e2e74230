//! Counts of a list's rows by facet, kept by the fold beside the rows, so the
//! first page of a big list answers its `total` with one row read instead of
//! counting every matching row (a conference's 100,000 orders) on each request.
//!
//! A facet is a filter combination the lists offer without a selective condition
//! (`all`, `status:paid`, `product:student`, `product:student|status:paid`); a row
//! counts under every facet it matches. The fold computes a row's facets before
//! and after each event and shifts the counts by the difference, so the tally is
//! always exactly the number of rows each facet's list would page.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The facet every row of the list counts under.
pub const ALL: &str = "all";

/// The facet of a set of `name:value` conditions (joined in the given order).
pub fn facet(parts: &[(&str, &str)]) -> String {
    if parts.is_empty() {
        return ALL.to_string();
    }
    parts
        .iter()
        .map(|(name, value)| format!("{name}:{value}"))
        .collect::<Vec<_>>()
        .join("|")
}

/// `tally:{conference_id}`: the counts of a conference's list rows.
pub fn tally_key(conference_id: Uuid) -> String {
    format!("tally:{conference_id}")
}

/// The name serde gives a unit enum value (`paid`, `partially_refunded`).
pub fn serde_name(value: &impl Serialize) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    /// Rows by facet; a facet no row matches is absent (a count of 0).
    pub counts: BTreeMap<String, u64>,
}

impl Tally {
    /// How many rows match `facet`.
    pub fn count(&self, facet: &str) -> u64 {
        self.counts.get(facet).copied().unwrap_or(0)
    }

    /// One row moved from the facets `before` to the facets `after` (empty
    /// `before`: a new row; empty `after`: a row gone).
    pub fn shift(&mut self, before: &[String], after: &[String]) {
        for f in before.iter().filter(|f| !after.contains(f)) {
            if let Some(n) = self.counts.get_mut(f) {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    self.counts.remove(f);
                }
            }
        }
        for f in after.iter().filter(|f| !before.contains(f)) {
            *self.counts.entry(f.clone()).or_default() += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fs(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_row_counts_under_each_of_its_facets_and_moves_between_them() {
        let mut t = Tally::default();
        t.shift(&[], &fs(&["all", "status:pending"]));
        t.shift(&[], &fs(&["all", "status:pending"]));
        assert_eq!((t.count("all"), t.count("status:pending")), (2, 2));
        t.shift(
            &fs(&["all", "status:pending"]),
            &fs(&["all", "status:paid"]),
        );
        assert_eq!(
            (
                t.count("all"),
                t.count("status:pending"),
                t.count("status:paid")
            ),
            (2, 1, 1)
        );
        t.shift(&fs(&["all", "status:pending"]), &[]);
        assert_eq!((t.count("all"), t.count("status:pending")), (1, 0));
        assert!(
            !t.counts.contains_key("status:pending"),
            "zeros are dropped"
        );
    }

    #[test]
    fn facets_join_their_conditions_in_order() {
        assert_eq!(facet(&[]), "all");
        assert_eq!(
            facet(&[("product", "student"), ("status", "paid")]),
            "product:student|status:paid"
        );
    }
}
