use rust_decimal::Decimal;

use super::*;
use crate::fold_all;
use crate::testing::{Logged, at, conf, log};

fn figures(registrations: u32) -> HistoricalFigures {
    HistoricalFigures {
        registrations,
        sponsors: 8,
        sponsorship_amount: Decimal::new(1050000, 2),
        donors: 58,
        donation_amount: Decimal::new(65000, 2),
    }
}

fn frozen(position: i64, reason: &str) -> ConferenceEvent {
    ConferenceEvent::StatsFrozen {
        snapshot: StatsSnapshot {
            position,
            stats_version: 1,
            snapshot: "{}".into(),
            sha256: "a".repeat(64),
        },
        reason: reason.into(),
        at: at(2, 9),
    }
}

fn logged(event: ConferenceEvent) -> Logged {
    Logged {
        kind: "conference",
        id: conf(),
        conference: Some(conf()),
        event: DomainEvent::Conference(event),
    }
}

/// MY-21/22: the figures as recorded, a correction replacing them; MY-19: every
/// freeze kept, the latest last.
#[test]
fn my_19_21_figures_and_every_snapshot_are_kept() {
    let rows = fold_all::<StatsArchive>(&log(vec![
        logged(ConferenceEvent::HistoricalFiguresRecorded {
            figures: figures(599),
            at: at(1, 9),
        }),
        logged(ConferenceEvent::HistoricalFiguresRecorded {
            figures: figures(600),
            at: at(1, 10),
        }),
        logged(frozen(2, "")),
        logged(frozen(3, "late refund")),
    ]));
    let Some(row) = rows.get(&archive_key(conf())) else {
        panic!("no archive row");
    };
    assert_eq!(row.historical, Some(figures(600)));
    assert_eq!(row.snapshots.len(), 2);
    assert_eq!(row.latest().map(|s| s.reason.as_str()), Some("late refund"));
    assert_eq!(row.latest().map(|s| s.event_position), Some(4));
}
