//! Receipts of an accepted grant (GRANT-29…36): what the log keeps of one. The
//! file itself lives in the database beside the log (`grant_receipt_files`),
//! keyed per applicant; an event holds only its type, size and content hash.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::GrantError;
use crate::user::Sealed;

/// GRANT-31: 10 MiB.
pub const MAX_RECEIPT_BYTES: u64 = 10 * 1024 * 1024;

/// GRANT-31: the file types a receipt may have.
pub const RECEIPT_EXTENSIONS: [&str; 4] = ["pdf", "jpg", "jpeg", "png"];

/// GRANT-30.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReceiptKind {
    Airfare,
    Lodging,
}

/// GRANT-32: approved if approved; else flagged if flagged; else pending.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReceiptReview {
    Pending,
    Approved,
    Flagged,
}

impl ReceiptReview {
    pub fn of(approved: bool, flagged: bool) -> Self {
        match (approved, flagged) {
            (true, _) => Self::Approved,
            (false, true) => Self::Flagged,
            _ => Self::Pending,
        }
    }
}

/// The stored file as the log knows it (never its bytes). A stored format.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptFile {
    /// Lower case, one of [`RECEIPT_EXTENSIONS`].
    pub extension: String,
    pub size: u64,
    /// Hex SHA-256 of the content.
    pub sha256: String,
}

/// A receipt as it enters the log; the description is sealed under the
/// applicant's key (an empty one is None). A stored format: never rename.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptUpload {
    pub receipt_id: Uuid,
    pub kind: ReceiptKind,
    pub date: NaiveDate,
    pub amount: Decimal,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<Sealed>,
    pub file: ReceiptFile,
}

/// GRANT-31: the file's type (by extension, case-insensitive) and size; answers
/// the lower-case extension.
pub fn check_file(file_name: &str, size: u64) -> Result<String, GrantError> {
    let ext = file_name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    if !RECEIPT_EXTENSIONS.contains(&ext.as_str()) {
        return Err(GrantError::ReceiptFileType);
    }
    if size > MAX_RECEIPT_BYTES {
        return Err(GrantError::ReceiptTooLarge);
    }
    Ok(ext)
}

/// What the grant remembers of each receipt to decide on it (GRANT-21/33/34).
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
pub(super) struct ReceiptState {
    pub approved: bool,
    pub flagged: bool,
}

pub(super) type Receipts = BTreeMap<Uuid, ReceiptState>;
