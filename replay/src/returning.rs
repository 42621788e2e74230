//! ANA-41 across the years of a series: how many of a year's attendees came to an
//! earlier year, and what each year's buyers spent over the whole series. Both
//! read every year's [`People`] (tens of thousands of ids a year), so the figures
//! are kept per series until one of those people rows is replaced.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::{Arc, Mutex};

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use tessera_projections::attendees::AttendeesRow;
use tessera_projections::orders::OrdersRow;
use uuid::Uuid;

/// A conference's attendees (users with an attendee record) and, by buyer, the
/// total of their paid-set orders.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct People {
    pub attendees: BTreeSet<Uuid>,
    pub spent: BTreeMap<Uuid, Decimal>,
}

impl People {
    pub fn is_empty(&self) -> bool {
        self.attendees.is_empty() && self.spent.is_empty()
    }

    /// Counts a row of the attendees read model (an attendee's row names a person).
    pub fn count_attendee(&mut self, row: &AttendeesRow) {
        if let AttendeesRow::Attendee(a) = row {
            self.attendees.insert(a.user);
        }
    }

    /// Counts a row of the orders read model (a paid order's total is spent).
    pub fn count_order(&mut self, row: &OrdersRow) {
        if let OrdersRow::Order(o) = row
            && o.is_paid_set()
        {
            *self.spent.entry(o.user).or_default() += o.total;
        }
    }
}

/// The returning attendees and lifetime value of one year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Returning {
    /// Users with an attendee record this year.
    pub attendees: usize,
    /// Of them, those with an attendee record in an earlier year of the list.
    pub returning: usize,
    /// Over this year's buyers, their paid-set totals across every year of the list.
    pub lifetime: Option<Lifetime>,
}

/// ANA-41: the lifetime values of one year's buyers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lifetime {
    pub buyers: usize,
    pub total: Decimal,
    pub max: Decimal,
    pub min: Decimal,
}

/// The figures of every year of `years` (in year order): one pass to sum each
/// buyer's spending over the series, one to grow the set of earlier attendees.
pub fn returning(years: &[Arc<People>]) -> Vec<Returning> {
    let mut spent_in_series: HashMap<Uuid, Decimal> = HashMap::new();
    for people in years {
        for (user, spent) in &people.spent {
            *spent_in_series.entry(*user).or_default() += *spent;
        }
    }
    let mut earlier: HashSet<Uuid> = HashSet::new();
    let mut figures = Vec::with_capacity(years.len());
    for people in years {
        let returning = people
            .attendees
            .iter()
            .filter(|u| earlier.contains(*u))
            .count();
        let values = people
            .spent
            .keys()
            .map(|u| spent_in_series.get(u).copied().unwrap_or_default());
        let lifetime = values.fold(None, |acc: Option<Lifetime>, v| {
            Some(match acc {
                None => Lifetime {
                    buyers: 1,
                    total: v,
                    max: v,
                    min: v,
                },
                Some(l) => Lifetime {
                    buyers: l.buyers + 1,
                    total: l.total + v,
                    max: l.max.max(v),
                    min: l.min.min(v),
                },
            })
        });
        figures.push(Returning {
            attendees: people.attendees.len(),
            returning,
            lifetime,
        });
        earlier.extend(people.attendees.iter().copied());
    }
    figures
}

/// The figures of each series, with the people they were computed from: kept
/// while every year still has the same parsed people (the stats handle hands out
/// one `Arc` per stored row, so an unchanged year is the same pointer).
#[derive(Default)]
pub struct ReturningCache {
    by_series: Mutex<HashMap<Vec<Uuid>, Computed>>,
}

struct Computed {
    from: Vec<Arc<People>>,
    figures: Arc<Vec<Returning>>,
}

impl ReturningCache {
    /// The figures of the conferences `ids` (in year order) with `people`, from
    /// the cache when they were computed from exactly these rows.
    pub fn figures(&self, ids: &[Uuid], people: Vec<Arc<People>>) -> Arc<Vec<Returning>> {
        let cached = self.by_series.lock().ok().and_then(|c| {
            c.get(ids)
                .filter(|k| {
                    k.from.len() == people.len()
                        && k.from.iter().zip(&people).all(|(a, b)| Arc::ptr_eq(a, b))
                })
                .map(|k| k.figures.clone())
        });
        if let Some(figures) = cached {
            return figures;
        }
        let figures = Arc::new(returning(&people));
        if let Ok(mut c) = self.by_series.lock() {
            c.insert(
                ids.to_vec(),
                Computed {
                    from: people,
                    figures: figures.clone(),
                },
            );
        }
        figures
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn people(attendees: &[u128], spent: &[(u128, i64)]) -> Arc<People> {
        Arc::new(People {
            attendees: attendees.iter().map(|n| Uuid::from_u128(*n)).collect(),
            spent: spent
                .iter()
                .map(|(u, s)| (Uuid::from_u128(*u), Decimal::new(*s, 2)))
                .collect(),
        })
    }

    // ANA-41: returning = attendees of this year seen in any earlier year; the
    // lifetime value sums every year of the series, later ones included.
    #[test]
    fn returning_counts_earlier_years_and_lifetime_spans_the_series() {
        let years = vec![
            people(&[1, 2], &[(1, 10000), (2, 5000)]),
            people(&[2, 3], &[(3, 2000)]),
            people(&[1, 3, 4], &[(1, 1000), (4, 700)]),
        ];
        let f = returning(&years);
        assert_eq!(
            f.iter()
                .map(|y| (y.attendees, y.returning))
                .collect::<Vec<_>>(),
            vec![(2, 0), (2, 1), (3, 2)]
        );
        let first = f[0]
            .lifetime
            .as_ref()
            .map(|l| (l.buyers, l.total, l.max, l.min));
        // User 1 spent 100.00 then 10.00; user 2 50.00.
        assert_eq!(
            first,
            Some((
                2,
                Decimal::new(16000, 2),
                Decimal::new(11000, 2),
                Decimal::new(5000, 2)
            ))
        );
        let last = f[2]
            .lifetime
            .as_ref()
            .map(|l| (l.buyers, l.total, l.max, l.min));
        assert_eq!(
            last,
            Some((
                2,
                Decimal::new(11700, 2),
                Decimal::new(11000, 2),
                Decimal::new(700, 2)
            ))
        );
    }

    #[test]
    fn a_year_without_buyers_has_no_lifetime_value() {
        let f = returning(&[people(&[1], &[])]);
        assert_eq!(f[0].lifetime, None);
        assert_eq!((f[0].attendees, f[0].returning), (1, 0));
    }

    #[test]
    fn the_cache_recomputes_when_a_year_has_new_people() {
        let cache = ReturningCache::default();
        let ids = vec![Uuid::from_u128(10), Uuid::from_u128(11)];
        let (a, b) = (people(&[1], &[]), people(&[1], &[]));
        let first = cache.figures(&ids, vec![a.clone(), b.clone()]);
        assert_eq!(first[1].returning, 1);
        let again = cache.figures(&ids, vec![a.clone(), b]);
        assert!(Arc::ptr_eq(&first, &again), "same rows: the cached figures");
        let changed = cache.figures(&ids, vec![a, people(&[2], &[])]);
        assert_eq!(changed[1].returning, 0, "a replaced row is computed again");
    }
}
