//! The log pages a process read last, decoded, shared by its tailers (the
//! projection runner, the process managers, the notifications outbox, the
//! webhooks): when one of them has read and decoded a page, the others take the
//! same decoded events from memory instead of asking the store and decoding again.
//!
//! The window holds every event with a position in `(start, end]`, in order,
//! exactly as gap-protected reads returned them: a run of reads each starting
//! where the previous one ended. A range such a read returned is final (the
//! holes it passed were proven holes), so any reader may be served from it.

use std::collections::VecDeque;
use std::sync::Mutex;

use super::Shared;

/// How many recent events the window keeps.
const CAPACITY: usize = 4_096;

pub struct LogWindow {
    recent: Mutex<Recent>,
    /// Readers at the window's end read the store one at a time: the ones that
    /// queued behind find the window extended by the first.
    reading: tokio::sync::Mutex<()>,
}

struct Recent {
    /// Every event after `start` up to `end`; empty (`start == end`) at first.
    start: i64,
    end: i64,
    events: VecDeque<Shared>,
}

impl Default for LogWindow {
    fn default() -> Self {
        Self {
            recent: Mutex::new(Recent {
                start: -1,
                end: -1,
                events: VecDeque::new(),
            }),
            reading: tokio::sync::Mutex::new(()),
        }
    }
}

impl LogWindow {
    fn recent(&self) -> std::sync::MutexGuard<'_, Recent> {
        self.recent.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Up to `limit` events after `after`, when the window holds what follows
    /// `after`; None when the store must answer (the reader is at the window's
    /// end, beyond it, or behind its start).
    pub(super) fn serve(&self, after: i64, limit: i64) -> Option<Vec<Shared>> {
        let recent = self.recent();
        if after < recent.start || after >= recent.end {
            return None;
        }
        let limit = usize::try_from(limit).unwrap_or(0);
        // Positions ascend: skip to the first one after `after`.
        let first = recent.events.partition_point(|e| e.position <= after);
        Some(
            recent
                .events
                .iter()
                .skip(first)
                .take(limit)
                .cloned()
                .collect(),
        )
    }

    /// Whether a read from `after` is a live reader's (at or past the window's
    /// end), which takes its turn at the store.
    pub(super) fn at_end(&self, after: i64) -> bool {
        after >= self.recent().end
    }

    pub(super) async fn turn(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.reading.lock().await
    }

    /// Keeps what a gap-protected read from `after` returned: it extends the
    /// window when it starts at its end, replaces it when it starts beyond.
    /// A read of older events leaves the window to the live readers.
    pub(super) fn record(&self, after: i64, events: &[Shared]) {
        let Some(last) = events.last() else {
            return;
        };
        let mut recent = self.recent();
        if after > recent.end {
            recent.events.clear();
            recent.start = after;
        } else if after < recent.end {
            return;
        }
        recent.events.extend(events.iter().cloned());
        recent.end = last.position;
        while recent.events.len() > CAPACITY {
            if let Some(dropped) = recent.events.pop_front() {
                recent.start = dropped.position;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;
    use crate::log::RawEvent;

    fn events(positions: &[i64]) -> Vec<Shared> {
        positions
            .iter()
            .map(|&position| {
                let raw = RawEvent {
                    position,
                    aggregate_type: "cart".into(),
                    aggregate_id: "a".into(),
                    sequence: position,
                    event_type: "CartExpired".into(),
                    payload: r#"{"CartExpired":{"at":"2027-05-14T11:00:00Z","cart_id":"f97b7677-e418-5270-9b2e-3e854409697d"}}"#.into(),
                    metadata: "{}".into(),
                    recorded_at: Utc::now(),
                };
                std::sync::Arc::new(raw.into_envelope().expect("a stored example decodes"))
            })
            .collect()
    }

    fn served(window: &LogWindow, after: i64, limit: i64) -> Option<Vec<i64>> {
        window
            .serve(after, limit)
            .map(|events| events.iter().map(|e| e.position).collect())
    }

    #[test]
    fn serves_what_follows_inside_the_window_and_nothing_at_or_past_its_end() {
        let window = LogWindow::default();
        assert_eq!(served(&window, 0, 10), None, "empty at first");
        // A read from 4 returned 5 and 7 (6 a proven hole): (4, 7] is final.
        window.record(4, &events(&[5, 7]));
        assert_eq!(served(&window, 4, 10), Some(vec![5, 7]));
        assert_eq!(served(&window, 5, 10), Some(vec![7]), "past the hole");
        assert_eq!(served(&window, 6, 10), Some(vec![7]));
        assert_eq!(served(&window, 4, 1), Some(vec![5]), "up to the limit");
        assert_eq!(
            served(&window, 7, 10),
            None,
            "at its end: the store answers"
        );
        assert_eq!(served(&window, 3, 10), None, "behind its start");
        assert!(window.at_end(7) && window.at_end(9) && !window.at_end(6));
    }

    #[test]
    fn extends_at_its_end_replaces_beyond_it_and_ignores_older_reads() {
        let window = LogWindow::default();
        window.record(0, &events(&[1, 2]));
        window.record(2, &events(&[3]));
        assert_eq!(served(&window, 0, 10), Some(vec![1, 2, 3]), "extended");
        window.record(1, &events(&[2]));
        assert_eq!(
            served(&window, 0, 10),
            Some(vec![1, 2, 3]),
            "older: ignored"
        );
        window.record(3, &[]);
        assert_eq!(
            served(&window, 0, 10),
            Some(vec![1, 2, 3]),
            "empty: ignored"
        );
        // A read from 10 knows nothing of (3, 10]: the window starts again there.
        window.record(10, &events(&[11, 12]));
        assert_eq!(served(&window, 3, 10), None);
        assert_eq!(served(&window, 10, 10), Some(vec![11, 12]));
    }

    #[test]
    fn keeps_the_latest_events_only() {
        let window = LogWindow::default();
        let total = i64::try_from(CAPACITY).unwrap_or(0) + 10;
        let all: Vec<i64> = (1..=total).collect();
        window.record(0, &events(&all));
        assert_eq!(served(&window, 0, 10), None, "the oldest were dropped");
        assert_eq!(served(&window, 10, 2), Some(vec![11, 12]));
        assert!(window.at_end(total));
    }
}
