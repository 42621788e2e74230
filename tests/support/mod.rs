//! Helpers of the log and concurrency-guard tests (not a test target of its own).
#![allow(dead_code)]

use tessera_replay::Db;

/// Makes the appends whose FIRST row matches `condition` (SQL over `NEW`) slow on
/// both sides of the moment the append takes its transaction id: `seconds` (SQL
/// too) after the first row's position default was drawn (BEFORE INSERT), and as
/// long again after the rows were inserted (AFTER INSERT, before the commit).
///
/// Only a first row: it is the one whose position can be drawn before the
/// transaction has an id (the next rows' positions are drawn after the first row's
/// insert took one). Slow appends run one at a time (a transaction-scoped advisory
/// lock, which takes no transaction id), so while one sleeps with its transaction
/// id no other slow append holds an older one: whatever the concurrency, a reader
/// meets the worst case at every slow append. A test-only trigger on the test's
/// own database: production has none.
pub async fn slow_appends(db: &Db, condition: &str, seconds: &str) {
    let Db::Postgres(pool) = db else {
        panic!("slow appends are a PostgreSQL trigger");
    };
    let sql = format!(
        "CREATE FUNCTION test_slow_first_row() RETURNS trigger LANGUAGE plpgsql AS $f$ \
         BEGIN \
           IF COALESCE(current_setting('test.slow_append', true), '') = '' THEN \
             IF {condition} THEN \
               PERFORM set_config('test.slow_append', ({seconds})::text, true); \
               PERFORM pg_advisory_xact_lock(7215); \
               PERFORM pg_sleep({seconds}); \
             ELSE \
               PERFORM set_config('test.slow_append', 'no', true); \
             END IF; \
           END IF; \
           RETURN NEW; \
         END $f$; \
         CREATE FUNCTION test_slow_commit() RETURNS trigger LANGUAGE plpgsql AS $f$ \
         DECLARE pause text := current_setting('test.slow_append', true); \
         BEGIN \
           IF pause NOT IN ('', 'no', 'done') THEN \
             PERFORM set_config('test.slow_append', 'done', true); \
             PERFORM pg_sleep(pause::float8); \
           END IF; \
           RETURN NEW; \
         END $f$; \
         CREATE TRIGGER test_slow_before BEFORE INSERT ON events \
         FOR EACH ROW EXECUTE FUNCTION test_slow_first_row(); \
         CREATE TRIGGER test_slow_after AFTER INSERT ON events \
         FOR EACH ROW EXECUTE FUNCTION test_slow_commit();"
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
