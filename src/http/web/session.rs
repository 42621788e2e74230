//! Browser sign-in: a login form, a session cookie holding the same signed token
//! the API takes as a bearer token (HttpOnly, SameSite=Strict, Secure behind TLS),
//! and sign-out. Every form carries a synchronizer token bound to the session
//! (`TokenSigner::csrf`); the login form, before any session, one bound to a
//! random pre-session cookie.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;
use tessera_aggregates::user::{User, UserCommand};
use uuid::Uuid;

use super::{PageError, PageResult, Session};
use crate::app::AppState;
use crate::http::auth::client::ClientAddr;
use crate::http::error::ApiError;
use crate::meta::CommandMeta;

pub use crate::identity::SESSION_COOKIE;

/// Binds the login form's anti-forgery token before there is a session.
const PRE_COOKIE: &str = "tessera_pre";
pub const CSRF_FIELD: &str = "csrf";

/// The value of cookie `name`, if sent.
pub(crate) fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
        .filter(|v| !v.is_empty())
}

/// Served over TLS (directly or behind a proxy that says so): the cookie is Secure.
fn secure(headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"https"))
}

fn set_cookie(name: &str, value: &str, headers: &HeaderMap, max_age: Option<i64>) -> String {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict");
    if let Some(age) = max_age {
        c.push_str(&format!("; Max-Age={age}"));
    }
    if secure(headers) {
        c.push_str("; Secure");
    }
    c
}

pub(crate) fn clear_cookie(name: &str, headers: &HeaderMap) -> String {
    set_cookie(name, "", headers, Some(0))
}

/// Percent-encodes a path for the `next` parameter.
pub(crate) fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Only a dashboard path of this site (no open redirect).
fn next_of(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with("/dashboard") && !n.contains("//") && !n.contains('\\') => {
            n.to_string()
        }
        _ => "/dashboard".to_string(),
    }
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    csrf: String,
    next: String,
    email: String,
    error: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct NextQuery {
    next: Option<String>,
}

fn login_form(
    app: &AppState,
    headers: &HeaderMap,
    status: StatusCode,
    next: String,
    email: String,
    error: Option<String>,
) -> PageResult {
    let pre = cookie(headers, PRE_COOKIE).unwrap_or_else(|| Uuid::new_v4().simple().to_string());
    let page = LoginPage {
        csrf: app.tokens.csrf(&format!("pre.{pre}")),
        next,
        email,
        error,
    };
    let mut r = (status, super::render(&page)?).into_response();
    if let Ok(v) = set_cookie(PRE_COOKIE, &pre, headers, None).parse() {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(r)
}

pub(super) async fn login_page(
    State(app): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<NextQuery>,
) -> PageResult {
    login_form(
        &app,
        &headers,
        StatusCode::OK,
        next_of(q.next.as_deref()),
        String::new(),
        None,
    )
}

#[derive(Deserialize)]
pub(super) struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
    next: Option<String>,
}

/// Signs in with the API's own check (throttled like the JSON log-in).
pub(super) async fn login(
    State(app): State<AppState>,
    ClientAddr(address): ClientAddr,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> PageResult {
    let next = next_of(f.next.as_deref());
    let bound = cookie(&headers, PRE_COOKIE)
        .is_some_and(|pre| app.tokens.csrf_matches(&format!("pre.{pre}"), &f.csrf));
    if !bound {
        return Err(PageError(ApiError::forbidden()));
    }
    let address = address.map(|a| a.to_string());
    let answer =
        crate::http::auth::authenticate(&app, &f.email, f.password, address.as_deref()).await;
    let (status, error) = match answer {
        Ok(Ok(token)) => {
            let mut r = Redirect::to(&next).into_response();
            let cookies = [
                set_cookie(SESSION_COOKIE, &token, &headers, None),
                clear_cookie(PRE_COOKIE, &headers),
            ];
            for c in cookies {
                if let Ok(v) = c.parse() {
                    r.headers_mut().append(header::SET_COOKIE, v);
                }
            }
            return Ok(r);
        }
        Ok(Err(_)) => (
            StatusCode::TOO_MANY_REQUESTS,
            "Too many sign-in attempts. Try again later.",
        ),
        Err(e) if e.status == StatusCode::UNAUTHORIZED => {
            (StatusCode::UNAUTHORIZED, "Invalid email or password.")
        }
        Err(e) => return Err(PageError(e)),
    };
    login_form(
        &app,
        &headers,
        status,
        next,
        f.email,
        Some(error.to_string()),
    )
}

#[derive(Deserialize)]
pub(super) struct LogoutForm {
    #[serde(default)]
    csrf: String,
}

/// Signs out the session's token (the same `SignOut` the API records).
pub(super) async fn logout(
    State(app): State<AppState>,
    session: Session,
    headers: HeaderMap,
    Form(f): Form<LogoutForm>,
) -> PageResult {
    if !app.tokens.csrf_matches(&session.token, &f.csrf) {
        return Err(PageError(ApiError::forbidden()));
    }
    let claims = app
        .tokens
        .verify(&session.token, app.bus.services().now())
        .ok_or_else(ApiError::unauthorized)?;
    let meta = CommandMeta {
        actor: Some(session.caller.id),
        ..CommandMeta::system()
    };
    app.bus
        .send(
            &User::stream(session.caller.id),
            UserCommand::SignOut {
                token: claims.id,
                until: claims.expires_at,
            },
            &meta.for_conf(None),
        )
        .await
        .map_err(ApiError::from)?;
    let mut r = Redirect::to("/login").into_response();
    if let Ok(v) = clear_cookie(SESSION_COOKIE, &headers).parse() {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(r)
}
