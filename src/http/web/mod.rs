//! The organizers' dashboards: server-rendered pages (askama templates under
//! `templates/`, charts drawn as SVG on the server, one vendored style sheet and a
//! few lines of vendored script), signed in with a session cookie. Every figure is
//! read through the same functions the JSON handlers use.
//!
//! Access is declared per route with the API's [`Access`] rules and checked by the
//! API's own guard (`access::check`); the session cookie stands for the bearer
//! token. Pages answer HTML, never problem+json: they are merged outside the API's
//! error edge.

mod charts;
mod fundraising;
mod grants;
mod lists;
mod live;
mod orders;
mod overview;
mod program;
mod session;
mod volunteers;

use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{MethodRouter, get, post};

use crate::app::{AppState, Caller};
use crate::http::access::{self, Access, CHECKIN_READ, FINANCE_READ, ORGANIZER};
use crate::http::error::ApiError;
use crate::http::stats::{STATS_READERS, exports, ledger_exports, people};

pub use session::{CSRF_FIELD, SESSION_COOKIE};

/// One page route: its method, path and who may open it.
struct PageRoute {
    method: Method,
    path: &'static str,
    access: Access,
    handler: MethodRouter<AppState>,
}

fn page(
    method: Method,
    path: &'static str,
    access: Access,
    handler: MethodRouter<AppState>,
) -> PageRoute {
    PageRoute {
        method,
        path,
        access,
        handler,
    }
}

fn routes() -> Vec<PageRoute> {
    use Method as M;
    vec![
        page(
            M::GET,
            "/",
            Access::Public,
            get(|| async { Redirect::to("/dashboard") }),
        ),
        page(M::GET, "/login", Access::Public, get(session::login_page)),
        page(M::POST, "/login", Access::Public, post(session::login)),
        page(
            M::POST,
            "/logout",
            Access::Authenticated,
            post(session::logout),
        ),
        page(M::GET, "/static/app.css", Access::Public, get(stylesheet)),
        page(M::GET, "/static/live.js", Access::Public, get(script)),
        page(
            M::GET,
            "/dashboard",
            Access::Authenticated,
            get(overview::home),
        ),
        page(
            M::GET,
            "/dashboard/live",
            Access::Authenticated,
            get(live::events),
        ),
        // The series pages check a stats role in the year concerned, as the JSON
        // series routes do.
        page(
            M::GET,
            "/dashboard/series/{slug}",
            Access::Authenticated,
            get(overview::overview),
        ),
        page(
            M::GET,
            "/dashboard/series/{slug}/compare",
            Access::Authenticated,
            get(overview::compare),
        ),
        page(
            M::GET,
            "/dashboard/conferences/{slug}/orders",
            FINANCE_READ,
            get(orders::orders),
        ),
        page(
            M::GET,
            "/dashboard/conferences/{slug}/orders/{reference}",
            FINANCE_READ,
            get(orders::order),
        ),
        page(
            M::GET,
            "/dashboard/conferences/{slug}/attendees",
            CHECKIN_READ,
            get(lists::attendees),
        ),
        page(
            M::GET,
            "/dashboard/conferences/{slug}/activities",
            STATS_READERS,
            get(lists::activities),
        ),
        page(
            M::GET,
            "/dashboard/conferences/{slug}/vouchers",
            STATS_READERS,
            get(lists::vouchers),
        ),
        page(
            M::GET,
            "/dashboard/conferences/{slug}/exports",
            STATS_READERS,
            get(lists::exports),
        ),
        // The same readers as the JSON routes the pages show: the sponsorship
        // summary (organizers, finance, auditors), the grant budget (organizers,
        // finance, auditors), the volunteer list and summary (organizers).
        page(
            M::GET,
            "/dashboard/conferences/{slug}/sponsorships",
            STATS_READERS,
            get(fundraising::sponsorships),
        ),
        page(
            M::GET,
            "/dashboard/conferences/{slug}/grants",
            FINANCE_READ,
            get(grants::grants),
        ),
        page(
            M::GET,
            "/dashboard/conferences/{slug}/volunteers",
            ORGANIZER,
            get(volunteers::volunteers),
        ),
        // The readers of the rating analytics (organizers, auditors).
        page(
            M::GET,
            "/dashboard/conferences/{slug}/program",
            crate::http::program::RATINGS_READ,
            get(program::program),
        ),
        page(M::GET, "/dashboard/ops", Access::Admin, get(lists::ops)),
        // The CSV exports: the API's own handlers, for a browser session.
        page(
            M::GET,
            "/dashboard/conferences/{slug}/exports/sales-by-date.csv",
            STATS_READERS,
            get(exports::sales_by_date),
        ),
        page(
            M::GET,
            "/dashboard/conferences/{slug}/exports/registration-flow.csv",
            STATS_READERS,
            get(exports::registration_flow),
        ),
        page(
            M::GET,
            "/dashboard/conferences/{slug}/exports/reconciliation.csv",
            STATS_READERS,
            get(exports::reconciliation),
        ),
        page(
            M::GET,
            "/dashboard/conferences/{slug}/exports/inventory.csv",
            STATS_READERS,
            get(exports::inventory),
        ),
        page(
            M::GET,
            "/dashboard/conferences/{slug}/exports/attendees.csv",
            STATS_READERS,
            get(people::attendees),
        ),
        page(
            M::GET,
            "/dashboard/conferences/{slug}/exports/vouchers.csv",
            STATS_READERS,
            get(ledger_exports::vouchers),
        ),
        page(
            M::GET,
            "/dashboard/conferences/{slug}/exports/credit-notes.csv",
            STATS_READERS,
            get(ledger_exports::credit_notes),
        ),
        page(
            M::GET,
            "/dashboard/conferences/{slug}/exports/speaker-registrations.csv",
            STATS_READERS,
            get(people::speaker_registrations),
        ),
        page(
            M::GET,
            "/dashboard/conferences/{slug}/exports/visa-letters.csv",
            STATS_READERS,
            get(people::visa_letters),
        ),
        page(
            M::GET,
            "/dashboard/conferences/{slug}/exports/activities/{activity}/signups.csv",
            STATS_READERS,
            get(people::activity_signups),
        ),
    ]
}

