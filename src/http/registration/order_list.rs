//! The orders list (ORDER-27: newest first), paged and filtered in the orders
//! read model with the indexes of the `list_indexes` migration.
//!
//! Personal data: the buyer's billing name and e-mail are sealed in the read
//! model (opened per page at the edge), so they cannot be searched in SQL. The
//! buyer e-mail filter matches the buyer's account instead: account ids are
//! derived from the lowercased e-mail (`ids::user_id`), so the e-mail becomes the
//! id the read model already holds, and nothing personal is stored for search.

use axum::Json;
use axum::extract::State;
use chrono::{DateTime, SecondsFormat, Utc};
use serde::Deserialize;
use tessera_aggregates::order::OrderStatus;
use tessera_projections::Projection;
use tessera_projections::orders::{
    Orders, OrdersRow, order_key, order_products_prefix, orders_facet, orders_prefix,
};
use tessera_projections::tally::tally_key;
use tessera_replay::listing::{Cond, live_docs, live_page};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::orders::{OrderSummary, Viewer};
use crate::app::{AppState, Caller, user_id};
use crate::http::access::{Access, Group};
use crate::http::error::{ApiResult, Problem};
use crate::http::extract::{After, AuthUser, Path, Query};
use crate::http::page::{Page, PageParams, Paging, stored_name};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrdersQuery {
    /// Only orders with this status (pending, paid, refunded, partially_refunded,
    /// cancelled).
    #[param(value_type = Option<String>)]
    pub status: Option<OrderStatus>,
    /// Staff: only their own orders.
    #[serde(default)]
    pub mine: bool,
    /// The order with this reference.
    pub reference: Option<String>,
    /// Orders of the account with this e-mail (exact, case-insensitive).
    pub email: Option<String>,
    /// Orders of buyers found by this name or name word (exact after
    /// normalization: case, spacing and Unicode compatibility forms aside),
    /// through the blind index of names.
    pub name: Option<String>,
    /// Placed at or after this instant (RFC 3339).
    pub placed_from: Option<DateTime<Utc>>,
    /// Placed before this instant (RFC 3339).
    pub placed_to: Option<DateTime<Utc>>,
    /// Orders with a line of this ticket type or add-on (its slug).
    pub ticket_type: Option<String>,
    /// Orders that used this voucher code.
    pub voucher_code: Option<String>,
    /// `newest` (default) or `oldest`, by placing date.
    pub sort: Option<OrderSort>,
}

#[derive(Debug, Clone, Copy, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrderSort {
    #[default]
    Newest,
    Oldest,
}

fn instant(t: DateTime<Utc>) -> String {
    // The read model stores chrono's serde form (RFC 3339, UTC, 0 to 9 fraction
    // digits) and compares it as text; nine digits order every stored instant
    // right but those within the same fraction-digit prefix of the bound.
    t.to_rfc3339_opts(SecondsFormat::Nanos, true)
}

/// Orders, newest first (ORDER-27): the caller's own; organizers, finance staff and
/// admins see every order of the conference. Paged (`limit`, `cursor`), filtered
/// by status, reference, buyer e-mail, placing date, ticket type and voucher code.
/// Read from the orders read model: send `X-Tessera-After` with a command's
/// position to include it.
#[utoipa::path(get, path = "/api/v1/conferences/{slug}/orders", tag = "registration",
    params(("slug" = String, Path), OrdersQuery, PageParams),
    responses((status = 200, body = Page<OrderSummary>), (status = 400, body = Problem),
        (status = 404, body = Problem)))]
pub(super) async fn list_orders(
    State(app): State<AppState>,
    AuthUser(caller): AuthUser,
    _after: After,
    Path(slug): Path<String>,
    Query(q): Query<OrdersQuery>,
    paging: Paging,
) -> ApiResult<Json<Page<OrderSummary>>> {
    Ok(Json(orders_page(&app, caller, &slug, q, paging).await?))
}

