//! Where everything on a badge goes (ATT-33…35), in millimetres from the top
//! left, shared by the PDF and the PNG renderer so both show the same badge.

use qrcode::{Color, QrCode};
use tessera_aggregates::attendee::GENERAL_ADMISSION;
use tessera_aggregates::badge::{BadgeTemplate, BannerPosition, rgb};

/// What a badge says (ATT-35).
#[derive(Debug, Clone, PartialEq)]
pub struct BadgeContent {
    pub conference_name: String,
    pub name: String,
    pub email: String,
    pub company: String,
    /// ATT-15: the ticket type's name, else "General Admission".
    pub ticket_label: String,
    /// ATT-35: "<conference slug>:<access code>".
    pub qr_payload: String,
}

pub type Rgb = [u8; 3];

#[derive(Debug, Clone, PartialEq)]
pub enum Mark {
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        colour: Rgb,
    },
    /// One line of text centred on `cx`, its em box starting at `top`.
    Text {
        cx: f32,
        top: f32,
        size: f32,
        text: String,
        colour: Rgb,
    },
    /// A QR code: `modules` × `modules` dark/light cells (quiet zone included)
    /// in the square at (`x`, `y`) of side `side`.
    Qr {
        x: f32,
        y: f32,
        side: f32,
        modules: usize,
        dark: Vec<bool>,
    },
}

/// The average advance of a glyph as a fraction of the font size, used to
/// shrink a line that would not fit (Helvetica's is about 0.55; the raster
/// font's is exactly 1 at its size, see `png.rs`).
pub const ADVANCE: f32 = 0.62;

/// Modules of quiet zone around a QR code (the standard's 4).
const QUIET: usize = 4;

const WHITE: Rgb = [255, 255, 255];

/// The badge of `content` on template `t`: marks in paint order.
pub fn layout(t: &BadgeTemplate, content: &BadgeContent) -> Vec<Mark> {
    let (w, h) = (t.width_mm as f32, t.height_mm as f32);
    let (bg, fg, accent) = (
        rgb(&t.background_color),
        rgb(&t.text_color),
        rgb(&t.accent_color),
    );
    let mut marks = vec![Mark::Rect {
        x: 0.0,
        y: 0.0,
        w,
        h,
        colour: bg,
    }];
    let text = |top: f32, size: f32, s: &str, colour: Rgb| Mark::Text {
        cx: w / 2.0,
        top,
        size: fitted(size, s, w * 0.9),
        text: s.to_string(),
        colour,
    };
    let unit = h / 152.0; // sizes scale with the badge's height
    let mut y = 0.0;
    // ATT-35: the conference name in the header when enabled.
    if t.show_conference_name {
        let header = 18.0 * unit;
        marks.push(Mark::Rect {
            x: 0.0,
            y,
            w,
            h: header,
            colour: accent,
        });
        marks.push(text(
            y + 6.0 * unit,
            6.0 * unit,
            &content.conference_name,
            bg,
        ));
        y += header;
    }
    y += 4.0 * unit;
    // ATT-34: a coloured banner with the upper-cased label, unless the label is
    // the general one, which is printed inline below the name.
    let general = content.ticket_label == GENERAL_ADMISSION;
    let banner_h = 11.0 * unit;
    let banner = |marks: &mut Vec<Mark>, top: f32| {
        marks.push(Mark::Rect {
            x: 0.0,
            y: top,
            w,
            h: banner_h,
            colour: accent,
        });
        marks.push(text(
            top + 2.5 * unit,
            6.0 * unit,
            &content.ticket_label.to_uppercase(),
            bg,
        ));
    };
    let with_banner = t.show_ticket_type && !general;
    let at = |p: BannerPosition| with_banner && t.banner_position == p;
    if at(BannerPosition::BelowHeader) || at(BannerPosition::AboveName) {
        banner(&mut marks, y);
        y += banner_h + 4.0 * unit;
    }
    if t.show_name {
        marks.push(text(y + 2.0 * unit, 9.0 * unit, &content.name, fg));
        y += 14.0 * unit;
    }
    if at(BannerPosition::BelowName) {
        banner(&mut marks, y);
        y += banner_h + 4.0 * unit;
    }
    if t.show_ticket_type && general {
        marks.push(text(y, 5.0 * unit, &content.ticket_label, fg));
        y += 8.0 * unit;
    }
    if t.show_email && !content.email.is_empty() {
        marks.push(text(y, 4.0 * unit, &content.email, fg));
        y += 7.0 * unit;
    }
    if t.show_company && !content.company.is_empty() {
        marks.push(text(y, 4.5 * unit, &content.company, fg));
        y += 7.0 * unit;
    }
    let bottom = if at(BannerPosition::Bottom) {
        banner(&mut marks, h - banner_h);
        h - banner_h
    } else {
        h
    };
    if t.show_qr_code
        && let Some(qr) = qr(&content.qr_payload, w, y + 2.0 * unit, bottom - 2.0 * unit)
    {
        marks.push(qr.0);
        marks.push(qr.1);
    }
    marks
}

/// `size`, shrunk so `s` fits in `width`.
fn fitted(size: f32, s: &str, width: f32) -> f32 {
    let n = s.chars().count().max(1) as f32;
    size.min(width / (n * ADVANCE))
}

/// The QR code of `payload`, centred, as large as fits between `top` and
/// `bottom` (at most 60% of the width), on a white square: a QR code on a dark
/// background would not scan.
fn qr(payload: &str, w: f32, top: f32, bottom: f32) -> Option<(Mark, Mark)> {
    let code = QrCode::new(payload.as_bytes()).ok()?;
    let n = code.width();
    let modules = n + 2 * QUIET;
    let side = (w * 0.6).min(bottom - top);
    if side <= 0.0 {
        return None;
    }
    let colours = code.to_colors();
    let mut dark = vec![false; modules * modules];
    for row in 0..n {
        for col in 0..n {
            dark[(row + QUIET) * modules + col + QUIET] = colours[row * n + col] == Color::Dark;
        }
    }
    let x = (w - side) / 2.0;
    Some((
        Mark::Rect {
            x,
            y: top,
            w: side,
            h: side,
            colour: WHITE,
        },
        Mark::Qr {
            x,
            y: top,
            side,
            modules,
            dark,
        },
    ))
}
