//! `tessera bench audit`: export and verify speed, in events/s.

use std::io::{BufReader, Write};
use std::process::ExitCode;
use std::time::Instant;

use tessera_aggregates::natural_id;

use super::{drop_scratch, scratch, seed_log};
use crate::audit::{Exporter, verify};
use crate::server::open_db;

pub async fn audit(events: i64, database_url: Option<String>) -> anyhow::Result<ExitCode> {
    let (url, cleanup) = match database_url {
        Some(u) => (u, None),
        None => scratch("postgres").await?,
    };
    let db = open_db(&url).await?;
    println!("bench audit: seeding {events} events of one conference…");
    seed_log(&db, events).await?;
    let conference = natural_id("conference", "bench");
    let dir = std::env::temp_dir().join(format!(
        "tessera_bench_audit_{}.jsonl",
        chrono::Utc::now().timestamp_micros()
    ));

    let t = Instant::now();
    let mut exporter = Exporter::start(db.clone(), "bench", conference, false).await?;
    let mut file = std::io::BufWriter::new(std::fs::File::create(&dir)?);
    while let Some(chunk) = exporter.next_chunk().await? {
        file.write_all(chunk.as_bytes())?;
    }
    file.flush()?;
    let export_s = t.elapsed().as_secs_f64();

    let t = Instant::now();
    let v = verify(BufReader::new(std::fs::File::open(&dir)?), None).await?;
    let verify_s = t.elapsed().as_secs_f64();

    let t = Instant::now();
    verify(BufReader::new(std::fs::File::open(&dir)?), Some(&db)).await?;
    let against_s = t.elapsed().as_secs_f64();

    let n = v.count as f64;
    println!(
        "export:                     {} events, {:>10.0} events/s",
        v.count,
        n / export_s
    );
    println!(
        "verify (chain):             {} events, {:>10.0} events/s",
        v.count,
        n / verify_s
    );
    println!(
        "verify --against-database:  {} events, {:>10.0} events/s",
        v.count,
        n / against_s
    );
    // Statistics as of the middle of the history. A serving instance's
    // checkpointer folds the conference's events once, ahead of any question,
    // storing a checkpoint every `CHECKPOINT_EVERY` events (timed here); every
    // answer then starts from the nearest checkpoint.
    let t = Instant::now();
    tessera_replay::stats::keep_checkpoints(
        &db,
        conference,
        tessera_replay::stats::CHECKPOINT_EVERY,
    )
    .await?;
    let checkpoint_s = t.elapsed().as_secs_f64();
    println!(
        "as-of checkpoints (background job, once): {:.1} s, {:>10.0} events/s",
        checkpoint_s,
        n / checkpoint_s
    );
    // The first question lands just before the next checkpoint (the most to
    // fold: CHECKPOINT_EVERY − 1 events), the next ones around the middle.
    let middle = (v.count as i64 / 2).max(1);
    let worst = middle + tessera_replay::stats::CHECKPOINT_EVERY as i64 - 1;
    let t = Instant::now();
    tessera_replay::stats::as_of(&db, conference, Some(worst), None).await?;
    let first_ms = t.elapsed().as_secs_f64() * 1000.0;
    let mut times = vec![];
    for i in 0..5 {
        let t = Instant::now();
        tessera_replay::stats::as_of(&db, conference, Some(middle - i * 997), None).await?;
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    println!(
        "stats as of position {worst}: first answer {first_ms:.0} ms (from the nearest \
         checkpoint); then ~{middle}: median {:.0} ms, slowest {:.0} ms (5 positions)",
        times[2], times[4]
    );
    let _ = std::fs::remove_file(&dir);
    drop_scratch(db, cleanup).await;
    Ok(ExitCode::SUCCESS)
}
