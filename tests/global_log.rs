//! The global log: a reader tailing it sees every committed event exactly once, in
//! position order, even when transactions commit out of position order
//! (PostgreSQL identity columns) or roll back (permanent holes).

mod common;

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use common::{Backend, drop_postgres, fresh_db};
use rand::Rng;
use sqlx::PgPool;
use tessera_replay::{Db, LogReader};

async fn insert(tx: &mut sqlx::PgConnection, stream: &str, seq: i64) -> i64 {
    sqlx::query_scalar(
        "INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata) \
         VALUES ('test', $1, $2, 'Tested', '1', '{\"Tested\":{}}', '{}') RETURNING position",
    )
    .bind(stream)
    .bind(seq)
    .fetch_one(tx)
    .await
    .expect("insert event")
}

async fn read_all(reader: &mut LogReader, after: &mut i64, seen: &mut Vec<i64>) -> bool {
    let batch = reader.read_after(*after, 1000).await.expect("read");
    for e in &batch.events {
        seen.push(e.position);
        *after = e.position;
    }
    batch.waiting_on_gap
}

/// A transaction takes a position, stays open while a later one commits; the
/// protected reader waits for it, the naive reader skips it for ever.
#[tokio::test]
async fn log_reader_never_skips_an_event_that_commits_late() {
    if !common::postgres_available().await {
        return;
    }
    let (db, _, _, name) = fresh_db(Backend::Postgres).await;
    let Db::Postgres(pool) = &db else {
        unreachable!()
    };
    let mut slow = pool.begin().await.expect("begin");
    let early = insert(&mut slow, "slow", 1).await;
    let mut fast = pool.begin().await.expect("begin");
    let late = insert(&mut fast, "fast", 1).await;
    fast.commit().await.expect("commit");
    assert!(early < late);

    let mut protected = LogReader::new(db.clone());
    let mut naive = LogReader::without_gap_protection(db.clone());
    let (mut p_at, mut n_at) = (0, 0);
    let (mut p_seen, mut n_seen) = (vec![], vec![]);
    let waiting = read_all(&mut protected, &mut p_at, &mut p_seen).await;
    read_all(&mut naive, &mut n_at, &mut n_seen).await;
    assert!(
        p_seen.is_empty(),
        "the reader must not pass an open transaction's position"
    );
    assert!(waiting, "the reader says it is waiting on a gap");
    assert_eq!(n_seen, vec![late], "the naive reader jumps ahead");

    slow.commit().await.expect("commit");
    read_all(&mut protected, &mut p_at, &mut p_seen).await;
    read_all(&mut naive, &mut n_at, &mut n_seen).await;
    assert_eq!(p_seen, vec![early, late]);
    assert_eq!(n_seen, vec![late], "the naive reader lost the late commit");
    pool.close().await;
    drop_postgres(&name.unwrap_or_default()).await;
}

