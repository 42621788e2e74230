//! A conference's statistics from the stored projection rows (what the API serves),
//! or folded from the log up to a position (what a freeze records and what
//! `tessera replay verify --conference` checks).

use tessera_projections::stats::{self, Sources};
use uuid::Uuid;

use crate::admin::fold_from_zero;
use crate::runner::RunnerError;
use crate::views::all_views;
use crate::{Db, storage};

/// The statistics document from the live projection rows.
pub async fn live(db: &Db, conference_id: Uuid) -> Result<serde_json::Value, RunnerError> {
    let mut sources = Sources::default();
    for read in stats::reads(conference_id) {
        for (key, doc) in storage::live_rows_with_prefix(db, read.projection, &read.prefix).await? {
            sources.insert(read.projection, key, serde_json::from_str(&doc)?);
        }
    }
    Ok(stats::assemble(conference_id, &sources)?)
}

/// The statistics document as the log up to `position` (inclusive) makes it: the
/// projections the stats read, folded from position 0 in memory.
pub async fn replayed(
    db: &Db,
    conference_id: Uuid,
    position: i64,
) -> Result<serde_json::Value, RunnerError> {
    let wanted = stats::projections();
    let mut views: Vec<_> = all_views()
        .into_iter()
        .filter(|v| wanted.contains(&v.name()))
        .collect();
    fold_from_zero(db, &mut views, position).await?;
    let mut sources = Sources::default();
    for view in &views {
        let docs = view.documents()?;
        for read in stats::reads(conference_id) {
            if read.projection != view.name() {
                continue;
            }
            for (key, doc) in docs
                .range(read.prefix.clone()..)
                .take_while(|(k, _)| k.starts_with(&read.prefix))
            {
                sources.insert(read.projection, key.clone(), doc.clone());
            }
        }
    }
    Ok(stats::assemble(conference_id, &sources)?)
}
