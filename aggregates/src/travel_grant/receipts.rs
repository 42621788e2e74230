//! Receipts of an accepted grant (GRANT-29…36): what the log keeps of one. The
//! file itself lives beside the log, sealed under the applicant's key (a
//! content-addressed store on disk; older receipts in the database); an event
//! holds only its type, size, hashes and logical name.

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
    /// Hex SHA-256 of the stored (sealed) bytes: the file's address in the file
    /// store. None: an older receipt kept in the database.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stored: Option<String>,
    /// The MIME type, from the checked content (application/pdf, image/jpeg,
    /// image/png). None on older receipts (derived from the extension).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// The logical name under "travel_grant_receipts/<applicant>/" (GRANT-36).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
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

/// The MIME type of a receipt of `extension` (one of [`RECEIPT_EXTENSIONS`]).
pub fn receipt_content_type(extension: &str) -> &'static str {
    match extension {
        "pdf" => "application/pdf",
        "png" => "image/png",
        _ => "image/jpeg",
    }
}

const PNG_SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
const PNG_IEND: [u8; 8] = [b'I', b'E', b'N', b'D', 0xAE, 0x42, 0x60, 0x82];

/// What the first bytes of `content` say it is, if one of the receipt types.
pub fn sniff(content: &[u8]) -> Option<&'static str> {
    if content.starts_with(b"%PDF-") {
        Some("pdf")
    } else if content.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("jpeg")
    } else if content.starts_with(&PNG_SIGNATURE) {
        Some("png")
    } else {
        None
    }
}

/// GRANT-31: the content itself must be of the type its name says (by its
/// signature; jpg and jpeg are both JPEG) and whole: a PDF ends with its
/// `%%EOF` marker (trailing white space allowed), a PNG with its IEND chunk, a
/// JPEG with the end-of-image marker FF D9.
pub fn check_content(extension: &str, content: &[u8]) -> Result<(), GrantError> {
    let expected = match extension {
        "jpg" | "jpeg" => "jpeg",
        other => other,
    };
    if sniff(content) != Some(expected) {
        return Err(GrantError::ReceiptContentMismatch);
    }
    let whole = match expected {
        "pdf" => {
            let tail = &content[content.len().saturating_sub(1024)..];
            let trimmed = tail
                .iter()
                .rposition(|b| !b.is_ascii_whitespace() && *b != 0)
                .map_or(&tail[..0], |i| &tail[..=i]);
            trimmed.ends_with(b"%%EOF")
        }
        "png" => content.len() >= 16 && content.ends_with(&PNG_IEND),
        _ => content.len() >= 4 && content.ends_with(&[0xFF, 0xD9]),
    };
    if whole {
        Ok(())
    } else {
        Err(GrantError::ReceiptTruncated)
    }
}

/// What the grant remembers of each receipt to decide on it (GRANT-21/33/34),
/// and where its file is stored (to remove it on deletion).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(super) struct ReceiptState {
    pub approved: bool,
    pub flagged: bool,
    #[serde(default)]
    pub stored: Option<String>,
}

pub(super) type Receipts = BTreeMap<Uuid, ReceiptState>;
