//! Where the public site lives: Stripe Checkout sends payers back there
//! (donations, bulk purchases). `[site] public_url` when set; otherwise the
//! origin the request came to (its `Host`, `https` only behind a trusted proxy
//! that says so).

use axum::http::HeaderMap;
use axum::http::header::HOST;

use crate::config::Config;

/// The site's origin, without a trailing slash.
pub fn origin(config: &Config, headers: &HeaderMap) -> String {
    if let Some(url) = &config.site.public_url {
        return url.clone();
    }
    let header = |name| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    let host = header(HOST)
        .filter(|h| {
            h.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
        })
        .unwrap_or("localhost");
    let scheme = match header(axum::http::HeaderName::from_static("x-forwarded-proto")) {
        Some("https") if config.trust_forwarded_for => "https",
        _ => "http",
    };
    format!("{scheme}://{host}")
}

/// Whether `url` may be a Checkout return URL: an http(s) URL, under the
/// configured public site when there is one.
pub fn allowed_return_url(config: &Config, url: &str) -> bool {
    let http = (url.starts_with("https://") || url.starts_with("http://")) && url.len() <= 2000;
    match &config.site.public_url {
        Some(site) => http && (url == site || url.starts_with(&format!("{site}/"))),
        None => http,
    }
}
