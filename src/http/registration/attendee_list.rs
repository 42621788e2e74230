//! The attendees list (staff), paged and filtered in the attendees read model
//! with the indexes of the `list_indexes` migration, each page completed with
//! the attendees' names and e-mails from the user directory.
//!
//! Names and e-mails are sealed personal data (opened per page at the edge), so
//! they cannot be searched in SQL: the e-mail filter matches the account id the
//! read model holds (account ids derive from the lowercased e-mail).

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use tessera_projections::Projection;
use tessera_projections::attendees::{
    AttendeeRow, Attendees, AttendeesRow, attendee_key, attendee_product_key,
    attendee_products_prefix, attendees_facet, attendees_prefix,
};
use tessera_projections::tally::tally_key;
use tessera_projections::user_directory::{UserDirectory, UserRow, user_key};
use tessera_replay::listing::{Cond, live_docs, live_page};
use utoipa::ToSchema;

use crate::app::{AppState, user_id};
use crate::http::error::{ApiResult, Problem};
use crate::http::extract::{After, Path, Query};
use crate::http::page::{Page, PageParams, Paging};

#[derive(Debug, Serialize, ToSchema)]
pub struct AttendeeListItem {
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub attendee: AttendeeRow,
    pub name: String,
    pub email: String,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AttendeesQuery {
    /// Only attendees checked in (true) or not yet (false).
    pub checked_in: Option<bool>,
    /// Only attendees holding this ticket type or add-on (its slug).
    pub ticket_type: Option<String>,
    /// The attendee with the account of this e-mail (exact, case-insensitive).
    pub email: Option<String>,
    /// Attendees found by this name or name word (exact after normalization:
    /// case, spacing and Unicode compatibility forms aside), through the blind
    /// index of names.
    pub name: Option<String>,
    /// `oldest` (default) or `newest`, by registration date.
    pub sort: Option<RegisteredSort>,
}

#[derive(Debug, Clone, Copy, Default, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RegisteredSort {
    #[default]
    Oldest,
    Newest,
}

/// The conference's attendees with name and e-mail, in registration order (staff),
/// paged (`limit`, `cursor`) and filtered by check-in, ticket type and e-mail;
/// from the read models (send `X-Tessera-After` to include a change).
#[utoipa::path(get, path = "/api/v1/conferences/{slug}/attendees", tag = "check-in",
    params(("slug" = String, Path), AttendeesQuery, PageParams),
    responses((status = 200, body = Page<AttendeeListItem>), (status = 400, body = Problem),
        (status = 403, body = Problem)))]
pub(super) async fn list_attendees(
    State(app): State<AppState>,
    _after: After,
    Path(slug): Path<String>,
    Query(q): Query<AttendeesQuery>,
    paging: Paging,
) -> ApiResult<Json<Page<AttendeeListItem>>> {
    Ok(Json(attendees_page(&app, &slug, q, paging).await?))
}