/// A page of the orders list as `caller` may see it (the JSON handler and the
/// dashboard page).
pub(crate) async fn orders_page(
    app: &AppState,
    caller: Caller,
    slug: &str,
    q: OrdersQuery,
    paging: Paging,
) -> ApiResult<Page<OrderSummary>> {
    let viewer = Viewer::resolve(app, slug, caller).await?;
    let everyone = viewer.reader && !q.mine;
    let conf = viewer.conf.id;
    // A ticket type pages the narrow product index rows of the orders (same
    // list fields, an index range per product) and then reads the page's orders.
    let ticket = q.ticket_type.as_deref().map(str::trim);
    let (prefix, scope) = match ticket {
        Some(t) => (
            order_products_prefix(conf, t),
            Cond::Scope("product_scope", format!("{conf}:{t}")),
        ),
        None => (
            orders_prefix(conf),
            Cond::Scope("conference_id", conf.to_string()),
        ),
    };
    let mut conds = vec![scope];
    if !everyone {
        conds.push(Cond::Eq("user", viewer.caller.id.to_string()));
    }
    if let Some(email) = &q.email {
        conds.push(Cond::Eq("user", user_id(email).to_string()));
    }
    if let Some(name) = &q.name {
        // A blank name matches nobody (no token is blank).
        let token = app.personal.name_query(name).unwrap_or_default();
        conds.push(Cond::NameToken("user", token));
    }
    if let Some(s) = q.status {
        conds.push(Cond::Eq("status", stored_name(&s)?));
    }
    if let Some(r) = &q.reference {
        conds.push(Cond::Eq("reference", r.trim().to_string()));
    }
    // On the sort value `placed_at reference`, so the sort index serves the range.
    if let Some(t) = q.placed_from {
        conds.push(Cond::SortFrom(instant(t)));
    }
    if let Some(t) = q.placed_to {
        conds.push(Cond::SortBefore(instant(t)));
    }
    if let Some(v) = &q.voucher_code {
        conds.push(Cond::Eq("voucher_code", v.trim().to_string()));
    }
    let descending = !matches!(q.sort, Some(OrderSort::Oldest));
    // Every order of the conference, by status and ticket type: the fold keeps
    // those counts (the tally), so the first page does not count 100,000 rows.
    let tallied = conds.len() == 1 + usize::from(q.status.is_some());
    let mut spec = paging.spec(
        Orders::NAME,
        prefix,
        conds,
        Some(&["placed_at", "reference"]),
        descending,
    )?;
    if tallied {
        spec.tally = Some((tally_key(conf), orders_facet(q.status, ticket)));
    }
    let listing = live_page(&app.db, &spec).await?;
    let page = paging.page(&spec, listing, |doc| Ok(Some(serde_json::from_str(doc)?)))?;
    let page = match ticket {
        None => page.map(|row| match row {
            OrdersRow::Order(o) => Some(o),
            _ => None,
        }),
        Some(t) => {
            let keys: Vec<String> = page
                .items
                .iter()
                .filter_map(|row| match row {
                    OrdersRow::Product(p) => Some(order_key(conf, p.order_id)),
                    _ => None,
                })
                .collect();
            let mut docs = std::collections::HashMap::new();
            for (key, doc) in live_docs(&app.db, Orders::NAME, &keys).await? {
                if let OrdersRow::Order(o) = serde_json::from_str(&doc)? {
                    docs.insert(key, o);
                }
            }
            let has = |o: &tessera_projections::orders::OrderRecord| {
                o.lines.iter().any(|l| l.product.slug == t)
            };
            let mut page = page.map(|_| None);
            page.items = keys.iter().map(|k| docs.remove(k).filter(has)).collect();
            page
        }
    };
    let page = Page {
        items: page.items.into_iter().flatten().collect(),
        next_cursor: page.next_cursor,
        total: page.total,
    };
    let mut items = Vec::with_capacity(page.items.len());
    for mut o in page.items {
        app.personal.open_order_row(&mut o).await?;
        items.push(OrderSummary::from(o));
    }
    Ok(Page {
        items,
        next_cursor: page.next_cursor,
        total: page.total,
    })
}

pub(super) fn groups() -> Vec<Group> {
    vec![(
        Access::Authenticated,
        OpenApiRouter::new().routes(routes!(list_orders)),
    )]
}
