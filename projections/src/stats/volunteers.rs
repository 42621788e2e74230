//! Volunteers of the year: applications by status, approved volunteers
//! per team, returning volunteers (MY-12's "earlier year of the series").

use serde_json::{Value, json};
use uuid::Uuid;

use super::{Ctx, Read, Section};
use crate::Projection;
use crate::volunteers::{VolunteerRow, Volunteers, summary};

pub const SECTION: Section = Section {
    name: "volunteers",
    reads,
    compute,
};

/// Every application (the earlier years tell who returns).
fn reads(_: Uuid) -> Vec<Read> {
    vec![Read::new(Volunteers::NAME, "application:")]
}

fn compute(ctx: &Ctx) -> Result<Value, serde_json::Error> {
    let rows: Vec<VolunteerRow> = ctx.sources.rows(Volunteers::NAME, "application:")?;
    let all: Vec<_> = rows
        .into_iter()
        .filter_map(|r| match r {
            VolunteerRow::Application(a) => Some(a),
            _ => None,
        })
        .collect();
    let s = summary(&all, ctx.conference_id);
    let by_team: serde_json::Map<String, Value> = s
        .by_team
        .iter()
        .map(|t| (t.team.clone(), Value::from(t.volunteers)))
        .collect();
    Ok(json!({
        "applications": s.applications,
        "by_status": serde_json::to_value(&s.by_status)?,
        "by_team": by_team,
        "returning": s.returning,
        "returning_share": format!("{:.2}", s.returning_share),
    }))
}
