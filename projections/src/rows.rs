use std::collections::{BTreeMap, BTreeSet};

use serde::{Serialize, de::DeserializeOwned};

use crate::Envelope;

/// A read model: a pure fold of the log into keyed rows. Storage lives elsewhere
/// (the runner writes the rows a batch touched, with the checkpoint, in one
/// transaction).
pub trait Projection: Send + Sync + 'static {
    /// Stable name: rows are stored under it.
    const NAME: &'static str;
    /// Bump when the fold or the row shape changes: the new version is rebuilt from
    /// position 0 beside the old one, which serves until the switch.
    const VERSION: u32;
    type Row: Serialize + DeserializeOwned + Clone + PartialEq + Send + Sync + std::fmt::Debug;

    fn apply(rows: &mut Rows<Self::Row>, env: &Envelope);
}

/// Keyed rows with change tracking, so a flush writes only what a batch touched.
#[derive(Debug, Clone)]
pub struct Rows<R> {
    rows: BTreeMap<String, R>,
    dirty: BTreeSet<String>,
}

impl<R> Default for Rows<R> {
    fn default() -> Self {
        Self {
            rows: BTreeMap::new(),
            dirty: BTreeSet::new(),
        }
    }
}

impl<R: Clone> Rows<R> {
    pub fn from_stored(rows: BTreeMap<String, R>) -> Self {
        Self {
            rows,
            dirty: BTreeSet::new(),
        }
    }

    pub fn get(&self, key: &str) -> Option<&R> {
        self.rows.get(key)
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut R> {
        let row = self.rows.get_mut(key)?;
        if !self.dirty.contains(key) {
            self.dirty.insert(key.to_string());
        }
        Some(row)
    }

    pub fn insert(&mut self, key: impl Into<String>, row: R) {
        let key = key.into();
        self.dirty.insert(key.clone());
        self.rows.insert(key, row);
    }

    /// The row under `key`, created with `init` when absent; marked changed.
    pub fn upsert_with(&mut self, key: &str, init: impl FnOnce() -> R) -> &mut R {
        if !self.dirty.contains(key) {
            self.dirty.insert(key.to_string());
        }
        self.rows.entry(key.to_string()).or_insert_with(init)
    }

    pub fn remove(&mut self, key: &str) {
        if self.rows.remove(key).is_some() {
            self.dirty.insert(key.to_string());
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = (&String, &R)> {
        self.rows.iter()
    }

    /// Rows whose key starts with `prefix`, in key order.
    pub fn with_prefix<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = (&'a String, &'a R)> {
        self.rows
            .range(prefix.to_string()..)
            .take_while(move |(k, _)| k.starts_with(prefix))
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The changes since the last call: `(key, Some(row))` to write, `(key, None)` to delete.
    pub fn take_changes(&mut self) -> Vec<(String, Option<R>)> {
        std::mem::take(&mut self.dirty)
            .into_iter()
            .map(|k| {
                let row = self.rows.get(&k).cloned();
                (k, row)
            })
            .collect()
    }

    pub fn into_map(self) -> BTreeMap<String, R> {
        self.rows
    }

    pub fn as_map(&self) -> &BTreeMap<String, R> {
        &self.rows
    }
}

/// Folds `events` into fresh rows: what a rebuild from position 0 computes.
pub fn fold_all<P: Projection>(events: &[Envelope]) -> Rows<P::Row> {
    let mut rows = Rows::default();
    for env in events {
        P::apply(&mut rows, env);
    }
    rows
}
