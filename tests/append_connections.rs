//! The connections event appends keep between them (PostgreSQL, src/appenders.rs):
//! an append's connection serves the next append without going back through the
//! pool; a refusal by the database keeps it; an append that did not run to its
//! end never leaves its connection for the next; at most `keep` are kept; closing
//! the pool does not wait for them; and a kept connection that died costs one
//! failed append, not the next ones.

mod common;

use std::collections::HashMap;
use std::time::Duration;

use chrono::Utc;
use cqrs_es::{AggregateError, EventStore};
use sqlx::PgPool;
use tessera::appenders::AppendConnections;
use tessera::store::CachingEventStore;
use tessera_aggregates::activity::{Activity, ActivityDetails, ActivityEvent};
use tessera_replay::Db;

/// A fresh database's pool (None: PostgreSQL is not here and may be skipped).
async fn pool() -> Option<(PgPool, String)> {
    if !common::postgres_available().await {
        return None;
    }
    let (db, _, _, name) = common::fresh_db(common::Backend::Postgres).await;
    match (db, name) {
        (Db::Postgres(p), Some(name)) => Some((p, name)),
        _ => panic!("a PostgreSQL database"),
    }
}

/// The server process behind the connection: the same pid is the same connection.
async fn backend_pid(conn: &mut sqlx::PgConnection) -> i32 {
    sqlx::query_scalar("SELECT pg_backend_pid()")
        .fetch_one(conn)
        .await
        .expect("pg_backend_pid")
}

async fn finish(pool: PgPool, name: String) {
    tokio::time::timeout(Duration::from_secs(10), pool.close())
        .await
        .expect("closing the pool does not wait for kept connections");
    common::drop_postgres(&name).await;
}

#[tokio::test]
async fn an_append_connection_serves_the_next_append_and_a_refusal_keeps_it() {
    let Some((pool, name)) = pool().await else {
        return;
    };
    let kept = AppendConnections::keeping(2);
    let mut conn = kept.take(&pool).await.expect("take");
    let first = backend_pid(&mut conn).await;
    let answered: Result<i32, sqlx::Error> = Ok(first);
    conn.finish(&answered);
    assert_eq!(kept.idle(), 1);
    // Taken out of the pool: it no longer counts there.
    let in_pool = pool.size();

    let mut conn = kept.take(&pool).await.expect("take again");
    assert_eq!(kept.idle(), 0);
    assert_eq!(backend_pid(&mut conn).await, first, "the kept connection");
    // A constraint violation (what a taken sequence is) leaves the connection
    // usable: kept.
    sqlx::query("CREATE TABLE taken (id int PRIMARY KEY)")
        .execute(&pool)
        .await
        .expect("create table");
    let insert = "INSERT INTO taken VALUES (1) RETURNING id";
    let once: i32 = sqlx::query_scalar(insert)
        .fetch_one(&mut *conn)
        .await
        .expect("first insert");
    assert_eq!(once, 1);
    let refused: Result<i32, sqlx::Error> = sqlx::query_scalar(insert).fetch_one(&mut *conn).await;
    assert!(
        matches!(refused, Err(sqlx::Error::Database(_))),
        "{refused:?}"
    );
    conn.finish(&refused);
    assert_eq!(kept.idle(), 1);
    let mut conn = kept.take(&pool).await.expect("take after the refusal");
    assert_eq!(backend_pid(&mut conn).await, first);
    assert_eq!(pool.size(), in_pool, "no pool connection was borrowed");
    // Any other failure reported by the server closes it.
    let other: Result<i32, sqlx::Error> = sqlx::query_scalar("SELECT 1 / 0")
        .fetch_one(&mut *conn)
        .await;
    assert!(matches!(other, Err(sqlx::Error::Database(_))), "{other:?}");
    conn.finish(&other);
    assert_eq!(kept.idle(), 0);
    drop(kept);
    finish(pool, name).await;
}

