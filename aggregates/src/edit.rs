//! Partial edits (docs/architecture.md: partial updates are commands decided by the
//! aggregate). An edit command carries only the fields it changes; the aggregate
//! merges them into its current state and checks the result under its concurrency
//! check, so two edits of different fields never lose one another.

use serde::{Deserialize, Deserializer};

/// Writes `value` into `slot` when the edit carries it; absent keeps the stored
/// value.
pub(crate) fn keep_or_set<T>(slot: &mut T, value: Option<T>) {
    if let Some(v) = value {
        *slot = v;
    }
}

/// `Option<Option<T>>` for edits of nullable fields: absent = None (keep), null =
/// Some(None) (clear), a value = Some(Some(v)) (set). Use with
/// `#[serde(default, deserialize_with = "nullable")]`.
pub fn nullable<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// Which part of a conference (section, sponsor level, product) a save addresses.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub enum PartSlug {
    /// The part with this slug: changed when it exists, created otherwise.
    Given(String),
    /// CONF-10: a new part; its slug is `base` (slugify(name), or the kind's
    /// fallback), suffixed "-2", "-3", … until unique in the conference.
    New { base: String },
}

impl PartSlug {
    /// The slug this save writes, given which slugs the conference already has.
    pub fn resolve(&self, taken: impl Fn(&str) -> bool) -> String {
        match self {
            Self::Given(slug) => slug.clone(),
            Self::New { base } => {
                let mut candidate = base.clone();
                let mut n = 1;
                while taken(&candidate) {
                    n += 1;
                    candidate = format!("{base}-{n}");
                }
                candidate
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conf_10_a_new_part_takes_the_first_free_suffix() {
        let taken = ["talks", "talks-2"];
        let new = PartSlug::New {
            base: "talks".into(),
        };
        assert_eq!(new.resolve(|s| taken.contains(&s)), "talks-3");
        assert_eq!(new.resolve(|_| false), "talks");
        let given = PartSlug::Given("talks".into());
        assert_eq!(given.resolve(|s| taken.contains(&s)), "talks");
    }

    #[test]
    fn nullable_tells_absent_from_null() {
        #[derive(Deserialize)]
        struct Edit {
            #[serde(default, deserialize_with = "nullable")]
            v: Option<Option<u32>>,
        }
        let read = |s: &str| serde_json::from_str::<Edit>(s).map(|e| e.v).ok();
        assert_eq!(read("{}"), Some(None));
        assert_eq!(read(r#"{"v": null}"#), Some(Some(None)));
        assert_eq!(read(r#"{"v": 3}"#), Some(Some(Some(3))));
    }
}
