//! CSV exports about people (ANA-44, ANA-49): attendees, speaker registrations,
//! visa letters and activity signups. Each reads its read model once, plus the
//! user directory for names and e-mails, which are sealed personal data opened here
//! (an erased person's values read as "erased").
//!
//! Tessera accounts have no username apart from their login e-mail: the Username
//! columns carry it.

use std::collections::{BTreeMap, HashMap, HashSet};

use axum::extract::State;
use axum::response::Response;
use tessera_aggregates::activity::SignupStatus;
use tessera_aggregates::pricing::ProductKind;
use tessera_aggregates::visa_letter::LetterStatus;
use tessera_projections::Projection;
use tessera_projections::activity_roster::{ActivityRoster, RosterRow, signups_prefix};
use tessera_projections::attendees::{Attendees, AttendeesRow, attendees_prefix};
use tessera_projections::orders::{OrderRecord, Orders, OrdersRow, orders_prefix};
use tessera_projections::program::{ProgramRow, ProgramView, speakers_prefix, talks_prefix};
use tessera_projections::user_directory::{UserDirectory, UserRow, user_key};
use tessera_projections::visa_letters::{LETTERS_PREFIX, LetterRow, VisaLetters};
use tessera_replay::storage;
use uuid::Uuid;

use super::exports::{Cell, csv, f, line, t};
use crate::app::AppState;
use crate::http::error::{ApiError, ApiResult, Problem};
use crate::http::extract::{After, Path};
use crate::ids::activity_id;

/// (name, e-mail) of users, opened once per export.
#[derive(Default)]
pub(super) struct People(HashMap<Uuid, (String, String)>);

impl People {
    /// A user's (full name, e-mail), opened; empty for an unknown user.
    pub(super) async fn of(&mut self, app: &AppState, id: Uuid) -> ApiResult<(String, String)> {
        if let Some(p) = self.0.get(&id) {
            return Ok(p.clone());
        }
        let p = match storage::live_row(&app.db, UserDirectory::NAME, &user_key(id)).await? {
            Some(doc) => {
                let mut u: UserRow = serde_json::from_str(&doc)?;
                app.personal.open_user_row(&mut u).await?;
                (u.name, u.email)
            }
            None => Default::default(),
        };
        self.0.insert(id, p.clone());
        Ok(p)
    }
}

/// The conference's orders by id (one read of the orders model).
pub(super) async fn orders_of(
    app: &AppState,
    conference: Uuid,
) -> ApiResult<HashMap<Uuid, OrderRecord>> {
    let mut out = HashMap::new();
    for (_, doc) in
        storage::live_rows_with_prefix(&app.db, Orders::NAME, &orders_prefix(conference)).await?
    {
        if let OrdersRow::Order(o) = serde_json::from_str(&doc)? {
            out.insert(o.id, o);
        }
    }
    Ok(out)
}

fn yes_no(b: bool) -> Cell {
    t(if b { "Yes" } else { "No" })
}

fn iso(d: Option<chrono::DateTime<chrono::Utc>>) -> Cell {
    f(d.map(|d| d.to_rfc3339()).unwrap_or_default())
}

/// ANA-44: Username, Email, Full Name, Ticket Type (the descriptions of the
/// current order's ticket lines joined by ", "), Check-in Time, Access Code,
/// Completed Registration; in registration order.
#[utoipa::path(get, path = "/api/v1/conferences/{slug}/exports/attendees.csv", tag = "stats",
    params(("slug" = String, Path)),
    responses((status = 200, content_type = "text/csv", body = String), (status = 404, body = Problem)))]
