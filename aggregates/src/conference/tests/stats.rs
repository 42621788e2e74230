//! MY-18…26: historical figures; MY-19: freezing the statistics.

use super::*;

fn figures(donation: &str) -> HistoricalFigures {
    HistoricalFigures {
        registrations: 600,
        sponsors: 8,
        sponsorship_amount: Decimal::from_str("10500").unwrap_or_default(),
        donors: 58,
        donation_amount: Decimal::from_str(donation).unwrap_or_default(),
    }
}

fn snapshot(position: i64) -> StatsSnapshot {
    StatsSnapshot {
        position,
        stats_version: 1,
        snapshot: "{}".into(),
        sha256: "f".repeat(64),
    }
}

fn frozen(position: i64, reason: &str) -> ConferenceEvent {
    ConferenceEvent::StatsFrozen {
        snapshot: snapshot(position),
        reason: reason.into(),
        at: t0(),
    }
}

#[test]
fn my_21_historical_figures_are_recorded_once() {
    framework()
        .given(vec![created()])
        .when(ConferenceCommand::RecordHistoricalFigures {
            figures: figures("650"),
        })
        .then_expect_events(vec![ConferenceEvent::HistoricalFiguresRecorded {
            figures: figures("650"),
            at: t0(),
        }]);
    framework()
        .given(vec![
            created(),
            ConferenceEvent::HistoricalFiguresRecorded {
                figures: figures("650"),
                at: t0(),
            },
        ])
        .when(ConferenceCommand::RecordHistoricalFigures {
            figures: figures("650"),
        })
        .then_expect_events(vec![]);
}

#[test]
fn my_26_money_figures_are_non_negative_with_two_decimals() {
    framework()
        .given(vec![created()])
        .when(ConferenceCommand::RecordHistoricalFigures {
            figures: figures("-1"),
        })
        .then_expect_error(ConferenceError::NegativeAmount {
            field: "donation_amount",
        });
    framework()
        .given(vec![created()])
        .when(ConferenceCommand::RecordHistoricalFigures {
            figures: figures("1.001"),
        })
        .then_expect_error(ConferenceError::InvalidFigures);
}

#[test]
fn my_19_the_first_freeze_needs_no_reason() {
    framework()
        .given(vec![created()])
        .when(ConferenceCommand::FreezeStats {
            snapshot: snapshot(10),
            reason: " ".into(),
        })
        .then_expect_events(vec![frozen(10, "")]);
}

#[test]
fn my_19_freezing_again_needs_a_reason() {
    framework()
        .given(vec![created(), frozen(10, "")])
        .when(ConferenceCommand::FreezeStats {
            snapshot: snapshot(12),
            reason: "".into(),
        })
        .then_expect_error(ConferenceError::RefreezeNeedsReason);
    framework()
        .given(vec![created(), frozen(10, "")])
        .when(ConferenceCommand::FreezeStats {
            snapshot: snapshot(12),
            reason: "late refund".into(),
        })
        .then_expect_events(vec![frozen(12, "late refund")]);
}

#[test]
fn my_19_a_snapshot_needs_its_digest() {
    let mut bad = snapshot(10);
    bad.sha256 = "abc".into();
    framework()
        .given(vec![created()])
        .when(ConferenceCommand::FreezeStats {
            snapshot: bad,
            reason: "".into(),
        })
        .then_expect_error(ConferenceError::InvalidSnapshot);
}
