//! The connections event appends keep between them (PostgreSQL, src/appenders.rs):
//! an append's connection serves the next append without going back through the
//! pool; a constraint violation keeps it, any other failure closes it; an append
//! that did not run to its end never leaves its connection for the next; at most
//! `keep` are kept; closing the pool does not wait for them. Through the event store:
//! tests/store_append.rs (`appends_land_again_after_the_kept_connection_died`).

mod common;

use std::time::Duration;

use sqlx::PgPool;
use tessera::appenders::AppendConnections;
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
    backend_pid_checked(conn).await.expect("pg_backend_pid")
}

async fn backend_pid_checked(conn: &mut sqlx::PgConnection) -> Result<i32, sqlx::Error> {
    sqlx::query_scalar("SELECT pg_backend_pid()")
        .fetch_one(conn)
        .await
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
    // The server says why it hangs up (a database error of class 57), then the
    // connection fails on the wire.
    let mut broken = vec![];
    for _ in 0..2 {
        let answer = tokio::time::timeout(Duration::from_secs(10), backend_pid_checked(&mut conn))
            .await
            .expect("a dead connection answers with an error");
        broken.push(answer);
    }
    assert!(broken.iter().all(Result::is_err), "{broken:?}");
    let on_the_wire = broken.pop().expect("two answers");
    assert!(
        !matches!(on_the_wire, Err(sqlx::Error::Database(_))),
        "{on_the_wire:?}"
    );
    conn.finish(&on_the_wire);
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
    // The closed ones are no longer counted: two at once are kept again.
    let one = kept.take(&pool).await.expect("the kept one");
    let two = kept.take(&pool).await.expect("one from the pool");
    one.finish(&Ok::<(), sqlx::Error>(()));
    two.finish(&Ok::<(), sqlx::Error>(()));
    assert_eq!(kept.idle(), 2);
    drop(kept);
    finish(pool, name).await;
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