/// Rolled-back positions are holes for ever: the reader passes them once every
/// transaction that could own them has ended.
#[tokio::test]
async fn log_reader_passes_rolled_back_holes() {
    if !common::postgres_available().await {
        return;
    }
    let (db, _, _, name) = fresh_db(Backend::Postgres).await;
    let Db::Postgres(pool) = &db else {
        unreachable!()
    };
    let mut aborted = pool.begin().await.expect("begin");
    let hole = insert(&mut aborted, "aborted", 1).await;
    aborted.rollback().await.expect("rollback");
    let mut tx = pool.begin().await.expect("begin");
    let after_hole = insert(&mut tx, "kept", 1).await;
    tx.commit().await.expect("commit");
    let mut reader = LogReader::new(db.clone());
    let (mut at, mut seen) = (0, vec![]);
    // The hole is passed once every transaction older than it has ended, anywhere
    // on the server (other tests' included): allow up to 15 s for that.
    for _ in 0..3000 {
        read_all(&mut reader, &mut at, &mut seen).await;
        if !seen.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert!(hole < after_hole);
    assert_eq!(seen, vec![after_hole]);
    pool.close().await;
    drop_postgres(&name.unwrap_or_default()).await;
}

async fn writer(pool: PgPool, id: usize, events: usize) -> Vec<i64> {
    let mut committed = vec![];
    let mut seq = 0;
    for i in 0..events {
        let mut tx = pool.begin().await.expect("begin");
        seq += 1;
        let position = insert(&mut tx, &format!("writer-{id}"), seq).await;
        let (hold, abort) = {
            let mut rng = rand::thread_rng();
            // Some writers hold their transaction open while others commit.
            let hold = if rng.gen_ratio(1, 4) {
                rng.gen_range(1..15)
            } else {
                0
            };
            (hold, rng.gen_ratio(1, 20))
        };
        if hold > 0 {
            tokio::time::sleep(Duration::from_millis(hold)).await;
        }
        if abort && i % 2 == 0 {
            tx.rollback().await.expect("rollback");
            seq -= 1;
        } else {
            tx.commit().await.expect("commit");
            committed.push(position);
        }
    }
    committed
}

/// Many concurrent writers (some holding transactions open, some rolling back)
/// and one reader tailing the log: every committed event exactly once, in order.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_tailing_reader_sees_every_event_once_in_position_order() {
    if !common::postgres_available().await {
        return;
    }
    let (db, _, _, name) = fresh_db(Backend::Postgres).await;
    let Db::Postgres(pool) = &db else {
        unreachable!()
    };
    let done = Arc::new(AtomicBool::new(false));
    let reader = {
        let db = db.clone();
        let done = done.clone();
        tokio::spawn(async move {
            let mut reader = LogReader::new(db.clone());
            let (mut at, mut seen) = (0, vec![]);
            loop {
                let finished = done.load(Ordering::SeqCst);
                let waiting = read_all(&mut reader, &mut at, &mut seen).await;
                if finished && !waiting && at >= db.head().await.unwrap_or(0) {
                    // One more read after the writers finished and the head was reached.
                    let (mut extra_at, mut extra) = (at, vec![]);
                    read_all(&mut reader, &mut extra_at, &mut extra).await;
                    seen.extend(extra);
                    return seen;
                }
                tokio::time::sleep(Duration::from_micros(200)).await;
            }
        })
    };
    let mut writers = vec![];
    for id in 0..16 {
        writers.push(tokio::spawn(writer(pool.clone(), id, 40)));
    }
    let mut committed = vec![];
    for w in writers {
        committed.extend(w.await.expect("writer"));
    }
    done.store(true, Ordering::SeqCst);
    let seen = tokio::time::timeout(Duration::from_secs(60), reader)
        .await
        .expect("reader finishes")
        .expect("reader task");
    committed.sort();
    assert!(
        seen.windows(2).all(|w| w[0] < w[1]),
        "strictly increasing positions"
    );
    let unique: HashSet<i64> = seen.iter().copied().collect();
    assert_eq!(unique.len(), seen.len(), "no event twice");
    assert_eq!(seen, committed, "every committed event, nothing else");
    pool.close().await;
    drop_postgres(&name.unwrap_or_default()).await;
}

/// SQLite has one writer: positions follow commit order and the reader reads them
/// in order.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_positions_follow_commit_order() {
    let (db, _, _dir, _) = fresh_db(Backend::Sqlite).await;
    let Db::Sqlite(pool) = &db else {
        unreachable!()
    };
    let mut tasks = vec![];
    for w in 0..8 {
        let pool = pool.clone();
        tasks.push(tokio::spawn(async move {
            for seq in 1..=25 {
                sqlx::query(
                    "INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata) \
                     VALUES ('test', ?, ?, 'Tested', '1', '{\"Tested\":{}}', '{}')",
                )
                .bind(format!("w{w}"))
                .bind(seq)
                .execute(&pool)
                .await
                .expect("insert");
            }
        }));
    }
    for t in tasks {
        t.await.expect("task");
    }
    let mut reader = LogReader::new(db.clone());
    let (mut at, mut seen) = (0, vec![]);
    read_all(&mut reader, &mut at, &mut seen).await;
    assert_eq!(seen, (1..=200).collect::<Vec<i64>>());
}
