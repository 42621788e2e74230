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

use crate::Rows;

/// The facet every row of the list counts under.
pub const ALL: &str = "all";

/// The facet of a list filtered by product (a slug) and by one state field
/// (`("status", "paid")`, `("checked_in", "true")`), either or both absent:
/// `all`, `status:paid`, `product:student`, `product:student|status:paid`.
pub fn list_facet(product: Option<&str>, state: Option<(&str, &str)>) -> String {
    match (product, state) {
        (None, None) => ALL.to_string(),
        (Some(p), None) => format!("product:{p}"),
        (None, Some((name, value))) => format!("{name}:{value}"),
        (Some(p), Some((name, value))) => format!("product:{p}|{name}:{value}"),
    }
}

/// Every facet a row counts under: all, its state, each of its products, each
/// product with its state.
pub fn row_facets<'a>(
    state: (&str, &str),
    products: impl IntoIterator<Item = &'a str>,
) -> Vec<String> {
    let mut facets = vec![list_facet(None, None), list_facet(None, Some(state))];
    for p in products {
        facets.push(list_facet(Some(p), None));
        facets.push(list_facet(Some(p), Some(state)));
    }
    facets
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

/// Moves one row of a conference's list in its tally row (`tally:{conference}`
/// of `rows`, made with `fresh` when absent) from the facets it had before an
/// event to those it has after. `as_tally` is the tally inside a row.
pub fn record<R: Clone>(
    rows: &mut Rows<R>,
    conference_id: Uuid,
    before: &[String],
    after: &[String],
    fresh: impl FnOnce() -> R,
    as_tally: impl FnOnce(&mut R) -> Option<&mut Tally>,
) {
    if before == after {
        return;
    }
    if let Some(t) = as_tally(rows.upsert_with(&tally_key(conference_id), fresh)) {
        t.shift(before, after);
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    /// Rows by facet; a facet no row matches is absent (a count of 0).
    pub counts: BTreeMap<String, u64>,
}

impl Tally {
    /// The tally of rows with these facets (what the fold keeps, for rows
    /// written another way).
    pub fn of(rows: impl IntoIterator<Item = Vec<String>>) -> Self {
        let mut t = Self::default();
        for facets in rows {
            t.shift(&[], &facets);
        }
        t
    }

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
        assert_eq!(list_facet(None, None), "all");
        assert_eq!(
            list_facet(Some("student"), Some(("status", "paid"))),
            "product:student|status:paid"
        );
        assert_eq!(
            row_facets(("checked_in", "true"), ["lunch"]),
            [
                "all",
                "checked_in:true",
                "product:lunch",
                "product:lunch|checked_in:true"
            ]
        );
    }
}
