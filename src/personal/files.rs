//! Files that belong to a person (GRANT-36 receipts, LETTER-8 visa letters):
//! kept in the database beside the log, so every instance sees them and a backup
//! holds them, but sealed under the person's key ([`PersonalData::seal_bytes`]):
//! erasing the person leaves only unreadable bytes. Events hold the hash and size.

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use tessera_replay::Db;
use uuid::Uuid;

use super::{PersonalData, PersonalError};

/// What a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    GrantReceipt,
    VisaLetter,
}

impl FileKind {
    fn as_str(self) -> &'static str {
        match self {
            Self::GrantReceipt => "grant_receipt",
            Self::VisaLetter => "visa_letter",
        }
    }
}

/// A file to keep, in plain.
#[derive(Debug, Clone)]
pub struct NewFile {
    pub id: Uuid,
    pub kind: FileKind,
    pub person: Uuid,
    pub conference: Uuid,
    pub file_name: String,
    pub content_type: String,
    pub content: Vec<u8>,
    pub created_at: DateTime<Utc>,
}

/// A stored file, opened.
#[derive(Debug, Clone)]
pub struct OpenedFile {
    pub file_name: String,
    pub content_type: String,
    pub content: Vec<u8>,
    pub sha256: String,
}

/// Hex SHA-256 of `content`.
pub fn sha256_hex(content: &[u8]) -> String {
    Sha256::digest(content)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Seals and stores `file` unless a file with its id exists (two concurrent
/// generations of one letter keep the first); answers the stored hash.
pub async fn keep(
    db: &Db,
    personal: &PersonalData,
    file: &NewFile,
) -> Result<String, PersonalError> {
    let sealed = personal.seal_bytes(file.person, &file.content).await?;
    let hash = sha256_hex(&file.content);
    let insert = "INSERT INTO personal_files (id, kind, person_id, conference_id, file_name, \
                  content_type, content, sha256, size, created_at) \
                  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (id) DO NOTHING";
    let size = i64::try_from(file.content.len()).unwrap_or(i64::MAX);
    macro_rules! run {
        ($p:expr) => {
            sqlx::query(insert)
                .bind(file.id.to_string())
                .bind(file.kind.as_str())
                .bind(file.person.to_string())
                .bind(file.conference.to_string())
                .bind(&file.file_name)
                .bind(&file.content_type)
                .bind(&sealed)
                .bind(&hash)
                .bind(size)
                .bind(file.created_at.to_rfc3339())
                .execute($p)
                .await
                .map(|_| ())?
        };
    }
    match db {
        Db::Postgres(p) => run!(p),
        Db::Sqlite(p) => run!(p),
    }
    let stored = stored_hash(db, file.id, file.kind).await?;
    Ok(stored.unwrap_or(hash))
}

async fn stored_hash(db: &Db, id: Uuid, kind: FileKind) -> Result<Option<String>, sqlx::Error> {
    let select = "SELECT sha256 FROM personal_files WHERE id = $1 AND kind = $2";
    let row: Option<(String,)> = match db {
        Db::Postgres(p) => {
            sqlx::query_as(select)
                .bind(id.to_string())
                .bind(kind.as_str())
                .fetch_optional(p)
                .await?
        }
        Db::Sqlite(p) => {
            sqlx::query_as(select)
                .bind(id.to_string())
                .bind(kind.as_str())
                .fetch_optional(p)
                .await?
        }
    };
    Ok(row.map(|r| r.0))
}

/// Where a stored file stands for a download.
#[derive(Debug)]
pub enum Found {
    Missing,
    /// Its person was erased: the bytes no longer open.
    Erased,
    File(OpenedFile),
}

/// The file `id` of `kind` belonging to `person`, opened.
pub async fn open(
    db: &Db,
    personal: &PersonalData,
    kind: FileKind,
    id: Uuid,
    person: Uuid,
) -> Result<Found, PersonalError> {
    let select = "SELECT file_name, content_type, content, sha256 FROM personal_files \
                  WHERE id = $1 AND kind = $2 AND person_id = $3";
    type Row = (String, String, Vec<u8>, String);
    let row: Option<Row> = match db {
        Db::Postgres(p) => {
            sqlx::query_as(select)
                .bind(id.to_string())
                .bind(kind.as_str())
                .bind(person.to_string())
                .fetch_optional(p)
                .await?
        }
        Db::Sqlite(p) => {
            sqlx::query_as(select)
                .bind(id.to_string())
                .bind(kind.as_str())
                .bind(person.to_string())
                .fetch_optional(p)
                .await?
        }
    };
    let Some((file_name, content_type, sealed, sha256)) = row else {
        return Ok(Found::Missing);
    };
    Ok(match personal.open_bytes(person, &sealed).await? {
        Some(content) => Found::File(OpenedFile {
            file_name,
            content_type,
            content,
            sha256,
        }),
        None => Found::Erased,
    })
}

/// Removes the file `id` of `kind` (GRANT-33: deleting a receipt removes it).
pub async fn remove(db: &Db, kind: FileKind, id: Uuid) -> Result<(), sqlx::Error> {
    let delete = "DELETE FROM personal_files WHERE id = $1 AND kind = $2";
    match db {
        Db::Postgres(p) => {
            sqlx::query(delete)
                .bind(id.to_string())
                .bind(kind.as_str())
                .execute(p)
                .await?;
        }
        Db::Sqlite(p) => {
            sqlx::query(delete)
                .bind(id.to_string())
                .bind(kind.as_str())
                .execute(p)
                .await?;
        }
    }
    Ok(())
}
