//! The client address a login attempt is counted against.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;

use crate::app::AppState;
use crate::http::error::ApiError;

/// The client's IP address: with `trust_forwarded_for`, the last entry of
/// `X-Forwarded-For` (the address the trusted proxy saw; entries before it are
/// the client's own claims); else the socket's peer, which `serve` attaches to
/// every connection. None when neither is known (a router driven without a
/// socket): then only the per-account limit applies.
pub struct ClientAddr(pub Option<IpAddr>);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, ApiError> {
        let forwarded = app
            .config
            .trust_forwarded_for
            .then(|| forwarded_for(parts))
            .flatten();
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip());
        Ok(Self(forwarded.or(peer)))
    }
}

/// The last well-formed `X-Forwarded-For` entry (of the last such header).
fn forwarded_for(parts: &Parts) -> Option<IpAddr> {
    let last = parts
        .headers
        .get_all("x-forwarded-for")
        .iter()
        .next_back()?;
    last.to_str().ok()?.rsplit(',').next()?.trim().parse().ok()
}