pub(crate) async fn attendees(
    State(app): State<AppState>,
    _after: After,
    Path(slug): Path<String>,
) -> ApiResult<Response> {
    let conf = app.conference(&slug).await?;
    let orders = orders_of(&app, conf.id).await?;
    let mut rows = vec![];
    for (_, doc) in
        storage::live_rows_with_prefix(&app.db, Attendees::NAME, &attendees_prefix(conf.id)).await?
    {
        if let AttendeesRow::Attendee(a) = serde_json::from_str(&doc)? {
            rows.push(a);
        }
    }
    rows.sort_by_key(|a| (a.registered_at, a.id));
    let mut people = People::default();
    let mut lines = vec![line(&[
        t("Username"),
        t("Email"),
        t("Full Name"),
        t("Ticket Type"),
        t("Check-in Time"),
        t("Access Code"),
        t("Completed Registration"),
    ])];
    for a in rows {
        let (name, email) = people.of(&app, a.user).await?;
        let tickets: Vec<&str> = a
            .current_order
            .and_then(|id| orders.get(&id))
            .map(|o| {
                o.lines
                    .iter()
                    .filter(|l| l.product.kind == ProductKind::Ticket)
                    .map(|l| l.description.as_str())
                    .collect()
            })
            .unwrap_or_default();
        lines.push(line(&[
            t(email.clone()),
            t(email),
            t(name),
            t(tickets.join(", ")),
            iso(a.checked_in_at),
            t(a.access_code),
            yes_no(a.completed_registration),
        ]));
    }
    csv(&slug, "attendees", lines)
}

/// ANA-49, ANA-29: Name, Email (the speaker's, else the linked user's), Talk
/// Count, Registered (the linked user has a paid-set order in the conference;
/// unlinked speakers never count); by name.
#[utoipa::path(get, path = "/api/v1/conferences/{slug}/exports/speaker-registrations.csv", tag = "stats",
    params(("slug" = String, Path)),
    responses((status = 200, content_type = "text/csv", body = String), (status = 404, body = Problem)))]
pub(crate) async fn speaker_registrations(
    State(app): State<AppState>,
    _after: After,
    Path(slug): Path<String>,
) -> ApiResult<Response> {
    let conf = app.conference(&slug).await?;
    let paid: HashSet<Uuid> = orders_of(&app, conf.id)
        .await?
        .values()
        .filter(|o| o.is_paid_set())
        .map(|o| o.user)
        .collect();
    let mut talks: BTreeMap<String, usize> = BTreeMap::new();
    for (_, doc) in
        storage::live_rows_with_prefix(&app.db, ProgramView::NAME, &talks_prefix(conf.id)).await?
    {
        if let ProgramRow::Talk(tr) = serde_json::from_str(&doc)? {
            for s in &tr.talk.speakers {
                *talks.entry(s.clone()).or_default() += 1;
            }
        }
    }
    let mut speakers = vec![];
    for (_, doc) in
        storage::live_rows_with_prefix(&app.db, ProgramView::NAME, &speakers_prefix(conf.id))
            .await?
    {
        if let ProgramRow::Speaker(s) = serde_json::from_str(&doc)? {
            speakers.push(s.speaker);
        }
    }
    speakers.sort_by(|a, b| (&a.data.name, &a.data.code).cmp(&(&b.data.name, &b.data.code)));
    let mut people = People::default();
    let mut lines = vec![line(&[
        t("Name"),
        t("Email"),
        t("Talk Count"),
        t("Registered"),
    ])];
    for s in speakers {
        let email = match (&s.data.sealed_email, s.data.email.is_empty(), s.user) {
            (Some(e), _, _) => app.personal.read(e.person, "", Some(&e.email)).await?,
            (None, true, Some(u)) => people.of(&app, u).await?.1,
            // Plain: written by a first release, before the migration.
            (None, _, _) => s.data.email.clone(),
        };
        lines.push(line(&[
            t(s.data.name.clone()),
            t(email),
            f(talks.get(&s.data.code).copied().unwrap_or(0)),
            yes_no(s.user.is_some_and(|u| paid.contains(&u))),
        ]));
    }
    csv(&slug, "speaker-registrations", lines)
}

fn letter_status(s: LetterStatus) -> &'static str {
    match s {
        LetterStatus::Submitted => "Submitted",
        LetterStatus::UnderReview => "Under Review",
        LetterStatus::Approved => "Approved",
        LetterStatus::Generated => "Generated",
        LetterStatus::Sent => "Sent",
        LetterStatus::Rejected => "Rejected",
    }
}

