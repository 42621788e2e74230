//! Writes a conference's history as a hash-chained export, a page at a time (the
//! CLI writes it to a file, the API streams it).

use chrono::{SecondsFormat, Utc};
use rand::RngCore;
use tessera_replay::history::{HistoryQuery, page};
use tessera_replay::{Db, RawEvent};

use super::chain::{Entry, FORMAT, Header, Trailer, genesis, pseudonym, pseudonymize};

/// Events read per page.
const PAGE: i64 = 1000;

/// Produces an export's lines in order: the header, the entries, the trailer.
pub struct Exporter {
    db: Db,
    header: Option<Header>,
    conference_id: String,
    /// The log's last position when the export began: later events wait for the
    /// next export, so the file is one cut of the log.
    up_to: i64,
    after: i64,
    prev: String,
    count: u64,
    /// Per export, never written out: a pseudonym cannot be reversed by guessing
    /// values, and two exports' pseudonyms cannot be joined.
    salt: Option<[u8; 32]>,
    done: bool,
    /// The next page, already being read while this one is hashed.
    ahead: Option<tokio::task::JoinHandle<Result<Vec<RawEvent>, sqlx::Error>>>,
}

impl Exporter {
    pub async fn start(
        db: Db,
        slug: &str,
        conference_id: uuid::Uuid,
        pseudonymized: bool,
    ) -> Result<Self, sqlx::Error> {
        let up_to = last_position(&db).await?;
        let header = Header {
            format: FORMAT.to_string(),
            conference: slug.to_string(),
            conference_id: conference_id.to_string(),
            pseudonymized,
            exported_at: Utc::now().to_rfc3339_opts(SecondsFormat::Micros, true),
        };
        let salt = pseudonymized.then(|| {
            let mut s = [0u8; 32];
            rand::thread_rng().fill_bytes(&mut s);
            s
        });
        Ok(Self {
            db,
            prev: genesis(&header),
            header: Some(header),
            conference_id: conference_id.to_string(),
            up_to,
            after: 0,
            count: 0,
            salt,
            done: false,
            ahead: None,
        })
    }

    /// Starts reading the page after `after` in the background.
    fn read_ahead(&mut self, after: i64) {
        let db = self.db.clone();
        let q = HistoryQuery {
            conference_id: self.conference_id.clone(),
            after,
            limit: Some(PAGE),
            up_to: Some(self.up_to),
            ..HistoryQuery::default()
        };
        self.ahead = Some(tokio::spawn(async move { page(&db, &q).await }));
    }

    /// The next lines (each ending in a newline), or None at the end.
    pub async fn next_chunk(&mut self) -> Result<Option<String>, sqlx::Error> {
        if let Some(header) = self.header.take() {
            return Ok(Some(line(&header)));
        }
        if self.done {
            return Ok(None);
        }
        if self.ahead.is_none() {
            self.read_ahead(self.after);
        }
        let events = match self.ahead.take() {
            Some(reading) => reading
                .await
                .map_err(|e| sqlx::Error::Protocol(format!("export page read failed: {e}")))??,
            None => vec![],
        };
        // The database reads the next page while this one is hashed.
        if let Some(last) = events.last() {
            self.read_ahead(last.position);
        }
        if events.is_empty() {
            self.done = true;
            return Ok(Some(line(&Trailer {
                head: self.prev.clone(),
                count: self.count,
            })));
        }
        let mut out = String::new();
        for e in &events {
            let mut entry = Entry::of(e);
            if let Some(salt) = &self.salt {
                pseudonymize(&e.aggregate_type, &mut entry.payload, &|v| {
                    pseudonym(salt, v)
                });
            }
            let entry = entry.chain(&self.prev);
            self.prev = entry.hash.clone();
            self.count += 1;
            self.after = e.position;
            out.push_str(&line(&entry));
        }
        Ok(Some(out))
    }
}

fn line<T: serde::Serialize>(value: &T) -> String {
    let mut s = serde_json::to_string(value).unwrap_or_default();
    s.push('\n');
    s
}

async fn last_position(db: &Db) -> Result<i64, sqlx::Error> {
    let max: Option<i64> = match db {
        Db::Postgres(pool) => {
            sqlx::query_scalar("SELECT max(position) FROM events")
                .fetch_one(pool)
                .await?
        }
        Db::Sqlite(pool) => {
            sqlx::query_scalar("SELECT max(position) FROM events")
                .fetch_one(pool)
                .await?
        }
    };
    Ok(max.unwrap_or(0))
}
