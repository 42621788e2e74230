//! The caching event store's append, below the command bus: each command of a
//! group commit is answered with the position of ITS last event, the cached
//! sequence follows the stream, a taken sequence is a conflict (and only a taken
//! sequence is), and a failed append leaves nothing cached. These are what the
//! mutation run over `src/store.rs` (docs/mutation-testing.md) found no test for.

mod common;

use std::collections::HashMap;

use chrono::Utc;
use common::{Backend, fresh_db};
use cqrs_es::{AggregateError, EventStore};
use tessera::store::{CachingEventStore, Context};
use tessera_aggregates::activity::{Activity, ActivityDetails, ActivityEvent};
use tessera_replay::Db;

fn updated(name: &str) -> ActivityEvent {
    ActivityEvent::ActivityUpdated {
        details: ActivityDetails {
            name: name.into(),
            ..Default::default()
        },
        at: Utc::now(),
    }
}

fn meta(request: &str) -> HashMap<String, String> {
    HashMap::from([("request_id".to_string(), request.to_string())])
}

/// The rows `sql` selects from the events of activity `id` (bound as `$1`).
async fn of_activity<T>(db: &Db, sql: &str, id: &str) -> Vec<T>
where
    T: Send + Unpin,
    for<'r> T:
        sqlx::FromRow<'r, sqlx::postgres::PgRow> + sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>,
{
    match db {
        Db::Postgres(p) => sqlx::query_as(sql).bind(id).fetch_all(p).await,
        Db::Sqlite(p) => {
            sqlx::query_as(&sql.replace("$1", "?"))
                .bind(id)
                .fetch_all(p)
                .await
        }
    }
    .expect("read the stream")
}

/// `(sequence, position)` of every event of activity `id`, in sequence order.
async fn stored(db: &Db, id: &str) -> Vec<(i64, i64)> {
    let sql = "SELECT sequence, position FROM events \
               WHERE aggregate_type = 'activity' AND aggregate_id = $1 ORDER BY sequence";
    of_activity(db, sql, id).await
}

async fn close(db: Db, pg: Option<String>) {
    match db {
        Db::Postgres(p) => p.close().await,
        Db::Sqlite(p) => p.close().await,
    }
    if let Some(name) = pg {
        common::drop_postgres(&name).await;
    }
}

/// A context of `id` as cached in its slot (what the bus decides on).
async fn context(store: &CachingEventStore<Activity>, id: &str) -> Context<Activity> {
    let mut slot = store.lock(id).await;
    store.load(id, &mut slot).await.expect("load")
}

