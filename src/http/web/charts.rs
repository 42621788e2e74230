//! Charts drawn on the server as inline SVG: no chart library, nothing fetched
//! at run time. Each chart carries a `<title>` and an `aria-label` for screen
//! readers, and the figures it draws stay in a table beside it.

use std::fmt::Write;

const W: f64 = 640.0;
const H: f64 = 220.0;
const PAD: f64 = 36.0;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn open(out: &mut String, label: &str, height: f64) {
    let _ = write!(
        out,
        r#"<svg class="chart" viewBox="0 0 {W} {height}" role="img" aria-label="{l}" xmlns="http://www.w3.org/2000/svg"><title>{l}</title>"#,
        l = esc(label)
    );
}

/// A line chart of `points` (label, value) in order; an empty series draws the
/// axes and "No data yet".
pub fn line(label: &str, points: &[(String, f64)]) -> String {
    let mut out = String::new();
    open(&mut out, label, H);
    let _ = write!(
        out,
        r#"<line class="axis" x1="{PAD}" y1="{y}" x2="{x2}" y2="{y}"/>"#,
        y = H - PAD,
        x2 = W - 8.0
    );
    if points.is_empty() {
        let _ = write!(
            out,
            r#"<text x="{}" y="{}" text-anchor="middle">No data yet</text></svg>"#,
            W / 2.0,
            H / 2.0
        );
        return out;
    }
    let max = points.iter().map(|p| p.1).fold(0.0_f64, f64::max).max(1.0);
    let step = if points.len() > 1 {
        (W - PAD - 16.0) / (points.len() - 1) as f64
    } else {
        0.0
    };
    let xy = |i: usize, v: f64| (PAD + step * i as f64, H - PAD - (H - 2.0 * PAD) * v / max);
    let path: Vec<String> = points
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let (x, y) = xy(i, p.1);
            format!("{x:.1},{y:.1}")
        })
        .collect();
    let _ = write!(
        out,
        r#"<polyline class="series" fill="none" points="{}"/>"#,
        path.join(" ")
    );
    for (i, p) in points.iter().enumerate() {
        let (x, y) = xy(i, p.1);
        let _ = write!(
            out,
            r#"<circle class="dot" cx="{x:.1}" cy="{y:.1}" r="3"><title>{}: {}</title></circle>"#,
            esc(&p.0),
            p.1
        );
    }
    let _ = write!(
        out,
        r#"<text x="{PAD}" y="{}" font-size="11">{}</text><text x="{}" y="{}" font-size="11" text-anchor="end">{}</text><text x="4" y="{}" font-size="11">{max}</text></svg>"#,
        H - 12.0,
        esc(&points[0].0),
        W - 8.0,
        H - 12.0,
        esc(&points[points.len() - 1].0),
        PAD - 8.0,
    );
    out
}

/// Horizontal bars, one per (label, value).
pub fn bars(label: &str, rows: &[(String, f64)]) -> String {
    let mut out = String::new();
    let height = 24.0 * rows.len().max(1) as f64 + 12.0;
    open(&mut out, label, height);
    if rows.is_empty() {
        let _ = write!(out, r#"<text x="8" y="20">No data yet</text></svg>"#);
        return out;
    }
    let max = rows.iter().map(|r| r.1).fold(0.0_f64, f64::max).max(1.0);
    let left = 180.0;
    for (i, (name, v)) in rows.iter().enumerate() {
        let y = 6.0 + 24.0 * i as f64;
        let w = (W - left - 90.0) * v / max;
        let _ = write!(
            out,
            r#"<text x="{}" y="{}" text-anchor="end" font-size="12">{}</text><rect class="bar" x="{left}" y="{y}" width="{w:.1}" height="16"/><text x="{}" y="{}" font-size="12">{v}</text>"#,
            left - 6.0,
            y + 12.0,
            esc(name),
            left + w + 6.0,
            y + 12.0,
        );
    }
    out.push_str("</svg>");
    out
}
