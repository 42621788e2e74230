//! Personal data, encrypted per person and erasable (crypto-shredding).
//!
//! Names, e-mail addresses, billing details and phone numbers enter events only
//! as [`Sealed`] values: AES-256-GCM under a data key of the person they belong
//! to. Data keys live in `person_keys`, each wrapped (AES-256-GCM) by the master
//! key. Erasing a person deletes their wrapped key and keeps the row with
//! `erased_at`: the log stays append-only, but their values can never be opened
//! again and read as [`ERASED`] everywhere. Amounts are not personal, so the
//! books still balance.
//!
//! Logins look accounts up by a keyed hash of the e-mail
//! ([`PersonalData::email_hash`], HMAC-SHA256 under a key derived from the
//! master key), stored beside the sealed e-mail; the lists find people by name
//! through a keyed blind index of their names ([`names`]), erased with them.

pub mod files;
pub mod master_key;
pub mod migrate;
pub mod names;
pub mod store;
#[cfg(test)]
mod tests;

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use tessera_replay::Db;
use uuid::Uuid;

pub use master_key::MasterKey;
use tessera_aggregates::purchase_order::{PoContact, SealedPoContact};
pub use tessera_aggregates::user::{Sealed, SealedBilling, SealedIdentity};
use tessera_projections::orders::OrderRecord;
use tessera_projections::user_directory::UserRow;

/// What a personal field reads as once its person is erased.
pub const ERASED: &str = "erased";

/// The only sealing scheme so far: AES-256-GCM, 96-bit nonce.
const SCHEME_V1: u8 = 1;

#[derive(Debug, thiserror::Error)]
pub enum PersonalError {
    #[error("the person {0} was erased: nothing more is stored for them")]
    Erased(Uuid),
    #[error("a stored personal-data key does not unwrap under the master key")]
    BadWrappedKey,
    #[error("encryption failed")]
    Crypto,
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// Seals and opens personal values, keeping each person's data key.
pub struct PersonalData {
    db: Db,
    master: MasterKey,
    /// Unwrapped data keys of this process (evicted on erase).
    keys: Mutex<HashMap<Uuid, [u8; 32]>>,
    /// People known to be erased (an erasure is final).
    erased: Mutex<HashSet<Uuid>>,
}

/// The state of one person's key in the table.
enum Stored {
    Missing,
    Erased,
    Wrapped(String),
}

impl PersonalData {
    pub fn new(db: Db, master: MasterKey) -> Self {
        Self {
            db,
            master,
            keys: Mutex::new(HashMap::new()),
            erased: Mutex::new(HashSet::new()),
        }
    }