/// A group commit answers each command with the position of its own last event
/// (None for a command that wrote nothing), writes consecutive sequences, and
/// keeps the context at the last of them: the next append follows on.
async fn a_group_commit_answers_each_command_with_its_last_position(b: Backend) {
    let (db, _, _dir, pg) = fresh_db(b).await;
    let store = CachingEventStore::<Activity>::new(&db);
    let id = "activity-store-1";
    let ctx = context(&store, id).await;
    assert_eq!(ctx.current_sequence, 0);
    let batch = vec![
        (vec![updated("a"), updated("b"), updated("c")], meta("one")),
        (vec![], meta("two")),
        (vec![updated("d"), updated("e")], meta("three")),
    ];
    let mut slot = store.lock(id).await;
    let positions = store
        .append_batch(batch, ctx, &mut slot)
        .await
        .expect("append the group");
    let log = stored(&db, id).await;
    let sequences: Vec<i64> = log.iter().map(|(s, _)| *s).collect();
    assert_eq!(sequences, vec![1, 2, 3, 4, 5]);
    assert_eq!(positions, vec![Some(log[2].1), None, Some(log[4].1)]);
    // The slot holds the context at the stream's last sequence.
    assert_eq!(slot.as_ref().map(|(_, seq)| *seq), Some(5));
    let ctx = CachingEventStore::take(id, &mut slot).expect("cached context");
    let position = store
        .append(vec![updated("f")], ctx, meta("four"), &mut slot)
        .await
        .expect("append after the group");
    let log = stored(&db, id).await;
    assert_eq!(log.len(), 6);
    assert_eq!(log[5].0, 6);
    assert_eq!(position, Some(log[5].1));
    assert_eq!(slot.as_ref().map(|(_, seq)| *seq), Some(6));
    // Nothing to write: the context goes back untouched and nothing is answered.
    let ctx = CachingEventStore::take(id, &mut slot).expect("cached context");
    let positions = store
        .append_batch(vec![(vec![], meta("five"))], ctx, &mut slot)
        .await
        .expect("empty group");
    assert_eq!(positions, vec![None]);
    assert_eq!(slot.as_ref().map(|(_, seq)| *seq), Some(6));
    drop(slot);
    // The trait's commit answers the envelopes it wrote, after the context.
    let ctx = store.load_aggregate(id).await.expect("load aggregate");
    assert_eq!(ctx.current_sequence, 6);
    let envelopes = store
        .commit(vec![updated("g"), updated("h")], ctx, meta("six"))
        .await
        .expect("commit");
    let sequences: Vec<usize> = envelopes.iter().map(|e| e.sequence).collect();
    assert_eq!(sequences, vec![7, 8]);
    let loaded = store.load_events(id).await.expect("load events");
    assert_eq!(loaded.len(), 8);
    assert_eq!(stored(&db, id).await.len(), 8);
    close(db, pg).await;
}

/// A context behind the stream (another instance appended meanwhile) is refused
/// as a conflict, writes nothing, and leaves the slot empty so the next user reads
/// the stream again; a fresh load then appends after the other writer's events.
async fn a_taken_sequence_is_a_conflict_and_nothing_stays_cached(b: Backend) {
    let (db, _, _dir, pg) = fresh_db(b).await;
    let here = CachingEventStore::<Activity>::new(&db);
    let there = CachingEventStore::<Activity>::new(&db);
    let id = "activity-store-2";
    let stale = context(&here, id).await;
    let ctx = context(&there, id).await;
    let mut slot = there.lock(id).await;
    there
        .append(vec![updated("there")], ctx, meta("there"), &mut slot)
        .await
        .expect("the other instance appends");
    drop(slot);
    let mut slot = here.lock(id).await;
    let refused = here
        .append(vec![updated("here")], stale, meta("here"), &mut slot)
        .await;
    assert!(
        matches!(refused, Err(AggregateError::AggregateConflict)),
        "a taken sequence is a conflict: {refused:?}"
    );
    assert!(slot.is_none(), "a failed append leaves nothing cached");
    assert_eq!(stored(&db, id).await.len(), 1);
    let fresh = here.load(id, &mut slot).await.expect("reload");
    assert_eq!(fresh.current_sequence, 1);
    here.append(vec![updated("here")], fresh, meta("here"), &mut slot)
        .await
        .expect("append after reloading");
    assert_eq!(
        stored(&db, id)
            .await
            .iter()
            .map(|(s, _)| *s)
            .collect::<Vec<_>>(),
        vec![1, 2]
    );
    drop(slot);
    // The cache of the other instance catches up on read.
    let name = there
        .read(id, |a: &Activity| a.details().name.clone())
        .await
        .expect("read");
    assert_eq!(name, "here");
    close(db, pg).await;
}

