//! The lazy checkpoint of the idempotent log consumers (the process managers, the
//! notifications outbox): not stored while busy and not yet due, stored when due
//! or when the consumer asks (the log went quiet), never moved backwards, and
//! never written over another consumer's move, which it reports instead.

mod common;

use std::time::Duration;

use common::{Backend, fresh_db};
use tessera_replay::Db;
use tessera_replay::storage::{self, LazyCheckpoint, Stored};

const NAME: &str = "lazy_checkpoint_test";
const EVERY: Duration = Duration::from_millis(200);

/// The stored position of the live generation.
async fn stored(db: &Db) -> i64 {
    storage::generations(db)
        .await
        .expect("generations")
        .into_iter()
        .find(|g| g.name == NAME)
        .map(|g| g.position)
        .expect("the checkpoint row")
}

async fn stored_when_due_or_asked_and_never_over_another_consumer(b: Backend) {
    let (db, _, _dir, pg) = fresh_db(b).await;
    let mut mine = LazyCheckpoint::load(&db, NAME, 1, EVERY)
        .await
        .expect("load");
    assert_eq!(mine.stored, 0);
    // Busy and not due: nothing is written.
    assert_eq!(
        mine.store(&db, 5, false).await.expect("store"),
        Stored::NotDue
    );
    assert_eq!(stored(&db).await, 0);
    // Asked: written at once.
    assert_eq!(
        mine.store(&db, 5, true).await.expect("store"),
        Stored::Stored
    );
    assert_eq!((mine.stored, stored(&db).await), (5, 5));
    // Never backwards, nor again for the same position.
    assert_eq!(
        mine.store(&db, 5, true).await.expect("store"),
        Stored::NotDue
    );
    assert_eq!(
        mine.store(&db, 3, true).await.expect("store"),
        Stored::NotDue
    );
    assert_eq!(stored(&db).await, 5);
    // Busy but due: written.
    assert_eq!(
        mine.store(&db, 7, false).await.expect("store"),
        Stored::NotDue
    );
    tokio::time::sleep(EVERY + Duration::from_millis(50)).await;
    assert_eq!(
        mine.store(&db, 9, false).await.expect("store"),
        Stored::Stored
    );
    assert_eq!(stored(&db).await, 9);

    // Another consumer (a new leader) moves it on: this one is told where to
    // resume and writes nothing over it.
    let mut other = LazyCheckpoint::load(&db, NAME, 1, EVERY)
        .await
        .expect("load");
    assert_eq!(other.stored, 9);
    assert_eq!(
        other.store(&db, 20, true).await.expect("store"),
        Stored::Stored
    );
    assert_eq!(
        mine.store(&db, 12, true).await.expect("store"),
        Stored::Moved(20)
    );
    assert_eq!((mine.stored, stored(&db).await), (20, 20));
    // And it goes on from there.
    assert_eq!(
        mine.store(&db, 25, true).await.expect("store"),
        Stored::Stored
    );
    assert_eq!(stored(&db).await, 25);

    match db {
        Db::Postgres(p) => p.close().await,
        Db::Sqlite(p) => p.close().await,
    }
    if let Some(name) = pg {
        common::drop_postgres(&name).await;
    }
}

on_both_backends!(stored_when_due_or_asked_and_never_over_another_consumer,);
