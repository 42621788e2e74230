//! Receipts of a travel grant (GRANT-29…36): a file beside the log and a fact in
//! the grant's stream.
//!
//! | Step | Reads | Writes |
//! |---|---|---|
//! | check | the grant (GRANT-29 gate), the file's name, size and content: its signature matches its extension and it is whole (GRANT-31) | |
//! | file | | the file store (`[files] root`), sealed under the applicant's key, addressed by the SHA-256 of the sealed bytes |
//! | fact | | `GrantReceiptUploaded` with the file's hashes, size, type and logical name "travel_grant_receipts/<applicant>/<id>.<ext>" (GRANT-36), never its bytes |
//! | undo | | a refused fact removes the file again |
//!
//! Deleting (GRANT-33) records `GrantReceiptDeleted` first, then removes the file:
//! a crash between the two leaves an unreferenced sealed file, never a receipt
//! without its file. A crash between file and fact on upload leaves the same;
//! [`sweep_orphans`] removes such files once older than `[files] orphan_minutes`.
//! Receipts uploaded before the file store are read from `personal_files`.

use std::collections::HashSet;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use tessera_aggregates::travel_grant::{
    GrantCommand, GrantError, ReceiptFile, ReceiptKind, ReceiptUpload, TravelGrant, check_content,
    check_file, receipt_content_type,
};
use tessera_projections::Projection;
use tessera_projections::travel_grants::{GRANTS_PREFIX, GrantRow, TravelGrants};
use uuid::Uuid;

use super::Records;
use crate::bus::BusError;
use crate::outcome::Sent;
use crate::personal::PersonalError;
use crate::personal::files::{self, FileKind, Found, OpenedFile};
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
    #[error("receipt file store: {0}")]
    Disk(#[from] std::io::Error),
}

impl Failure for ReceiptFlowError {
    fn code(&self) -> &'static str {
        match self {
            Self::Refused(e) => e.code(),
            Self::Personal(_) | Self::Store(_) | Self::Disk(_) => "internal",
        }
    }
    fn kind(&self) -> Kind {
        match self {
            Self::Refused(e) => e.kind(),
            Self::Personal(_) | Self::Store(_) | Self::Disk(_) => Kind::Internal,
        }
    }
    fn wrapped(&self) -> Option<&dyn Failure> {
        match self {
            Self::Refused(e) => Some(e),
            _ => None,
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

/// GRANT-29…31, 36: checks the file, stores it sealed, then records the
/// receipt; answers its id. A refusal leaves nothing behind.
pub async fn upload(
    app: &Records,
    conference: Uuid,
    applicant: Uuid,
    new: NewReceipt,
    meta: &Meta,
) -> Result<(Uuid, Sent), ReceiptFlowError> {
    let size = u64::try_from(new.content.len()).unwrap_or(u64::MAX);
    let extension = check_file(&new.file_name, size).map_err(refused)?;
    check_content(&extension, &new.content).map_err(refused)?;
    let grant = TravelGrant::stream(tessera_aggregates::travel_grant::stream_id(
        conference, applicant,
    ));
    let open = app
        .bus
        .inspect(&grant, |g| g.exists().then(|| g.takes_receipts()))
        .await?;
    match open {
        None => return Err(refused(GrantError::NotFound)),
        Some(false) => return Err(refused(GrantError::ReceiptsNotAllowed)),
        Some(true) => {}
    }
    let id = Uuid::new_v4();
    let sha256 = files::sha256_hex(&new.content);
    let sealed = app.personal.seal_bytes(applicant, &new.content).await?;
    drop(new.content);
    let stored = app.files.put(sealed).await?;
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
                size,
                sha256,
                stored: Some(stored.clone()),
                content_type: Some(receipt_content_type(&extension).to_string()),
                name: Some(format!(
                    "travel_grant_receipts/{applicant}/{id}.{extension}"
                )),
                extension,
            },
        }),
    };
    match app.bus.send(&grant, cmd, meta).await {
        Ok(sent) => Ok((id, sent)),
        Err(e) => {
            app.files.remove(&stored).await?;
            Err(e.into())
        }
    }
}

