//! Checks an export: its hash chain, and optionally that every exported event is
//! still in the log unchanged.

use std::collections::BTreeMap;
use std::io::BufRead;

use serde_json::Value;
use tessera_replay::history::{HistoryQuery, page};
use tessera_replay::{Db, RawEvent};

use super::chain::{Entry, FORMAT, Header, Trailer, genesis, pseudonymize};

/// What a sound export holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Verified {
    pub conference: String,
    pub count: u64,
    pub head: String,
}

/// The first thing found wrong: where, and what.
#[derive(Debug, Clone, PartialEq)]
pub struct Broken {
    /// The position of the first entry found wrong (None when the line names
    /// none, e.g. an unreadable line or a missing trailer).
    pub position: Option<i64>,
    /// 1-based line number in the file.
    pub line: usize,
    pub reason: String,
}

impl std::fmt::Display for Broken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.position {
            Some(p) => write!(
                f,
                "first bad position {p} (line {}): {}",
                self.line, self.reason
            ),
            None => write!(f, "line {}: {}", self.line, self.reason),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("{0}")]
    Broken(Broken),
    #[error("reading the export: {0}")]
    Io(#[from] std::io::Error),
    #[error("reading the log: {0}")]
    Db(#[from] sqlx::Error),
}

fn broken(position: Option<i64>, line: usize, reason: impl Into<String>) -> VerifyError {
    VerifyError::Broken(Broken {
        position,
        line,
        reason: reason.into(),
    })
}

/// Recomputes the chain of the export read from `input`; with `db`, also checks
/// each entry against the event at its position in the log.
pub async fn verify(input: impl BufRead, db: Option<&Db>) -> Result<Verified, VerifyError> {
    let mut lines = input.lines().enumerate();
    let header: Header = match lines.next() {
        Some((_, line)) => serde_json::from_str(&line?)
            .map_err(|e| broken(None, 1, format!("the header does not read: {e}")))?,
        None => return Err(broken(None, 1, "the file is empty")),
    };
    if header.format != FORMAT {
        return Err(broken(
            None,
            1,
            format!("unknown format '{}'", header.format),
        ));
    }
    let mut log = db.map(|db| LogWindow::new(db, &header.conference_id));
    let mut prev = genesis(&header);
    let mut count = 0u64;
    let mut last_position = 0i64;
    let mut trailer: Option<(usize, Trailer)> = None;
    for (i, line) in lines {
        let n = i + 1;
        let line = line?;
        // An entry reads straight into its type; anything else (the trailer, a
        // broken line) takes the slower look that names what is wrong.
        let entry = match serde_json::from_str::<Entry>(&line) {
            Ok(entry) if trailer.is_none() => entry,
            _ => {
                let value: Value = serde_json::from_str(&line)
                    .map_err(|e| broken(None, n, format!("not a JSON line: {e}")))?;
                let position = value.get("position").and_then(Value::as_i64);
                if let Some((at, _)) = &trailer {
                    return Err(broken(
                        position,
                        n,
                        format!("a line after the trailer (line {at})"),
                    ));
                }
                if value.get("head").is_some() {
                    let t: Trailer = serde_json::from_value(value)
                        .map_err(|e| broken(None, n, format!("the trailer does not read: {e}")))?;
                    trailer = Some((n, t));
                    continue;
                }
                match serde_json::from_value::<Entry>(value) {
                    Ok(entry) => entry,
                    Err(e) => {
                        return Err(broken(position, n, format!("the entry does not read: {e}")));
                    }
                }
            }
        };
        let at = Some(entry.position);
        if entry.position <= last_position {
            return Err(broken(
                at,
                n,
                format!("out of log order (after position {last_position})"),
            ));
        }
        if entry.prev_hash != prev {
            return Err(broken(
                at,
                n,
                "prev_hash does not match the previous entry (a line was removed, moved or inserted)",
            ));
        }
        if entry.expected_hash() != entry.hash {
            return Err(broken(
                at,
                n,
                "the hash does not match the entry (it was edited)",
            ));
        }
        if let Some(log) = &mut log {
            log.check(&entry, header.pseudonymized, n).await?;
        }
        prev = entry.hash.clone();
        last_position = entry.position;
        count += 1;
    }
    let Some((n, trailer)) = trailer else {
        return Err(broken(
            None,
            count as usize + 2,
            "no trailer: the export was cut short",
        ));
    };
    if trailer.head != prev || trailer.count != count {
        return Err(broken(
            None,
            n,
            format!(
                "the trailer names head {} and {} entries; the chain ends at {} after {}",
                trailer.head, trailer.count, prev, count
            ),
        ));
    }
    Ok(Verified {
        conference: header.conference,
        count,
        head: prev,
    })
}

/// The conference's events, read from the log a page ahead of the entries.
struct LogWindow<'a> {
    db: &'a Db,
    conference_id: String,
    events: BTreeMap<i64, RawEvent>,
}

