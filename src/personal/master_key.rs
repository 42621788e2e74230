//! The master personal-data key: wraps every person's data key and derives the
//! key of the e-mail lookup hash. A configured `personal_data_key` (32 bytes,
//! base64 or hex) wins; otherwise the first instance to start on a database
//! generates one and stores it there. Production should set it outside the
//! database: a key stored beside the data it protects does not survive a leak of
//! that database, nor a restore of an old backup after an erasure.

use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use tessera_replay::Db;
use uuid::Uuid;

use super::{PersonalError, hmac, hmac_hex};
use crate::config::Secret;
use crate::identity::signing_key::{self, KeySource};

/// What the e-mail lookup key is derived with (HMAC of this under the master key).
const LOOKUP_LABEL: &[u8] = b"tessera/email-lookup/v1";

#[derive(Clone)]
pub struct MasterKey {
    key: [u8; 32],
    lookup: [u8; 32],
}

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(***)")
    }
}

impl MasterKey {
    /// 32 bytes given as 64 hex digits or base64 (standard or URL-safe, padded
    /// or not); None otherwise.
    pub fn parse(text: &str) -> Option<Self> {
        crate::config::key_bytes(text).map(Self::from_bytes)
    }

    pub fn from_bytes(key: [u8; 32]) -> Self {
        let lookup = hmac(&key, LOOKUP_LABEL);
        Self { key, lookup }
    }

    /// The configured key, else the one stored in `db` (generated first if none).
    pub async fn load(
        db: &Db,
        configured: Option<&Secret>,
    ) -> Result<(Self, KeySource), anyhow::Error> {
        if let Some(secret) = configured {
            let key = Self::parse(secret.expose()).ok_or_else(|| {
                anyhow::anyhow!("personal_data_key must be 32 bytes as base64 or 64 hex digits")
            })?;
            return Ok((key, KeySource::Configured));
        }
        let stored = stored_or_new(db).await?;
        let key = Self::parse(stored.expose())
            .ok_or_else(|| anyhow::anyhow!("the stored personal-data key is not 32 bytes"))?;
        Ok((key, KeySource::Database))
    }

    /// A data key encrypted under the master key, bound to its person:
    /// base64(nonce ‖ ciphertext).
    pub(super) fn wrap(&self, person: Uuid, data_key: &[u8; 32]) -> Result<String, PersonalError> {
        let cipher = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&self.key));
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let mut out = nonce.to_vec();
        out.extend(
            cipher
                .encrypt(
                    &nonce,
                    Payload {
                        msg: data_key,
                        aad: person.as_bytes(),
                    },
                )
                .map_err(|_| PersonalError::Crypto)?,
        );
        Ok(STANDARD.encode(out))
    }

    pub(super) fn unwrap(&self, person: Uuid, wrapped: &str) -> Result<[u8; 32], PersonalError> {
        let bytes = STANDARD
            .decode(wrapped)
            .map_err(|_| PersonalError::BadWrappedKey)?;
        if bytes.len() < 12 {
            return Err(PersonalError::BadWrappedKey);
        }
        let (nonce, ciphertext) = bytes.split_at(12);
        let cipher = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&self.key));
        let plain = cipher
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: person.as_bytes(),
                },
            )
            .map_err(|_| PersonalError::BadWrappedKey)?;
        plain.try_into().map_err(|_| PersonalError::BadWrappedKey)
    }

    /// Hex HMAC-SHA256 of `data` under the derived lookup key.
    pub(super) fn lookup_hash(&self, data: &[u8]) -> String {
        hmac_hex(&self.lookup, data)
    }
}

/// The key kept in `personal_data_master`, generated first if there is none.
async fn stored_or_new(db: &Db) -> Result<Secret, sqlx::Error> {
    // Several instances may start at once: the first insert wins and everyone
    // reads the winner.
    let candidate = signing_key::generate();
    let insert = "INSERT INTO personal_data_master (id, secret) VALUES (1, $1) \
                  ON CONFLICT (id) DO NOTHING";
    let select = "SELECT secret FROM personal_data_master WHERE id = 1";
    let (stored,): (String,) = match db {
        Db::Postgres(p) => {
            sqlx::query(insert)
                .bind(candidate.expose())
                .execute(p)
                .await?;
            sqlx::query_as(select).fetch_one(p).await?
        }
        Db::Sqlite(p) => {
            sqlx::query(insert)
                .bind(candidate.expose())
                .execute(p)
                .await?;
            sqlx::query_as(select).fetch_one(p).await?
        }
    };
    Ok(Secret::new(stored))
}
