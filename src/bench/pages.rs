//! `tessera bench pages`: the dashboards' server time and size, against a running
//! `serve` (e.g. on a generated history). Signs in through the login form as a
//! browser does, then requests every dashboard page of a series and of its last
//! conference `samples` times, one request at a time, and prints p50/p99 of the
//! time to the whole body and the bytes of each page; then the overview's total
//! transfer (HTML, style sheet and script: the charts are inline SVG).

use std::time::Instant;

use anyhow::Context;
use hdrhistogram::Histogram;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};

pub struct PagesOptions {
    pub url: String,
    pub email: String,
    pub password: String,
    pub series: String,
    pub samples: usize,
}

/// One measured page: its path, p50 and p99 (µs), max and its size in bytes.
struct Measured {
    path: String,
    p50: u64,
    p99: u64,
    max: u64,
    bytes: usize,
}

pub async fn pages(o: PagesOptions) -> anyhow::Result<()> {
    let base = o.url.trim_end_matches('/').to_string();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let session = sign_in(&client, &base, &o.email, &o.password).await?;
    let cookie = format!("{}={session}", crate::identity::SESSION_COOKIE);
    let get = |path: String| {
        let client = client.clone();
        let cookie = cookie.clone();
        let base = base.clone();
        async move {
            let t = Instant::now();
            let r = client
                .get(format!("{base}{path}"))
                .header(COOKIE, cookie)
                .send()
                .await
                .with_context(|| format!("GET {path}"))?;
            let status = r.status();
            let body = r.bytes().await?;
            let took = t.elapsed();
            if !status.is_success() {
                anyhow::bail!(
                    "GET {path}: {status} {}",
                    String::from_utf8_lossy(&body[..body.len().min(300)])
                );
            }
            anyhow::Ok((took, body))
        }
    };

    // The conferences of the series, from the home page's links.
    let (_, home) = get("/dashboard".to_string()).await?;
    let home = String::from_utf8_lossy(&home).to_string();
    let years = years_of(&home, &o.series);
    let (Some(first), Some(last)) = (years.first(), years.last()) else {
        anyhow::bail!("no year of series {} on /dashboard", o.series);
    };
    let conf = format!("{}-{last}", o.series);
    let (_, orders) = get(format!("/dashboard/conferences/{conf}/orders")).await?;
    let reference = first_between(
        &String::from_utf8_lossy(&orders),
        &format!("/dashboard/conferences/{conf}/orders/"),
        '"',
    )
    .context("no order on the orders page")?;
    let s = &o.series;
    let c = format!("/dashboard/conferences/{conf}");
    let paths = vec![
        "/dashboard".to_string(),
        format!("/dashboard/series/{s}"),
        format!("/dashboard/series/{s}?year={first}"),
        format!("/dashboard/series/{s}/compare"),
        format!("{c}/orders"),
        format!("{c}/orders?status=paid"),
        format!("{c}/orders?q=a"),
        format!("{c}/orders/{reference}"),
        format!("{c}/attendees"),
        format!("{c}/activities"),
        format!("{c}/vouchers"),
        format!("{c}/exports"),
        format!("{c}/sponsorships"),
        format!("{c}/grants"),
        format!("{c}/volunteers"),
        "/dashboard/ops".to_string(),
    ];
    println!(
        "bench pages: {base}, series {s} ({} years), {} requests per page, one at a time",
        years.len(),
        o.samples
    );
    let mut measured = vec![];
    for path in paths {
        // One warm-up request (the first read of a page fills caches).
        get(path.clone()).await?;
        let mut h = Histogram::<u64>::new(3)?;
        let mut bytes = 0;
        for _ in 0..o.samples {
            let (took, body) = get(path.clone()).await?;
            h.record(took.as_micros() as u64)?;
            bytes = body.len();
        }
        let m = Measured {
            path,
            p50: h.value_at_quantile(0.5),
            p99: h.value_at_quantile(0.99),
            max: h.max(),
            bytes,
        };
        println!(
            "{:<56} p50 {:>7.2} ms   p99 {:>7.2} ms   max {:>7.2} ms   {:>8} bytes",
            m.path,
            m.p50 as f64 / 1000.0,
            m.p99 as f64 / 1000.0,
            m.max as f64 / 1000.0,
            m.bytes
        );
        measured.push(m);
    }
    let worst = measured.iter().max_by_key(|m| m.p99);
    if let Some(w) = worst {
        println!(
            "slowest page p99: {} {:.2} ms (goal < 50 ms)",
            w.path,
            w.p99 as f64 / 1000.0
        );
    }
    let overview = measured
        .iter()
        .find(|m| m.path == format!("/dashboard/series/{s}"))
        .map(|m| m.bytes)
        .unwrap_or_default();
    let (_, css) = get("/static/app.css".into()).await?;
    let (_, js) = get("/static/live.js".into()).await?;
    let total = overview + css.len() + js.len();
    println!(
        "overview transfer: HTML {overview} + CSS {} + script {} = {total} bytes ({:.1} KB; goal < 300 KB)",
        css.len(),
        js.len(),
        total as f64 / 1024.0
    );
    Ok(())
}

/// The years linked from a series page (`/dashboard/series/{s}?year=Y`), sorted.
fn years_of(html: &str, series: &str) -> Vec<i32> {
    let needle = format!("/dashboard/series/{series}?year=");
    let mut years: Vec<i32> = html
        .match_indices(&needle)
        .filter_map(|(i, _)| {
            let rest = &html[i + needle.len()..];
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            digits.parse().ok()
        })
        .collect();
    years.sort_unstable();
    years.dedup();
    years
}

/// The text after the first `prefix` up to `end`.
fn first_between(html: &str, prefix: &str, end: char) -> Option<String> {
    let i = html.find(prefix)? + prefix.len();
    let rest = &html[i..];
    let j = rest.find(end)?;
    Some(rest[..j].to_string())
}

/// The value of cookie `name` among a response's `Set-Cookie` headers.
fn set_cookie(r: &reqwest::Response, name: &str) -> Option<String> {
    r.headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, v)| *k == name && !v.is_empty())
        .map(|(_, v)| v.to_string())
}

/// Where a redirect sends the browser.
fn location(r: &reqwest::Response) -> Option<String> {
    r.headers()
        .get(LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// Signs in through the login form as a browser does: the form's pre-session
/// cookie and anti-forgery token, then the form posted; the session cookie back.
async fn sign_in(
    client: &reqwest::Client,
    base: &str,
    email: &str,
    password: &str,
) -> anyhow::Result<String> {
    let form = client.get(format!("{base}/login")).send().await?;
    let pre = set_cookie(&form, "tessera_pre").context("no pre-session cookie")?;
    let html = form.text().await?;
    let csrf = first_between(&html, "name=\"csrf\" value=\"", '"').context("no csrf field")?;
    let body = format!(
        "email={}&password={}&csrf={}&next=%2Fdashboard",
        encode(email),
        encode(password),
        encode(&csrf),
    );
    let r = client
        .post(format!("{base}/login"))
        .header(COOKIE, format!("tessera_pre={pre}"))
        .header(
            reqwest::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        )
        .body(body)
        .send()
        .await?;
    let status = r.status();
    match (
        set_cookie(&r, crate::identity::SESSION_COOKIE),
        location(&r),
    ) {
        (Some(session), Some(_)) => Ok(session),
        _ => anyhow::bail!("sign-in as {email} answered {status}"),
    }
}

/// Percent-encodes a form value.
fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
