//! Day detection from the schedule for travel grants' days_attending (GRANT-45,
//! GRANT-46, AMB-12 as the code does it): one choice per distinct slot date.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};

use super::Program;
use crate::Timestamp;

/// One offered day: ISO date value and its label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayChoice {
    pub value: NaiveDate,
    pub label: String,
}

impl Program {
    /// GRANT-45/46: the schedule's days, ascending, `local` giving a start's
    /// calendar date in the conference's timezone. Empty without slots (then
    /// tier 2, from the conference's dates, applies).
    pub fn day_choices(&self, local: impl Fn(Timestamp) -> NaiveDate) -> Vec<DayChoice> {
        let mut days: BTreeMap<NaiveDate, BTreeMap<&str, usize>> = BTreeMap::new();
        let mut typed: BTreeMap<NaiveDate, usize> = BTreeMap::new();
        for slot in self.slots.values() {
            let date = local(slot.start);
            let kinds = days.entry(date).or_default();
            // AMB-12: the denominator is the day's slots linked to a talk with a
            // non-empty submission type.
            let kind = slot
                .talk
                .as_ref()
                .and_then(|c| self.talks.get(c))
                .map(|t| t.submission_type.trim())
                .filter(|k| !k.is_empty());
            if let Some(kind) = kind {
                *kinds.entry(kind).or_default() += 1;
                *typed.entry(date).or_default() += 1;
            }
        }
        days.into_iter()
            .map(|(date, kinds)| {
                let total = typed.get(&date).copied().unwrap_or(0);
                // The most common type; ties go to the first name in order.
                let top = kinds
                    .iter()
                    .fold(None::<(&str, usize)>, |best, (k, n)| match best {
                        Some((_, b)) if b >= *n => best,
                        _ => Some((k, *n)),
                    });
                let mut label = format!(
                    "{}, {} {}",
                    date.format("%A"),
                    date.format("%B"),
                    date.day()
                );
                if let Some((kind, n)) = top
                    && n * 2 > total
                {
                    label.push_str(&format!(" ({kind})"));
                }
                DayChoice { value: date, label }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone, Utc};

    use super::*;
    use crate::program::{ProgramEvent, Slot, SlotType, Talk};

    fn at(day: u32, hour: u32) -> Timestamp {
        Utc.with_ymd_and_hms(2025, 5, day, hour, 0, 0)
            .single()
            .unwrap_or_default()
    }

    fn talk(code: &str, kind: &str) -> ProgramEvent {
        ProgramEvent::TalkSynced {
            talk: Talk {
                code: code.into(),
                title: code.into(),
                abstract_text: String::new(),
                description: String::new(),
                submission_type: kind.into(),
                track: String::new(),
                tags: vec![],
                duration: None,
                state: "confirmed".into(),
                room: None,
                slot_start: None,
                slot_end: None,
                speakers: vec![],
            },
            at: at(1, 0),
        }
    }

    fn slot(day: u32, hour: u32, talk: Option<&str>) -> ProgramEvent {
        ProgramEvent::SlotSynced {
            slot: Slot {
                start: at(day, hour),
                end: at(day, hour) + Duration::minutes(30),
                room: None,
                talk: talk.map(str::to_string),
                title: "x".into(),
                slot_type: SlotType::Other,
            },
            at: at(1, 0),
        }
    }

    #[test]
    fn grant_45_46_one_choice_per_slot_date_with_a_majority_type() {
        let mut p = Program::default();
        for e in [
            talk("T1", "Tutorial"),
            talk("T2", "Tutorial"),
            talk("T3", "Talk"),
            talk("T4", ""),
            // May 14: 2 of 3 typed slots are tutorials (the untyped one and the
            // break are not counted, AMB-12).
            slot(14, 9, Some("T1")),
            slot(14, 10, Some("T2")),
            slot(14, 11, Some("T3")),
            slot(14, 12, Some("T4")),
            slot(14, 13, None),
            // May 15: 1 tutorial, 1 talk: no majority.
            slot(15, 9, Some("T1")),
            slot(15, 10, Some("T3")),
            // May 16: only a break: no suffix.
            slot(16, 12, None),
        ] {
            p.evolve(e);
        }
        let days = p.day_choices(|t| t.date_naive());
        let labels: Vec<&str> = days.iter().map(|d| d.label.as_str()).collect();
        assert_eq!(
            labels,
            vec![
                "Wednesday, May 14 (Tutorial)",
                "Thursday, May 15",
                "Friday, May 16"
            ]
        );
        assert_eq!(days[0].value.to_string(), "2025-05-14");
        assert!(
            Program::default()
                .day_choices(|t| t.date_naive())
                .is_empty()
        );
    }
}