/// Any other database error is an error, not a conflict: the bus retries a
/// conflict, and retrying a refused insert would only hide it.
async fn only_a_taken_sequence_is_a_conflict(b: Backend) {
    let (db, _, _dir, pg) = fresh_db(b).await;
    let refuse = match &db {
        Db::Postgres(p) => sqlx::raw_sql(
            "CREATE FUNCTION test_refuse() RETURNS trigger LANGUAGE plpgsql AS $f$ \
             BEGIN RAISE EXCEPTION 'refused by the test'; END $f$; \
             CREATE TRIGGER test_refuse BEFORE INSERT ON events \
             FOR EACH ROW EXECUTE FUNCTION test_refuse();",
        )
        .execute(p)
        .await
        .map(|_| ()),
        Db::Sqlite(p) => sqlx::raw_sql(
            "CREATE TRIGGER test_refuse BEFORE INSERT ON events \
             BEGIN SELECT RAISE(ABORT, 'refused by the test'); END;",
        )
        .execute(p)
        .await
        .map(|_| ()),
    };
    refuse.expect("create the refusing trigger");
    let store = CachingEventStore::<Activity>::new(&db);
    let id = "activity-store-3";
    let ctx = context(&store, id).await;
    let mut slot = store.lock(id).await;
    let refused = store
        .append(vec![updated("x")], ctx, meta("x"), &mut slot)
        .await;
    assert!(
        matches!(refused, Err(AggregateError::DatabaseConnectionError(_))),
        "a refused insert is an error: {refused:?}"
    );
    assert!(slot.is_none());
    drop(slot);
    close(db, pg).await;
}

/// The stored text of an event is the JSON of the event (the same value cqrs-es's
/// `SerializedEvent` holds), and its metadata is written with sorted keys, as
/// before events were serialized straight to text.
async fn the_stored_text_is_the_events_json(b: Backend) {
    let (db, _, _dir, pg) = fresh_db(b).await;
    let store = CachingEventStore::<Activity>::new(&db);
    let id = "activity-store-text";
    let event = updated("stored as JSON");
    let ctx = store.load_aggregate(id).await.expect("load");
    let metadata = HashMap::from([
        ("request_id".to_string(), "r-1".to_string()),
        ("conference_id".to_string(), "c-1".to_string()),
        ("actor".to_string(), "a-1".to_string()),
    ]);
    store
        .commit(vec![event.clone()], ctx, metadata.clone())
        .await
        .expect("append");
    let sql = "SELECT CAST(payload AS TEXT), CAST(metadata AS TEXT) FROM events \
               WHERE aggregate_type = 'activity' AND aggregate_id = $1";
    let mut rows: Vec<(String, String)> = of_activity(&db, sql, id).await;
    let (payload, meta) = rows.pop().expect("the event");
    let stored: serde_json::Value = serde_json::from_str(&payload).expect("payload is JSON");
    assert_eq!(stored, serde_json::to_value(&event).expect("event as JSON"));
    assert_eq!(
        meta,
        serde_json::to_value(&metadata)
            .expect("metadata")
            .to_string()
    );
    assert_eq!(
        meta,
        r#"{"actor":"a-1","conference_id":"c-1","request_id":"r-1"}"#
    );
    close(db, pg).await;
}

/// Through the event store: consecutive appends of one aggregate all land; after
/// every server process of the database dies (the kept connection's among them),
/// appends land again within a few tries: a dead connection is not kept.
#[tokio::test]
async fn appends_land_again_after_the_kept_connection_died() {
    if !common::postgres_available().await {
        return;
    }
    let (db, _, _, name) = fresh_db(Backend::Postgres).await;
    let Db::Postgres(pool) = db.clone() else {
        panic!("a PostgreSQL database");
    };
    let store = CachingEventStore::<Activity>::new(&db);
    let id = "activity-kept-1";
    for i in 0..5 {
        let ctx = store.load_aggregate(id).await.expect("load");
        store
            .commit(vec![updated(&format!("n{i}"))], ctx, meta("r"))
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
                .commit(vec![updated(&format!("after{i}"))], ctx, meta("r"))
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
    close(db, name).await;
}

on_both_backends!(
    the_stored_text_is_the_events_json,
    a_group_commit_answers_each_command_with_its_last_position,
    a_taken_sequence_is_a_conflict_and_nothing_stays_cached,
    only_a_taken_sequence_is_a_conflict,
);
