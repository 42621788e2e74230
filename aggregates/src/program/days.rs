//! Day detection for travel grants' days_attending: from the schedule, one choice
//! per distinct slot date (tier 1: GRANT-45, GRANT-46, AMB-12 as the code does it),
//! else from the conference's dates and sections (tier 2: GRANT-47, GRANT-48).

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};

use super::Program;
use crate::Timestamp;
use crate::conference::Section;

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
        schedule_day_choices(
            self.slots.values().map(|slot| {
                let kind = slot
                    .talk
                    .as_ref()
                    .and_then(|c| self.talks.get(c))
                    .map(|t| t.submission_type.as_str());
                (slot.start, kind)
            }),
            local,
        )
    }
}

/// GRANT-45/46 over any copy of the schedule (the Program, or the program read
/// model): each slot's start with its talk's submission type, if it has a talk.
pub fn schedule_day_choices<'a>(
    slots: impl IntoIterator<Item = (Timestamp, Option<&'a str>)>,
    local: impl Fn(Timestamp) -> NaiveDate,
) -> Vec<DayChoice> {
    let mut days: BTreeMap<NaiveDate, BTreeMap<&str, usize>> = BTreeMap::new();
    let mut typed: BTreeMap<NaiveDate, usize> = BTreeMap::new();
    for (start, kind) in slots {
        let date = local(start);
        let kinds = days.entry(date).or_default();
        // AMB-12: the denominator is the day's slots linked to a talk with a
        // non-empty submission type.
        if let Some(kind) = kind.map(str::trim).filter(|k| !k.is_empty()) {
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
            let mut label = date_label(date);
            if let Some((kind, n)) = top
                && n * 2 > total
            {
                label.push_str(&format!(" ({kind})"));
            }
            DayChoice { value: date, label }
        })
        .collect()
}

/// "<Weekday>, <Month> <day>", the day without zero padding (GRANT-45).
fn date_label(date: NaiveDate) -> String {
    format!(
        "{}, {} {}",
        date.format("%A"),
        date.format("%B"),
        date.day()
    )
}

/// GRANT-47/48, tier 2: one choice per date from `start` to `end` inclusive (none
/// when `end` is before `start`, CONF-8). Sections, in (order, start_date) order,
/// claim the dates of their range, the first claim winning; a claimed date reads
/// "<Section> Day <n> — <date>", n counting from the section's own start date
/// (1-based, even over dates others claimed); an unclaimed one "Day <N> — <date>",
/// N its position in the whole conference.
pub fn conference_day_choices(
    start: NaiveDate,
    end: NaiveDate,
    sections: &[Section],
) -> Vec<DayChoice> {
    let mut sections: Vec<&Section> = sections.iter().collect();
    sections.sort_by_key(|s| (s.order, s.start_date));
    let mut out = vec![];
    let mut date = start;
    let mut n = 1i64;
    while date <= end {
        let claim = sections
            .iter()
            .find(|s| s.start_date <= date && date <= s.end_date);
        let label = match claim {
            Some(s) => format!(
                "{} Day {} — {}",
                s.name,
                (date - s.start_date).num_days() + 1,
                date_label(date)
            ),
            None => format!("Day {n} — {}", date_label(date)),
        };
        out.push(DayChoice { value: date, label });
        match date.succ_opt() {
            Some(next) => date = next,
            None => break,
        }
        n += 1;
    }
    out
}

/// The days a travel-grant form offers: the schedule's (tier 1) when there is one,
/// else the conference's (tier 2). GRANT-49: submitted days must be among them.
pub fn grant_day_choices(
    program: &[DayChoice],
    start: NaiveDate,
    end: NaiveDate,
    sections: &[Section],
) -> Vec<DayChoice> {
    if program.is_empty() {
        conference_day_choices(start, end, sections)
    } else {
        program.to_vec()
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

    fn date(day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 5, day).unwrap_or_default()
    }

    fn section(name: &str, from: u32, until: u32, order: i32) -> Section {
        Section {
            slug: name.to_lowercase(),
            name: name.into(),
            start_date: date(from),
            end_date: date(until),
            order,
        }
    }

    fn labels(days: &[DayChoice]) -> Vec<&str> {
        days.iter().map(|d| d.label.as_str()).collect()
    }

    #[test]
    fn grant_47_48_every_conference_date_sections_claim_first_wins() {
        // Sprints (order 0) claim May 16–17 first; Talks (order 1) claim 14–16
        // but 16 is already the Sprints'; May 18 is nobody's.
        let sections = [section("Talks", 14, 16, 1), section("Sprints", 16, 17, 0)];
        let days = conference_day_choices(date(13), date(18), &sections);
        assert_eq!(
            labels(&days),
            vec![
                "Day 1 — Tuesday, May 13",
                "Talks Day 1 — Wednesday, May 14",
                "Talks Day 2 — Thursday, May 15",
                "Sprints Day 1 — Friday, May 16",
                "Sprints Day 2 — Saturday, May 17",
                "Day 6 — Sunday, May 18",
            ]
        );
        assert_eq!(days[0].value, date(13));
        assert_eq!(days[5].value, date(18));
    }

    #[test]
    fn grant_47_a_section_counts_from_its_own_start_even_over_claimed_dates() {
        // Tutorials (order 0) claim 14–15; Main (order 1) starts on 14, so its
        // first own date, 16, is its Day 3.
        let sections = [section("Main", 14, 16, 1), section("Tutorials", 14, 15, 0)];
        let days = conference_day_choices(date(14), date(16), &sections);
        assert_eq!(
            labels(&days),
            vec![
                "Tutorials Day 1 — Wednesday, May 14",
                "Tutorials Day 2 — Thursday, May 15",
                "Main Day 3 — Friday, May 16",
            ]
        );
        // Same order: the earlier start claims first.
        let sections = [section("Late", 15, 16, 0), section("Early", 14, 15, 0)];
        let days = conference_day_choices(date(14), date(16), &sections);
        assert_eq!(
            labels(&days),
            vec![
                "Early Day 1 — Wednesday, May 14",
                "Early Day 2 — Thursday, May 15",
                "Late Day 2 — Friday, May 16",
            ]
        );
    }

    #[test]
    fn grant_47_no_sections_and_reversed_dates() {
        let days = conference_day_choices(date(14), date(15), &[]);
        assert_eq!(
            labels(&days),
            vec!["Day 1 — Wednesday, May 14", "Day 2 — Thursday, May 15"]
        );
        // CONF-8 lets the end precede the start: no day is offered.
        assert!(conference_day_choices(date(15), date(14), &[]).is_empty());
    }

    #[test]
    fn grant_45_47_tier_1_wins_when_the_schedule_has_days() {
        let tier1 = vec![DayChoice {
            value: date(15),
            label: "Thursday, May 15".into(),
        }];
        let offered = grant_day_choices(&tier1, date(14), date(16), &[]);
        assert_eq!(offered, tier1);
        let offered = grant_day_choices(&[], date(14), date(16), &[]);
        assert_eq!(offered.len(), 3);
    }
}