impl<'a> LogWindow<'a> {
    fn new(db: &'a Db, conference_id: &str) -> Self {
        Self {
            db,
            conference_id: conference_id.to_string(),
            events: BTreeMap::new(),
        }
    }

    async fn check(
        &mut self,
        entry: &Entry,
        pseudonymized: bool,
        line: usize,
    ) -> Result<(), VerifyError> {
        let at = Some(entry.position);
        if self
            .events
            .last_key_value()
            .is_none_or(|(p, _)| *p < entry.position)
        {
            let rows = page(
                self.db,
                &HistoryQuery {
                    conference_id: self.conference_id.clone(),
                    after: entry.position - 1,
                    limit: Some(1000),
                    ..HistoryQuery::default()
                },
            )
            .await?;
            self.events = rows.into_iter().map(|e| (e.position, e)).collect();
        }
        let Some(stored) = self.events.get(&entry.position) else {
            return Err(broken(
                at,
                line,
                "no such event of this conference in the log",
            ));
        };
        let mut ours = Entry::of(stored);
        let mut theirs = entry.clone();
        if pseudonymized {
            // The salt is not kept: compare everything but the personal values.
            let mask = |_: &str| "(personal)".to_string();
            pseudonymize(
                &ours.stream.aggregate_type.clone(),
                &mut ours.payload,
                &mask,
            );
            pseudonymize(
                &theirs.stream.aggregate_type.clone(),
                &mut theirs.payload,
                &mask,
            );
        }
        if ours.content() != theirs.content() {
            return Err(broken(
                at,
                line,
                "the event in the log differs from the export (the log was altered)",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::chain::{Entry, FORMAT, Header, Trailer, genesis};
    use chrono::{TimeZone, Utc};

    fn export(n: i64) -> Vec<String> {
        let header = Header {
            format: FORMAT.to_string(),
            conference: "pycon-us-2027".to_string(),
            conference_id: "c".to_string(),
            pseudonymized: false,
            exported_at: "2027-05-14T09:30:00.000000Z".to_string(),
        };
        let mut prev = genesis(&header);
        let mut lines = vec![serde_json::to_string(&header).unwrap_or_default()];
        for position in 1..=n {
            let raw = RawEvent {
                position,
                aggregate_type: "order".to_string(),
                aggregate_id: "o".to_string(),
                sequence: position,
                event_type: "OrderPaid".to_string(),
                payload: r#"{"OrderPaid":{"at":"2027-05-14T09:30:00Z"}}"#.to_string(),
                metadata: r#"{"actor":"system"}"#.to_string(),
                recorded_at: Utc
                    .timestamp_opt(1_800_000_000 + position, 0)
                    .single()
                    .unwrap_or_default(),
            };
            let entry = Entry::of(&raw).chain(&prev);
            prev = entry.hash.clone();
            lines.push(serde_json::to_string(&entry).unwrap_or_default());
        }
        let trailer = Trailer {
            head: prev,
            count: n as u64,
        };
        lines.push(serde_json::to_string(&trailer).unwrap_or_default());
        lines
    }

    async fn check(lines: &[String]) -> Result<Verified, VerifyError> {
        verify(std::io::Cursor::new(lines.join("\n")), None).await
    }

    #[tokio::test]
    async fn a_sound_export_verifies() {
        let v = check(&export(3)).await.expect("verifies");
        assert_eq!(v.count, 3);
    }

    #[tokio::test]
    async fn an_edited_header_breaks_the_first_link() {
        let mut lines = export(3);
        lines[0] = lines[0].replace("pycon-us-2027", "pycon-us-2028");
        match check(&lines).await {
            Err(VerifyError::Broken(b)) => assert_eq!(b.position, Some(1)),
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn a_rewritten_trailer_count_is_refused() {
        let mut lines = export(3);
        let last = lines.len() - 1;
        lines[last] = lines[last].replace("\"count\":3", "\"count\":2");
        assert!(matches!(check(&lines).await, Err(VerifyError::Broken(_))));
    }
}
