//! Receipts of a travel grant (GRANT-29…36): a file beside the log and a fact in
//! the grant's stream.
//!
//! | Step | Reads | Writes |
//! |---|---|---|
//! | check | the grant (GRANT-29 gate), the file's type and size (GRANT-31) | |
//! | file | | `personal_files`, sealed under the applicant's key, keyed by a new receipt id under "travel_grant_receipts/<applicant>/" (GRANT-36) |
//! | fact | | `GrantReceiptUploaded` with the file's hash and size, never its bytes |
//! | undo | | a refused fact removes the file again |
//!
//! Deleting (GRANT-33) records `GrantReceiptDeleted` first, then removes the file:
//! a crash between the two leaves an unreferenced sealed file, never a receipt
//! without its file. A crash between file and fact on upload leaves the same.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use tessera_aggregates::travel_grant::{
    GrantCommand, GrantError, ReceiptFile, ReceiptKind, ReceiptUpload, TravelGrant, check_file,
};
use uuid::Uuid;

use crate::app::App;
use crate::bus::BusError;
use crate::outcome::Sent;
use crate::personal::PersonalError;
use crate::personal::files::{self, FileKind, NewFile};
use crate::refusal::{Failure, Kind};
use tessera_projections::EventMeta as Meta;

#[derive(Debug, thiserror::Error)]
pub enum ReceiptFlowError {
    #[error(transparent)]
    Refused(#[from] BusError<GrantError>),
    #[error(transparent)]
    Personal(#[from] PersonalError),
    #[error("receipt file: {0}")]
    Store(#[from] sqlx::Error),
}

impl Failure for ReceiptFlowError {
    fn code(&self) -> &'static str {
        match self {
            Self::Refused(e) => e.code(),
            Self::Personal(_) | Self::Store(_) => "internal",
        }
    }
    fn kind(&self) -> Kind {
        match self {
            Self::Refused(e) => e.kind(),
            Self::Personal(_) | Self::Store(_) => Kind::Internal,
        }
    }
    fn detail(&self) -> String {
        match self {
            Self::Refused(e) => e.detail(),
            _ => self.to_string(),
        }
    }
}

fn refused(e: GrantError) -> ReceiptFlowError {
    ReceiptFlowError::Refused(BusError::Refused(e))
}

/// A receipt as the applicant sends it, the file decoded.
pub struct NewReceipt {
    pub kind: ReceiptKind,
    pub date: NaiveDate,
    pub amount: Decimal,
    pub description: String,
    pub file_name: String,
    pub content: Vec<u8>,
}

pub fn content_type(extension: &str) -> &'static str {
    match extension {
        "pdf" => "application/pdf",
        "png" => "image/png",
        _ => "image/jpeg",
    }
}

/// GRANT-29…31, 36: stores the file, then records the receipt; answers its id.
pub async fn upload(
    app: &App,
    conference: Uuid,
    applicant: Uuid,
    new: NewReceipt,
    meta: &Meta,
) -> Result<(Uuid, Sent), ReceiptFlowError> {
    let size = u64::try_from(new.content.len()).unwrap_or(u64::MAX);
    let extension = check_file(&new.file_name, size).map_err(refused)?;
    let grant = tessera_aggregates::travel_grant::stream_id(conference, applicant).to_string();
    let open = app
        .bus
        .inspect::<TravelGrant, _>(&grant, |g| g.exists().then(|| g.takes_receipts()))
        .await?;
    match open {
        None => return Err(refused(GrantError::NotFound)),
        Some(false) => return Err(refused(GrantError::ReceiptsNotAllowed)),
        Some(true) => {}
    }
    let id = Uuid::new_v4();
    let sha256 = files::keep(
        &app.db,
        &app.personal,
        &NewFile {
            id,
            kind: FileKind::GrantReceipt,
            person: applicant,
            conference,
            file_name: format!("travel_grant_receipts/{applicant}/{id}.{extension}"),
            content_type: content_type(&extension).to_string(),
            content: new.content,
            created_at: app.bus.services().now(),
        },
    )
    .await?;
    let description = app
        .personal
        .seal_opt(applicant, new.description.trim())
        .await?;
    let cmd = GrantCommand::UploadReceipt {
        receipt: Box::new(ReceiptUpload {
            receipt_id: id,
            kind: new.kind,
            date: new.date,
            amount: new.amount,
            description,
            file: ReceiptFile {
                extension,
                size,
                sha256,
            },
        }),
    };
    match app.bus.send::<TravelGrant>(&grant, cmd, meta).await {
        Ok(sent) => Ok((id, sent)),
        Err(e) => {
            files::remove(&app.db, FileKind::GrantReceipt, id).await?;
            Err(e.into())
        }
    }
}

/// GRANT-33: records the deletion, then removes the file.
pub async fn delete(
    app: &App,
    conference: Uuid,
    applicant: Uuid,
    receipt: Uuid,
    meta: &Meta,
) -> Result<Sent, ReceiptFlowError> {
    let grant = tessera_aggregates::travel_grant::stream_id(conference, applicant).to_string();
    let cmd = GrantCommand::DeleteReceipt {
        receipt_id: receipt,
    };
    let sent = app.bus.send::<TravelGrant>(&grant, cmd, meta).await?;
    files::remove(&app.db, FileKind::GrantReceipt, receipt).await?;
    Ok(sent)
}

/// GRANT-35: one of `pending` chosen by `roll` (the caller's randomness: a
/// number in 0..len), or None when nothing awaits review.
pub fn pick<T>(mut pending: Vec<T>, roll: impl FnOnce(usize) -> usize) -> Option<T> {
    if pending.is_empty() {
        return None;
    }
    let i = roll(pending.len()).min(pending.len() - 1);
    Some(pending.swap_remove(i))
}

#[cfg(test)]
mod tests {
    use super::pick;

    #[test]
    fn grant_35_the_queue_takes_the_rolled_receipt_and_none_when_empty() {
        assert_eq!(pick(vec![1, 2, 3], |_| 1), Some(2));
        assert_eq!(pick(vec![1, 2, 3], |n| n + 5), Some(3));
        assert_eq!(pick(Vec::<u8>::new(), |_| 0), None);
    }
}