    /// `plaintext` encrypted under `person`'s key (created on first use).
    pub async fn seal(&self, person: Uuid, plaintext: &str) -> Result<Sealed, PersonalError> {
        let key = self.key_for_sealing(person).await?;
        let cipher = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&key));
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let aad = person.as_bytes();
        let ciphertext = cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: plaintext.as_bytes(),
                    aad,
                },
            )
            .map_err(|_| PersonalError::Crypto)?;
        Ok(Sealed {
            v: SCHEME_V1,
            n: STANDARD.encode(nonce),
            c: STANDARD.encode(ciphertext),
        })
    }

    /// For the commands run outside the server (`tessera user …`, `bootstrap`):
    /// the master key from the environment's configuration, else the database's.
    pub async fn for_cli(db: &Db) -> anyhow::Result<Self> {
        let env: std::collections::HashMap<String, String> = std::env::vars().collect();
        let config = crate::config::Config::load(None, &env)?;
        let (master, _) = MasterKey::load(db, config.personal_data_key.as_ref()).await?;
        Ok(Self::new(db.clone(), master))
    }

    /// Seals `plaintext` unless it is empty (an empty field stays empty).
    pub async fn seal_opt(
        &self,
        person: Uuid,
        plaintext: &str,
    ) -> Result<Option<Sealed>, PersonalError> {
        if plaintext.is_empty() {
            return Ok(None);
        }
        self.seal(person, plaintext).await.map(Some)
    }

    /// The plaintext of `sealed`, or None when `person` was erased (or the value
    /// does not open under their key: tampered, or someone else's).
    pub async fn open(
        &self,
        person: Uuid,
        sealed: &Sealed,
    ) -> Result<Option<String>, PersonalError> {
        let Some(key) = self.key_for_opening(person).await? else {
            return Ok(None);
        };
        Ok(open_with(&key, person, sealed))
    }

    /// What a personal field reads as: the plain value of an event written before
    /// sealing, the opened sealed value, or [`ERASED`].
    pub async fn read(
        &self,
        person: Uuid,
        plain: &str,
        sealed: Option<&Sealed>,
    ) -> Result<String, PersonalError> {
        match sealed {
            None => Ok(plain.to_string()),
            Some(s) => Ok(self
                .open(person, s)
                .await?
                .unwrap_or_else(|| ERASED.to_string())),
        }
    }

    /// A user-directory row with its e-mail and name opened (or [`ERASED`]).
    pub async fn open_user_row(&self, row: &mut UserRow) -> Result<(), PersonalError> {
        row.email = self
            .read(row.id, &row.email, row.sealed_email.as_ref())
            .await?;
        row.name = self
            .read(row.id, &row.name, row.sealed_name.as_ref())
            .await?;
        Ok(())
    }

    /// A user-directory row's (e-mail, name), opened; None once the user was
    /// erased (as [`Self::open_user`] for the User itself).
    pub async fn open_listed_user(
        &self,
        row: &UserRow,
    ) -> Result<Option<(String, String)>, PersonalError> {
        let sealed = row
            .sealed_email
            .as_ref()
            .map(|email| (email, row.sealed_name.as_ref()));
        self.open_identity(row.id, &row.email, &row.name, sealed)
            .await
    }

    /// A user's (e-mail, name), opened; None once the user was erased.
    pub async fn open_user(
        &self,
        id: Uuid,
        plain_email: &str,
        plain_name: &str,
        sealed: Option<&SealedIdentity>,
    ) -> Result<Option<(String, String)>, PersonalError> {
        let sealed = sealed.map(|s| (&s.email, Some(&s.name)));
        self.open_identity(id, plain_email, plain_name, sealed)
            .await
    }

    /// (e-mail, name) of person `id`: the sealed e-mail (with the sealed name, if
    /// any) opened, else the plain ones; None once the person was erased.
    async fn open_identity(
        &self,
        id: Uuid,
        plain_email: &str,
        plain_name: &str,
        sealed: Option<(&Sealed, Option<&Sealed>)>,
    ) -> Result<Option<(String, String)>, PersonalError> {
        let Some((sealed_email, sealed_name)) = sealed else {
            if self.is_erased(id).await? {
                return Ok(None);
            }
            return Ok(Some((plain_email.to_string(), plain_name.to_string())));
        };
        let Some(email) = self.open(id, sealed_email).await? else {
            return Ok(None);
        };
        let name = self.read(id, plain_name, sealed_name).await?;
        Ok(Some((email, name)))
    }

    /// The sealed e-mail and name of user `id`, with the e-mail's keyed hash.
    pub async fn seal_identity(
        &self,
        id: Uuid,
        normalized_email: &str,
        name: &str,
    ) -> Result<SealedIdentity, PersonalError> {
        let sealed = SealedIdentity {
            email: self.seal(id, normalized_email).await?,
            name: self.seal(id, name.trim()).await?,
            email_hash: self.email_hash(normalized_email),
        };
        self.index_name(id, name).await?;
        Ok(sealed)
    }

    /// An order's billing details sealed under the buyer's key.
    pub async fn seal_billing(
        &self,
        buyer: Uuid,
        name: &str,
        email: &str,
        company: &str,
    ) -> Result<SealedBilling, PersonalError> {
        let sealed = SealedBilling {
            name: self.seal_opt(buyer, name).await?,
            email: self.seal_opt(buyer, email).await?,
            company: self.seal_opt(buyer, company).await?,
        };
        self.index_name(buyer, name).await?;
        Ok(sealed)
    }

    /// An order's (name, e-mail, company) as read: opened, or [`ERASED`] for
    /// each sealed field of an erased buyer.
    pub async fn open_billing(
        &self,
        buyer: Uuid,
        plain: (&str, &str, &str),
        sealed: Option<&SealedBilling>,
    ) -> Result<(String, String, String), PersonalError> {
        let Some(s) = sealed else {
            return Ok((plain.0.into(), plain.1.into(), plain.2.into()));
        };
        Ok((
            self.read(buyer, "", s.name.as_ref()).await?,
            self.read(buyer, "", s.email.as_ref()).await?,
            self.read(buyer, "", s.company.as_ref()).await?,
        ))
    }

    /// An orders-projection row with its billing details opened.
    pub async fn open_order_row(&self, row: &mut OrderRecord) -> Result<(), PersonalError> {
        let (name, email, company) = self
            .open_billing(
                row.user,
                (&row.billing_name, &row.billing_email, &row.billing_company),
                row.sealed_billing.as_ref(),
            )
            .await?;
        row.billing_name = name;
        row.billing_email = email;
        row.billing_company = company;
        Ok(())
    }

    /// A purchase order contact's personal fields (e-mail, name, billing address,
    /// notes) sealed under `person`, the PO's own key: erasing the PO's contact
    /// erases them. The organization is not a person and is not sealed.
    pub async fn seal_po_contact(
        &self,
        person: Uuid,
        contact: &PoContact,
    ) -> Result<SealedPoContact, PersonalError> {
        Ok(SealedPoContact {
            contact_email: self.seal_opt(person, contact.contact_email.trim()).await?,
            contact_name: self.seal_opt(person, &contact.contact_name).await?,
            billing_address: self.seal_opt(person, &contact.billing_address).await?,
            notes: self.seal_opt(person, &contact.notes).await?,
        })
    }

    /// A PO contact as read: plain for a PO created before sealing, else each
    /// sealed field opened (empty when it was empty, [`ERASED`] once erased).
    pub async fn open_po_contact(
        &self,
        person: Uuid,
        contact: &mut PoContact,
        sealed: Option<&SealedPoContact>,
    ) -> Result<(), PersonalError> {
        let Some(s) = sealed else {
            if self.is_erased(person).await? {
                let erased = |v: &mut String| {
                    if !v.is_empty() {
                        *v = ERASED.to_string();
                    }
                };
                erased(&mut contact.contact_email);
                erased(&mut contact.contact_name);
                erased(&mut contact.billing_address);
                erased(&mut contact.notes);
            }
            return Ok(());
        };
        contact.contact_email = self.read(person, "", s.contact_email.as_ref()).await?;
        contact.contact_name = self.read(person, "", s.contact_name.as_ref()).await?;
        contact.billing_address = self.read(person, "", s.billing_address.as_ref()).await?;
        contact.notes = self.read(person, "", s.notes.as_ref()).await?;
        Ok(())
    }

    /// `content` (a file: a receipt, a visa letter) encrypted under `person`'s
    /// key: the scheme byte, the 12-byte nonce, then the ciphertext with its tag.
    /// Erasing the person makes it unreadable, in every backup too.
    pub async fn seal_bytes(&self, person: Uuid, content: &[u8]) -> Result<Vec<u8>, PersonalError> {
        let key = self.key_for_sealing(person).await?;
        let cipher = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&key));
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let ciphertext = cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: content,
                    aad: person.as_bytes(),
                },
            )
            .map_err(|_| PersonalError::Crypto)?;
        let mut out = Vec::with_capacity(1 + nonce.len() + ciphertext.len());
        out.push(SCHEME_V1);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ciphertext);
        Ok(out)
    }

    /// The plain bytes of [`Self::seal_bytes`]'s output, or None once `person`
    /// was erased (or the bytes do not open under their key).
    pub async fn open_bytes(
        &self,
        person: Uuid,
        sealed: &[u8],
    ) -> Result<Option<Vec<u8>>, PersonalError> {
        let Some(key) = self.key_for_opening(person).await? else {
            return Ok(None);
        };
        let Some((&SCHEME_V1, rest)) = sealed.split_first() else {
            return Ok(None);
        };
        if rest.len() < 12 {
            return Ok(None);
        }
        let (nonce, ciphertext) = rest.split_at(12);
        let cipher = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&key));
        Ok(cipher
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: person.as_bytes(),
                },
            )
            .ok())
    }

    /// Forgets `person`'s key for good. Idempotent; an unknown person is recorded
    /// as erased too, so nothing can be sealed for them later.
    pub async fn erase(&self, person: Uuid) -> Result<(), PersonalError> {
        let id = person.to_string();
        match &self.db {
            Db::Postgres(p) => {
                sqlx::query(
                    "INSERT INTO person_keys (person_id, wrapped_key, erased_at) \
                     VALUES ($1, NULL, now()) ON CONFLICT (person_id) DO UPDATE \
                     SET wrapped_key = NULL, \
                         erased_at = COALESCE(person_keys.erased_at, now())",
                )
                .bind(&id)
                .execute(p)
                .await?;
            }
            Db::Sqlite(p) => {
                sqlx::query(
                    "INSERT INTO person_keys (person_id, wrapped_key, erased_at) \
                     VALUES ($1, NULL, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) \
                     ON CONFLICT (person_id) DO UPDATE SET wrapped_key = NULL, \
                     erased_at = COALESCE(person_keys.erased_at, \
                                          strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
                )
                .bind(&id)
                .execute(p)
                .await?;
            }
        }
        self.unindex_names(person).await?;
        lock(&self.keys).remove(&person);
        lock(&self.erased).insert(person);
        Ok(())
    }

    /// Whether `person` was erased.
    pub async fn is_erased(&self, person: Uuid) -> Result<bool, PersonalError> {
        if lock(&self.erased).contains(&person) {
            return Ok(true);
        }
        Ok(matches!(self.stored(person).await?, Stored::Erased))
    }

    /// The keyed hash of a normalized e-mail (hex HMAC-SHA256), for lookups and
    /// uniqueness without the plain address.
    pub fn email_hash(&self, normalized_email: &str) -> String {
        self.master.lookup_hash(normalized_email.as_bytes())
    }

    async fn key_for_opening(&self, person: Uuid) -> Result<Option<[u8; 32]>, PersonalError> {
        if let Some(key) = lock(&self.keys).get(&person) {
            return Ok(Some(*key));
        }
        if lock(&self.erased).contains(&person) {
            return Ok(None);
        }
        match self.stored(person).await? {
            Stored::Missing => Ok(None),
            Stored::Erased => {
                lock(&self.erased).insert(person);
                Ok(None)
            }
            Stored::Wrapped(w) => {
                let key = self.master.unwrap(person, &w)?;
                lock(&self.keys).insert(person, key);
                Ok(Some(key))
            }
        }
    }

    async fn key_for_sealing(&self, person: Uuid) -> Result<[u8; 32], PersonalError> {
        if let Some(key) = self.key_for_opening(person).await? {
            return Ok(key);
        }
        if lock(&self.erased).contains(&person) {
            return Err(PersonalError::Erased(person));
        }
        // Several requests may create the key at once: the first insert wins and
        // everyone reads the winner.
        let mut fresh = [0u8; 32];
        fresh.copy_from_slice(&Aes256Gcm::generate_key(&mut OsRng));
        let wrapped = self.master.wrap(person, &fresh)?;
        let insert = "INSERT INTO person_keys (person_id, wrapped_key) VALUES ($1, $2) \
                      ON CONFLICT (person_id) DO NOTHING";
        let inserted = match &self.db {
            Db::Postgres(p) => sqlx::query(insert)
                .bind(person.to_string())
                .bind(&wrapped)
                .execute(p)
                .await?
                .rows_affected(),
            Db::Sqlite(p) => sqlx::query(insert)
                .bind(person.to_string())
                .bind(&wrapped)
                .execute(p)
                .await?
                .rows_affected(),
        };
        if inserted == 1 {
            // Ours is the stored key: no need to read it back.
            lock(&self.keys).insert(person, fresh);
            return Ok(fresh);
        }
        self.key_for_opening(person)
            .await?
            .ok_or(PersonalError::Erased(person))
    }

    async fn stored(&self, person: Uuid) -> Result<Stored, PersonalError> {
        let select = "SELECT wrapped_key FROM person_keys WHERE person_id = $1";
        let row: Option<(Option<String>,)> = match &self.db {
            Db::Postgres(p) => {
                sqlx::query_as(select)
                    .bind(person.to_string())
                    .fetch_optional(p)
                    .await?
            }
            Db::Sqlite(p) => {
                sqlx::query_as(select)
                    .bind(person.to_string())
                    .fetch_optional(p)
                    .await?
            }
        };
        Ok(match row {
            None => Stored::Missing,
            Some((None,)) => Stored::Erased,
            Some((Some(w),)) => Stored::Wrapped(w),
        })
    }
}