/// ANA-49: Passport Name (sealed per applicant), Nationality, Status, Travel From,
/// Travel Until, Embassy, Submitted, Reviewed By (the reviewer's name, else
/// e-mail), Reviewed At; in submission order.
#[utoipa::path(get, path = "/api/v1/conferences/{slug}/exports/visa-letters.csv", tag = "stats",
    params(("slug" = String, Path)),
    responses((status = 200, content_type = "text/csv", body = String), (status = 404, body = Problem)))]
pub(crate) async fn visa_letters(
    State(app): State<AppState>,
    _after: After,
    Path(slug): Path<String>,
) -> ApiResult<Response> {
    let conf = app.conference(&slug).await?;
    let mut rows = vec![];
    for (_, doc) in
        storage::live_rows_with_prefix(&app.db, VisaLetters::NAME, LETTERS_PREFIX).await?
    {
        let row: LetterRow = serde_json::from_str(&doc)?;
        if row.conference_id == conf.id {
            rows.push(row);
        }
    }
    rows.sort_by_key(|r| (r.created_at, r.id));
    let mut people = People::default();
    let mut lines = vec![line(&[
        t("Passport Name"),
        t("Nationality"),
        t("Status"),
        t("Travel From"),
        t("Travel Until"),
        t("Embassy"),
        t("Submitted"),
        t("Reviewed By"),
        t("Reviewed At"),
    ])];
    for r in rows {
        let passport_name = app
            .personal
            .read(r.applicant, "", r.request.passport_name.as_ref())
            .await?;
        let reviewer = match r.reviewed_by {
            Some(id) => {
                let (name, email) = people.of(&app, id).await?;
                if name.is_empty() { email } else { name }
            }
            None => String::new(),
        };
        lines.push(line(&[
            t(passport_name),
            t(r.request.nationality),
            t(letter_status(r.status)),
            f(r.request.travel_from),
            f(r.request.travel_until),
            t(r.request.embassy_name),
            iso(Some(r.created_at)),
            t(reviewer),
            iso(r.reviewed_at),
        ]));
    }
    csv(&slug, "visa-letters", lines)
}

fn signup_status(s: SignupStatus) -> &'static str {
    match s {
        SignupStatus::Confirmed => "Confirmed",
        SignupStatus::Waitlisted => "Waitlisted",
        SignupStatus::Cancelled => "Cancelled",
    }
}

/// ANA-49: an activity's signups, cancelled ones included: Username, Full Name,
/// Email, Status, Note, Signed Up; in signup order. Named
/// "<activity slug>-signups.csv" (ANA-50).
#[utoipa::path(get, path = "/api/v1/conferences/{slug}/exports/activities/{activity}/signups.csv", tag = "stats",
    params(("slug" = String, Path), ("activity" = String, Path)),
    responses((status = 200, content_type = "text/csv", body = String), (status = 404, body = Problem)))]
pub(crate) async fn activity_signups(
    State(app): State<AppState>,
    _after: After,
    Path((slug, activity)): Path<(String, String)>,
) -> ApiResult<Response> {
    let conf = app.conference(&slug).await?;
    let id = activity_id(conf.id, &activity);
    if storage::live_row(
        &app.db,
        ActivityRoster::NAME,
        &tessera_projections::activity_roster::activity_key(id),
    )
    .await?
    .is_none()
    {
        return Err(ApiError::not_found("Activity"));
    }
    let mut rows = vec![];
    for (_, doc) in
        storage::live_rows_with_prefix(&app.db, ActivityRoster::NAME, &signups_prefix(id)).await?
    {
        if let RosterRow::Signup(s) = serde_json::from_str(&doc)? {
            rows.push(s);
        }
    }
    rows.sort_by_key(|s| s.position);
    let mut people = People::default();
    let mut lines = vec![line(&[
        t("Username"),
        t("Full Name"),
        t("Email"),
        t("Status"),
        t("Note"),
        t("Signed Up"),
    ])];
    for s in rows {
        let (name, email) = people.of(&app, s.user_id).await?;
        lines.push(line(&[
            t(email.clone()),
            t(name),
            t(email),
            t(signup_status(s.status)),
            t(s.note),
            iso(Some(s.created_at)),
        ]));
    }
    csv(&activity, "signups", lines)
}