/// `(method, path, access)` of every page: what the access test walks.
pub fn access_table() -> Vec<(Method, String, Access)> {
    routes()
        .into_iter()
        .map(|r| (r.method, r.path.to_string(), r.access))
        .collect()
}

/// The pages, each behind its access guard.
pub fn router(state: &AppState) -> Router<AppState> {
    let mut router = Router::new();
    for r in routes() {
        router = router.route(
            r.path,
            r.handler.route_layer(axum::middleware::from_fn_with_state(
                (state.clone(), r.access),
                guard,
            )),
        );
    }
    router.layer(DefaultBodyLimit::max(64 * 1024))
}

async fn stylesheet() -> Response {
    static_file(
        "text/css; charset=utf-8",
        include_str!("../../../static/app.css"),
    )
}

async fn script() -> Response {
    static_file(
        "text/javascript; charset=utf-8",
        include_str!("../../../static/live.js"),
    )
}

fn static_file(kind: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, kind),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        body,
    )
        .into_response()
}

/// The session behind a page request: the caller and the session's own value
/// (its token), from which the anti-forgery token derives.
#[derive(Clone)]
pub(crate) struct Session {
    pub caller: Caller,
    pub token: String,
}

/// Resolves the session cookie, then runs the API's access check: a page with
/// no (valid) session sends the browser to the sign-in page.
async fn guard(
    State((app, access)): State<(AppState, Access)>,
    req: Request,
    next: Next,
) -> Response {
    let (mut parts, body) = req.into_parts();
    let token = session::cookie(&parts.headers, SESSION_COOKIE);
    let mut caller = None;
    if let Some(token) = &token
        && let Ok(c) = app.caller_from_token(token).await
    {
        parts.extensions.insert(Session {
            caller: c.clone(),
            token: token.clone(),
        });
        caller = Some(c);
    }
    // The API's guard reads the caller resolved here (never a bearer header).
    parts.extensions.insert(caller);
    match access::check(&app, access, &mut parts).await {
        Ok(()) => next.run(Request::from_parts(parts, body)).await,
        Err(e) if e.status == StatusCode::UNAUTHORIZED => {
            let next = parts
                .uri
                .path_and_query()
                .map(|p| p.as_str().to_string())
                .unwrap_or_default();
            let mut r =
                Redirect::to(&format!("/login?next={}", session::encode(&next))).into_response();
            if token.is_some() {
                // A stale session cookie: drop it.
                if let Ok(v) = session::clear_cookie(SESSION_COOKIE, &parts.headers).parse() {
                    r.headers_mut().insert(header::SET_COOKIE, v);
                }
            }
            r
        }
        Err(e) => PageError(e).into_response(),
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Session {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Session>()
            .cloned()
            .ok_or_else(|| PageError(ApiError::unauthorized()))
    }
}

/// What every signed-in page shows in its header.
pub(crate) struct Nav {
    pub name: String,
    pub csrf: String,
    pub is_admin: bool,
}

impl Nav {
    pub fn of(app: &AppState, s: &Session) -> Self {
        Self {
            name: s.caller.name.clone(),
            csrf: app.tokens.csrf(&s.token),
            is_admin: s.caller.is_admin,
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    status: u16,
    title: String,
    detail: String,
}

/// An API refusal shown as a page (its status kept).
pub(crate) struct PageError(pub ApiError);

impl From<ApiError> for PageError {
    fn from(e: ApiError) -> Self {
        Self(e)
    }
}

impl From<askama::Error> for PageError {
    fn from(e: askama::Error) -> Self {
        Self(ApiError::internal(e))
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let e = self.0;
        if e.status.is_server_error() {
            tracing::error!(code = %e.code, detail = %e.detail, "page failed");
        }
        let page = ErrorPage {
            status: e.status.as_u16(),
            title: e.status.canonical_reason().unwrap_or("Error").to_string(),
            detail: if e.status.is_server_error() {
                "Something went wrong on our side.".to_string()
            } else {
                e.detail
            },
        };
        let body = page
            .render()
            .unwrap_or_else(|_| "<!doctype html><title>Error</title>".to_string());
        (e.status, Html(body)).into_response()
    }
}

pub(crate) type PageResult = Result<Response, PageError>;

/// A table row of four cells.
pub(crate) struct Row4(pub String, pub String, pub String, pub String);

/// A rendered template as an HTML answer.
pub(crate) fn render(t: &impl Template) -> PageResult {
    Ok(([(header::CACHE_CONTROL, "no-store")], Html(t.render()?)).into_response())
}

/// A JSON figure as text: strings as they are, numbers, "—" for null.
pub(crate) fn text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => "—".to_string(),
        other => other.to_string(),
    }
}

/// A JSON figure as a number for a chart (0 when absent).
pub(crate) fn num(v: &serde_json::Value) -> f64 {
    match v {
        serde_json::Value::Number(n) => n.as_f64().unwrap_or(0.0),
        serde_json::Value::String(s) => s.parse().unwrap_or(0.0),
        _ => 0.0,
    }
}