#[tokio::test]
async fn an_append_that_did_not_run_to_its_end_leaves_nothing_for_the_next() {
    let Some((pool, name)) = pool().await else {
        return;
    };
    let kept = AppendConnections::keeping(2);
    // Dropped before it finished (an append cancelled midway): not kept.
    let mut conn = kept.take(&pool).await.expect("take");
    backend_pid(&mut conn).await;
    drop(conn);
    assert_eq!(kept.idle(), 0);
    // A kept connection that failed on the wire: not kept either.
    let mut conn = kept.take(&pool).await.expect("take");
    let pid = backend_pid(&mut conn).await;
    conn.finish(&Ok::<(), sqlx::Error>(()));
    assert_eq!(kept.idle(), 1);
    let mut conn = kept.take(&pool).await.expect("take the kept one");
    sqlx::query("SELECT pg_terminate_backend($1)")
        .bind(pid)
        .execute(&pool)
        .await
        .expect("terminate the kept connection's server process");
    let broken = tokio::time::timeout(Duration::from_secs(10), backend_pid_checked(&mut conn))
        .await
        .expect("a dead connection answers with an error");
    assert!(broken.is_err(), "{broken:?}");
    conn.finish(&broken);
    assert_eq!(
        kept.idle(),
        0,
        "a connection that failed on the wire is closed"
    );
    // The next take borrows a live connection again.
    let mut conn = kept.take(&pool).await.expect("take after the failure");
    let fresh = backend_pid(&mut conn).await;
    assert_ne!(fresh, pid);
    conn.finish(&Ok::<(), sqlx::Error>(()));
    drop(kept);
    finish(pool, name).await;
}

async fn backend_pid_checked(conn: &mut sqlx::PgConnection) -> Result<i32, sqlx::Error> {
    sqlx::query_scalar("SELECT pg_backend_pid()")
        .fetch_one(conn)
        .await
}

#[tokio::test]
async fn at_most_keep_connections_are_kept_and_closing_the_pool_does_not_wait_for_them() {
    let Some((pool, name)) = pool().await else {
        return;
    };
    let kept = AppendConnections::keeping(2);
    let mut taken = vec![];
    for _ in 0..4 {
        taken.push(kept.take(&pool).await.expect("take"));
    }
    for conn in taken {
        conn.finish(&Ok::<(), sqlx::Error>(()));
    }
    assert_eq!(kept.idle(), 2);
    // Two kept while the pool closes: `finish` times the close out.
    let pool_closing = pool.clone();
    finish(pool_closing, name).await;
    drop(kept);
    drop(pool);
}

fn updated(name: &str) -> ActivityEvent {
    ActivityEvent::ActivityUpdated {
        details: ActivityDetails {
            name: name.into(),
            ..Default::default()
        },
        at: Utc::now(),
    }
}

/// Through the event store: consecutive appends of one aggregate all land; after
/// every server process of the database dies (the kept connection's among them),
/// appends land again within a few tries: a dead connection is not kept.
#[tokio::test]
async fn the_event_store_appends_on_its_kept_connection() {
    let Some((pool, name)) = pool().await else {
        return;
    };
    let db = Db::Postgres(pool.clone());
    let store = CachingEventStore::<Activity>::new(&db);
    let id = "activity-kept-1";
    let meta = HashMap::from([("request_id".to_string(), "r".to_string())]);
    for i in 0..5 {
        let ctx = store.load_aggregate(id).await.expect("load");
        store
            .commit(vec![updated(&format!("n{i}"))], ctx, meta.clone())
            .await
            .expect("append");
    }
    let count: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM events WHERE aggregate_type = 'activity' AND aggregate_id = $1",
    )
    .bind(id)
    .fetch_one(&pool)
    .await
    .expect("count events");
    assert_eq!(count, 5);

    // Kill every other server process of this database (the kept connection's).
    sqlx::query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = current_database() AND pid <> pg_backend_pid()",
    )
    .execute(&pool)
    .await
    .expect("terminate");
    // The dead connections (kept and pooled) fail what runs on them and are
    // closed; an append lands within a few tries, and none is taken for a
    // conflict.
    let mut outcomes = vec![];
    for i in 0..5 {
        let outcome = match store.load_aggregate(id).await {
            Ok(ctx) => store
                .commit(vec![updated(&format!("after{i}"))], ctx, meta.clone())
                .await
                .map(|_| ()),
            Err(e) => Err(e),
        };
        let landed = outcome.is_ok();
        outcomes.push(outcome);
        if landed {
            break;
        }
    }
    assert!(
        matches!(outcomes.last(), Some(Ok(()))),
        "an append lands after the connections died: {outcomes:?}"
    );
    assert!(
        outcomes
            .iter()
            .all(|o| !matches!(o, Err(AggregateError::AggregateConflict))),
        "{outcomes:?}"
    );
    drop(store);
    finish(pool, name).await;
}