/// GRANT-33: records the deletion, then removes the file.
pub async fn delete(
    app: &Records,
    conference: Uuid,
    applicant: Uuid,
    receipt: Uuid,
    meta: &Meta,
) -> Result<Sent, ReceiptFlowError> {
    let grant = TravelGrant::stream(tessera_aggregates::travel_grant::stream_id(
        conference, applicant,
    ));
    let cmd = GrantCommand::DeleteReceipt {
        receipt_id: receipt,
    };
    let stored = app.bus.inspect(&grant, |g| g.receipt_file(receipt)).await?;
    let sent = app.bus.send(&grant, cmd, meta).await?;
    match stored {
        Some(hash) => app.files.remove(&hash).await?,
        None => files::remove(&app.db, FileKind::GrantReceipt, receipt).await?,
    }
    Ok(sent)
}

/// A receipt's file as stored for `applicant`, opened: from the file store when
/// `row` says where, else from `personal_files` (receipts from before the store).
pub async fn open_file(
    app: &Records,
    applicant: Uuid,
    receipt: Uuid,
    row: Option<&tessera_projections::travel_grants::ReceiptRow>,
) -> Result<Found, ReceiptFlowError> {
    let Some((row, hash)) = row.and_then(|r| r.stored.as_ref().map(|h| (r, h))) else {
        return Ok(files::open(
            &app.db,
            &app.personal,
            FileKind::GrantReceipt,
            receipt,
            applicant,
        )
        .await?);
    };
    let Some(sealed) = app.files.get(hash).await? else {
        return Ok(Found::Missing);
    };
    Ok(match app.personal.open_bytes(applicant, &sealed).await? {
        Some(content) => Found::File(OpenedFile {
            file_name: format!("{}.{}", row.id, row.extension),
            content_type: row
                .content_type
                .clone()
                .unwrap_or_else(|| receipt_content_type(&row.extension).to_string()),
            content,
            sha256: row.sha256.clone(),
        }),
        None => Found::Erased,
    })
}

/// The store addresses of every receipt the log still references.
async fn referenced(app: &Records) -> Result<HashSet<String>, ReceiptFlowError> {
    let rows =
        tessera_replay::storage::live_rows_with_prefix(&app.db, TravelGrants::NAME, GRANTS_PREFIX)
            .await?;
    let mut out = HashSet::new();
    for (_, doc) in rows {
        let row: GrantRow = serde_json::from_str(&doc).map_err(std::io::Error::other)?;
        out.extend(row.receipts.into_iter().filter_map(|r| r.stored));
    }
    Ok(out)
}

/// Removes stored files no receipt references that are older than `[files]
/// orphan_minutes` (left by a crash between file and fact, or between a
/// deletion's fact and its file removal); answers how many went. The age keeps
/// a file whose fact is being recorded right now.
pub async fn sweep_orphans(app: &Records, orphan_minutes: u32) -> Result<usize, ReceiptFlowError> {
    // Everything the projection has not caught up with yet is younger than the
    // age bound; still, read after it settled as far as this instance knows.
    let referenced = referenced(app).await?;
    let age = std::time::Duration::from_secs(u64::from(orphan_minutes) * 60);
    Ok(app.files.sweep(referenced, age).await?)
}

/// The leadership job that sweeps orphan receipt files.
pub const ORPHAN_JOB: &str = "receipt_file_sweeper";

/// Sweeps orphan files at start and then every `[files] orphan_minutes` (at most
/// hourly), under leadership (src/scale.rs).
pub async fn run_orphan_sweeper(app: Records, orphan_minutes: u32) {
    let minutes = u64::from(orphan_minutes).clamp(1, 60);
    let mut ticks = tokio::time::interval(std::time::Duration::from_secs(minutes * 60));
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let app = app.clone();
        // Its own task: a panic ends that sweep, not the sweeper.
        match tokio::spawn(async move { sweep_orphans(&app, orphan_minutes).await }).await {
            Ok(Ok(0)) => {}
            Ok(Ok(n)) => tracing::info!(removed = n, "removed orphan receipt files"),
            Ok(Err(e)) => tracing::error!(error = %e, "receipt file sweep failed"),
            Err(e) => tracing::error!(error = %e, "receipt file sweep panicked"),
        }
    }
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
