//! The blind index of names: a keyed hash of each normalized name and name word
//! a person's values were sealed with (`person_name_tokens`), written when a
//! name is sealed and deleted when the person is erased. The lists find people
//! by an exact (normalized) name or name word through it; nothing in it can be
//! read back or ordered, and without the master key a guess cannot be checked.

use tessera_replay::Db;
use unicode_normalization::UnicodeNormalization;
use uuid::Uuid;

use super::{PersonalData, PersonalError};

/// A name as the index compares it: NFKC, lowercased, words separated by one
/// space.
pub fn normalize_name(name: &str) -> String {
    let folded: String = name.nfkc().collect::<String>().to_lowercase();
    folded.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The normalized texts a name is found by: the whole name and each word.
fn name_texts(name: &str) -> Vec<String> {
    let whole = normalize_name(name);
    if whole.is_empty() {
        return vec![];
    }
    let mut texts: Vec<String> = whole.split(' ').map(str::to_string).collect();
    texts.push(whole);
    texts.sort_unstable();
    texts.dedup();
    texts
}

impl PersonalData {
    /// The index token of a normalized name text.
    fn name_token(&self, normalized: &str) -> String {
        let mut data = b"name\0".to_vec();
        data.extend_from_slice(normalized.as_bytes());
        self.master.lookup_hash(&data)
    }

    /// The token a list looks `query` up by (None for a blank query).
    pub fn name_query(&self, query: &str) -> Option<String> {
        let normalized = normalize_name(query);
        (!normalized.is_empty()).then(|| self.name_token(&normalized))
    }

    /// Records that `person` is found by `name` (and each of its words).
    pub(super) async fn index_name(&self, person: Uuid, name: &str) -> Result<(), PersonalError> {
        let id = person.to_string();
        for text in name_texts(name) {
            let token = self.name_token(&text);
            let sql = "INSERT INTO person_name_tokens (token, person_id) VALUES ($1, $2) \
                       ON CONFLICT (token, person_id) DO NOTHING";
            match &self.db {
                Db::Postgres(p) => {
                    sqlx::query(sql).bind(&token).bind(&id).execute(p).await?;
                }
                Db::Sqlite(p) => {
                    sqlx::query(sql).bind(&token).bind(&id).execute(p).await?;
                }
            }
        }
        Ok(())
    }

    /// Forgets every name token of `person` (their erasure).
    pub(super) async fn unindex_names(&self, person: Uuid) -> Result<(), PersonalError> {
        let id = person.to_string();
        let sql = "DELETE FROM person_name_tokens WHERE person_id = $1";
        match &self.db {
            Db::Postgres(p) => {
                sqlx::query(sql).bind(&id).execute(p).await?;
            }
            Db::Sqlite(p) => {
                sqlx::query(sql).bind(&id).execute(p).await?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_normalized_and_split_into_words() {
        assert_eq!(normalize_name("  Ada \t LOVELACE "), "ada lovelace");
        // NFKC: the ligature and the full-width letters fold to plain ones.
        assert_eq!(normalize_name("ﬁona ＡＢＣ"), "fiona abc");
        assert_eq!(
            name_texts("Ada  Lovelace"),
            vec!["ada", "ada lovelace", "lovelace"]
        );
        assert!(name_texts("   ").is_empty());
    }
}