/// A failure to seal or open is ours (500): the caller cannot mend it.
impl crate::refusal::Failure for PersonalError {
    fn code(&self) -> &'static str {
        "internal"
    }
    fn kind(&self) -> crate::refusal::Kind {
        crate::refusal::Kind::Internal
    }
}

/// Opens `sealed` with a data key; None when it does not authenticate.
fn open_with(key: &[u8; 32], person: Uuid, sealed: &Sealed) -> Option<String> {
    if sealed.v != SCHEME_V1 {
        return None;
    }
    let nonce = STANDARD.decode(&sealed.n).ok()?;
    if nonce.len() != 12 {
        return None;
    }
    let ciphertext = STANDARD.decode(&sealed.c).ok()?;
    let cipher = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(key));
    let plain = cipher
        .decrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: &ciphertext,
                aad: person.as_bytes(),
            },
        )
        .ok()?;
    String::from_utf8(plain).ok()
}

/// A poisoned lock only means another thread panicked mid-update of a cache:
/// the cache is still usable.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// HMAC-SHA256 of `data` under `key`, hex.
fn hmac(key: &[u8], data: &[u8]) -> [u8; 32] {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
    mac.update(data);
    mac.finalize().into_bytes().into()
}

fn hmac_hex(key: &[u8], data: &[u8]) -> String {
    hmac(key, data).iter().map(|b| format!("{b:02x}")).collect()
}