/// A page of the attendees list (the JSON handler and the dashboard page).
pub(crate) async fn attendees_page(
    app: &AppState,
    slug: &str,
    q: AttendeesQuery,
    paging: Paging,
) -> ApiResult<Page<AttendeeListItem>> {
    let conf = app.conference(slug).await?;
    // A ticket type pages the narrow product index rows of the attendees (same
    // list fields, an index range per product) and then reads the page's
    // attendees by key. An attendee's key ends with their account id: the
    // e-mail is a key lookup either way.
    let ticket = q.ticket_type.as_deref().map(str::trim);
    let user = q.email.as_deref().map(user_id);
    // With an e-mail the prefix is one whole key, looked up alone: scoping on the
    // conference would walk the conference's index to find it.
    let (prefix, scope) = match (ticket, user) {
        (Some(t), Some(u)) => (attendee_product_key(conf.id, t, u), None),
        (Some(t), None) => (
            attendee_products_prefix(conf.id, t),
            Some(Cond::Scope("product_scope", format!("{}:{t}", conf.id))),
        ),
        (None, Some(u)) => (attendee_key(conf.id, u), None),
        (None, None) => (
            attendees_prefix(conf.id),
            Some(Cond::Scope("conference_id", conf.id.to_string())),
        ),
    };
    let mut conds: Vec<Cond> = scope.into_iter().collect();
    if let Some(c) = q.checked_in {
        conds.push(Cond::Bool("checked_in", c));
    }
    if let Some(name) = &q.name {
        // A blank name matches nobody (no token is blank).
        let token = app.personal.name_query(name).unwrap_or_default();
        conds.push(Cond::NameToken("user", token));
    }
    let descending = matches!(q.sort, Some(RegisteredSort::Newest));
    // Every attendee, by check-in and ticket type: the fold keeps those counts
    // (the tally), so the first page does not count every attendee.
    let tallied = user.is_none() && q.name.is_none();
    let mut spec = paging.spec(
        Attendees::NAME,
        prefix,
        conds,
        Some(&["registered_at"]),
        descending,
    )?;
    if tallied {
        spec.tally = Some((tally_key(conf.id), attendees_facet(q.checked_in, ticket)));
    }
    let listing = live_page(&app.db, &spec).await?;
    let page = paging.page(&spec, listing, |doc| Ok(Some(serde_json::from_str(doc)?)))?;
    let page: Page<Option<AttendeeRow>> = match ticket {
        None => page.map(|row| match row {
            AttendeesRow::Attendee(a) => Some(a),
            _ => None,
        }),
        Some(t) => {
            let keys: Vec<String> = page
                .items
                .iter()
                .filter_map(|row| match row {
                    AttendeesRow::Product(p) => Some(attendee_key(conf.id, p.user)),
                    _ => None,
                })
                .collect();
            let mut docs = std::collections::HashMap::new();
            for (key, doc) in live_docs(&app.db, Attendees::NAME, &keys).await? {
                if let AttendeesRow::Attendee(a) = serde_json::from_str(&doc)? {
                    docs.insert(key, a);
                }
            }
            let holds = |a: &AttendeeRow| a.products.iter().any(|p| p.product.slug == t);
            let mut page = page.map(|_| None);
            page.items = keys.iter().map(|k| docs.remove(k).filter(holds)).collect();
            page
        }
    };
    let attendees: Vec<AttendeeRow> = page.items.into_iter().flatten().collect();
    let mut people = names_and_emails(app, attendees.iter().map(|a| a.user)).await?;
    let mut items = Vec::with_capacity(attendees.len());
    for a in attendees {
        let (name, email) = people.remove(&a.user).unwrap_or_default();
        items.push(AttendeeListItem {
            attendee: a,
            name,
            email,
        });
    }
    Ok(Page {
        items,
        next_cursor: page.next_cursor,
        total: page.total,
    })
}

/// The names and e-mails of a page's users from the user directory, opened
/// (sealed personal data; absent once erased or unknown): one read for the page.
pub(crate) async fn names_and_emails(
    app: &AppState,
    users: impl Iterator<Item = uuid::Uuid>,
) -> ApiResult<std::collections::HashMap<uuid::Uuid, (String, String)>> {
    let keys: Vec<String> = users.map(user_key).collect();
    let mut found = std::collections::HashMap::with_capacity(keys.len());
    for (_, doc) in live_docs(&app.db, UserDirectory::NAME, &keys).await? {
        let mut u: UserRow = serde_json::from_str(&doc)?;
        app.personal.open_user_row(&mut u).await?;
        found.insert(u.id, (u.name, u.email));
    }
    Ok(found)
}

/// A user's name and e-mail from the user directory, opened (sealed personal
/// data; empty once erased or unknown).
pub(crate) async fn name_and_email(
    app: &AppState,
    user: uuid::Uuid,
) -> ApiResult<(String, String)> {
    Ok(names_and_emails(app, std::iter::once(user))
        .await?
        .remove(&user)
        .unwrap_or_default())
}
