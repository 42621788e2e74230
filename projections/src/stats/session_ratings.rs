//! Session ratings (ANA-38, SURVEY-6): total, average, distribution over 1–5,
//! the top and bottom 10 talks among those with at least 3 ratings, and the
//! average per non-empty track. Averages are rounded to 2 decimals (half to even).

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde_json::{Value, json};
use uuid::Uuid;

use super::{Ctx, Read, Section};
use crate::Projection;
use crate::program::{ProgramRow, ProgramView, ratings_prefix, talks_prefix};

pub const SECTION: Section = Section {
    name: "session_ratings",
    reads,
    compute,
};

/// SURVEY-6: rankings only consider talks with at least this many ratings.
pub const MIN_RATINGS: usize = 3;
const RANKED: usize = 10;

fn reads(c: Uuid) -> Vec<Read> {
    vec![
        Read::new(ProgramView::NAME, ratings_prefix(c)),
        Read::new(ProgramView::NAME, talks_prefix(c)),
    ]
}

fn average(scores: &[u8]) -> Option<Decimal> {
    let n = scores.len();
    (n > 0).then(|| {
        let sum: u32 = scores.iter().map(|s| u32::from(*s)).sum();
        Decimal::from(sum) / Decimal::from(n as u64)
    })
}

/// An average as the section shows it: 2 decimals, half to even; None when
/// there are no scores.
pub fn average_text(scores: &[u8]) -> Option<String> {
    average(scores).map(|a| format!("{:.2}", a.round_dp(2)))
}

fn show(avg: Option<Decimal>) -> Value {
    avg.map(|a| Value::String(format!("{:.2}", a.round_dp(2))))
        .unwrap_or(Value::Null)
}

struct Rated {
    code: String,
    title: String,
    track: String,
    scores: Vec<u8>,
}

fn compute(ctx: &Ctx) -> Result<Value, serde_json::Error> {
    let c = ctx.conference_id;
    let ratings: Vec<ProgramRow> = ctx.sources.rows(ProgramView::NAME, &ratings_prefix(c))?;
    let talks: Vec<ProgramRow> = ctx.sources.rows(ProgramView::NAME, &talks_prefix(c))?;
    let mut by_talk: BTreeMap<String, Rated> = BTreeMap::new();
    for row in talks {
        if let ProgramRow::Talk(t) = row {
            by_talk.insert(
                t.talk.code.clone(),
                Rated {
                    code: t.talk.code.clone(),
                    title: t.effective.title.clone(),
                    track: t.talk.track.clone(),
                    scores: vec![],
                },
            );
        }
    }
    let mut all = vec![];
    let mut distribution = [0u64; 5];
    for row in ratings {
        let ProgramRow::Rating(r) = row else {
            continue;
        };
        all.push(r.score);
        if let Some(slot) = distribution.get_mut(usize::from(r.score).wrapping_sub(1)) {
            *slot += 1;
        }
        by_talk
            .entry(r.talk.clone())
            .or_insert_with(|| Rated {
                code: r.talk.clone(),
                title: String::new(),
                track: String::new(),
                scores: vec![],
            })
            .scores
            .push(r.score);
    }
    let talk_json = |t: &Rated| {
        json!({
            "code": t.code,
            "title": t.title,
            "track": t.track,
            "ratings": t.scores.len(),
            "average": show(average(&t.scores)),
        })
    };
    // SURVEY-6: only talks with at least 3 ratings are ranked.
    let mut ranked: Vec<(&Rated, Decimal)> = by_talk
        .values()
        .filter(|t| t.scores.len() >= MIN_RATINGS)
        .filter_map(|t| average(&t.scores).map(|a| (t, a)))
        .collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.code.cmp(&b.0.code)));
    let top: Vec<Value> = ranked
        .iter()
        .take(RANKED)
        .map(|(t, _)| talk_json(t))
        .collect();
    ranked.sort_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.code.cmp(&b.0.code)));
    let bottom: Vec<Value> = ranked
        .iter()
        .take(RANKED)
        .map(|(t, _)| talk_json(t))
        .collect();
    let mut tracks: BTreeMap<&str, Vec<u8>> = BTreeMap::new();
    for t in by_talk.values().filter(|t| !t.track.trim().is_empty()) {
        tracks
            .entry(t.track.as_str())
            .or_default()
            .extend(&t.scores);
    }
    let by_track: Vec<Value> = tracks
        .iter()
        .filter(|(_, s)| !s.is_empty())
        .map(
            |(track, s)| json!({ "track": track, "ratings": s.len(), "average": show(average(s)) }),
        )
        .collect();
    let dist: serde_json::Map<String, Value> = distribution
        .iter()
        .enumerate()
        .map(|(i, n)| ((i + 1).to_string(), Value::from(*n)))
        .collect();
    Ok(json!({
        "total": all.len(),
        "average": show(average(&all)),
        "distribution": dist,
        "top": top,
        "bottom": bottom,
        "by_track": by_track,
    }))
}
