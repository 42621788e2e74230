//! The key that signs bearer tokens. A configured `secret_key` wins; otherwise the
//! first instance to start on a database generates one (32 bytes from the OS
//! CSPRNG) and stores it there, so every instance on that database signs and
//! checks with the same key and tokens survive restarts. There is no built-in
//! key: a public default would let anyone forge tokens.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use rand::rngs::OsRng;
use tessera_replay::Db;

use crate::config::Secret;

/// Bytes of randomness in a generated key.
pub const GENERATED_KEY_BYTES: usize = 32;

/// The row of `signing_keys` that holds the token key.
const TOKEN_KEY: &str = "tokens";

/// A fresh random key: 32 bytes from the OS CSPRNG, URL-safe base64.
pub fn generate() -> Secret {
    let mut bytes = [0u8; GENERATED_KEY_BYTES];
    OsRng.fill_bytes(&mut bytes);
    Secret::new(URL_SAFE_NO_PAD.encode(bytes))
}

/// Where the token key came from (for the start-up log).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeySource {
    Configured,
    Database,
}

/// The key to sign tokens with: `configured`, else the one stored in `db`
/// (generated and stored first if there is none yet).
pub async fn token_key(
    db: &Db,
    configured: Option<&Secret>,
) -> Result<(Secret, KeySource), sqlx::Error> {
    if let Some(key) = configured {
        return Ok((key.clone(), KeySource::Configured));
    }
    Ok((stored_or_new(db).await?, KeySource::Database))
}

async fn stored_or_new(db: &Db) -> Result<Secret, sqlx::Error> {
    // Several instances may start at once: the first insert wins and everyone
    // reads the winner.
    let candidate = generate();
    let insert = "INSERT INTO signing_keys (name, secret) VALUES ($1, $2) \
                  ON CONFLICT (name) DO NOTHING";
    let select = "SELECT secret FROM signing_keys WHERE name = $1";
    let (stored,): (String,) = match db {
        Db::Postgres(p) => {
            sqlx::query(insert)
                .bind(TOKEN_KEY)
                .bind(candidate.expose())
                .execute(p)
                .await?;
            sqlx::query_as(select).bind(TOKEN_KEY).fetch_one(p).await?
        }
        Db::Sqlite(p) => {
            sqlx::query(insert)
                .bind(TOKEN_KEY)
                .bind(candidate.expose())
                .execute(p)
                .await?;
            sqlx::query_as(select).bind(TOKEN_KEY).fetch_one(p).await?
        }
    };
    Ok(Secret::new(stored))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_are_long_and_distinct() {
        let a = generate();
        let b = generate();
        assert_ne!(a, b);
        let decoded = URL_SAFE_NO_PAD.decode(a.expose()).unwrap_or_default();
        assert_eq!(decoded.len(), GENERATED_KEY_BYTES);
    }
}
