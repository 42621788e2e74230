//! Helpers of the log and concurrency-guard tests (not a test target of its own).
#![allow(dead_code)]

use tessera_replay::Db;

/// Makes the appends of rows matching `condition` (SQL over `NEW`) slow on both
/// sides of the moment the row takes its transaction id: `seconds` after its
/// position default was drawn (BEFORE INSERT), and `seconds` after the row was
/// inserted (AFTER INSERT, before the commit). A test-only trigger on the test's
/// own database: production has none.
pub async fn slow_appends(db: &Db, condition: &str, seconds: f64) {
    let Db::Postgres(pool) = db else {
        panic!("slow appends are a PostgreSQL trigger");
    };
    let sql = format!(
        "CREATE FUNCTION test_slow_append() RETURNS trigger LANGUAGE plpgsql AS $f$ \
         BEGIN IF {condition} THEN PERFORM pg_sleep({seconds}); END IF; RETURN NEW; END $f$; \
         CREATE TRIGGER test_slow_before BEFORE INSERT ON events \
         FOR EACH ROW EXECUTE FUNCTION test_slow_append(); \
         CREATE TRIGGER test_slow_after AFTER INSERT ON events \
         FOR EACH ROW EXECUTE FUNCTION test_slow_append();"
    );
    sqlx::raw_sql(&sql)
        .execute(pool)
        .await
        .expect("create the slow-append trigger");
}

/// Every position the log holds, in order.
pub async fn all_positions(db: &Db) -> Vec<i64> {
    let sql = "SELECT position FROM events ORDER BY position";
    match db {
        Db::Postgres(p) => sqlx::query_scalar(sql).fetch_all(p).await,
        Db::Sqlite(p) => sqlx::query_scalar(sql).fetch_all(p).await,
    }
    .expect("read positions")
}
