//! A badge as a one-page PDF of the template's size (ATT-30, ATT-33), with the
//! template's font when it is one of the standard PDF fonts, else Helvetica.

use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str};

use super::layout::{Mark, Rgb};

const PT_PER_MM: f32 = 72.0 / 25.4;

/// The standard fonts every PDF reader has; any other name falls back to
/// Helvetica (ATT-33).
const STANDARD: &[&str] = &[
    "Helvetica",
    "Helvetica-Bold",
    "Times-Roman",
    "Times-Bold",
    "Courier",
    "Courier-Bold",
];

pub fn render(width_mm: u32, height_mm: u32, font: &str, marks: &[Mark]) -> Vec<u8> {
    let (w, h) = (width_mm as f32 * PT_PER_MM, height_mm as f32 * PT_PER_MM);
    let font = STANDARD
        .iter()
        .find(|f| f.eq_ignore_ascii_case(font))
        .copied()
        .unwrap_or("Helvetica");
    let (catalog, tree, page_id, font_id, content_id) = (
        Ref::new(1),
        Ref::new(2),
        Ref::new(3),
        Ref::new(4),
        Ref::new(5),
    );
    let mut pdf = Pdf::new();
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree).kids([page_id]).count(1);
    let mut page = pdf.page(page_id);
    page.media_box(Rect::new(0.0, 0.0, w, h));
    page.parent(tree);
    page.contents(content_id);
    page.resources().fonts().pair(Name(b"F1"), font_id);
    page.finish();
    pdf.type1_font(font_id)
        .base_font(Name(font.as_bytes()))
        .encoding_predefined(Name(b"WinAnsiEncoding"));

    let mut c = Content::new();
    // PDF space has its origin at the bottom left, in points.
    let fill = |c: &mut Content, colour: Rgb| {
        let [r, g, b] = colour.map(|v| f32::from(v) / 255.0);
        c.set_fill_rgb(r, g, b);
    };
    for mark in marks {
        match mark {
            Mark::Rect {
                x,
                y,
                w: mw,
                h: mh,
                colour,
            } => {
                fill(&mut c, *colour);
                c.rect(
                    x * PT_PER_MM,
                    h - (y + mh) * PT_PER_MM,
                    mw * PT_PER_MM,
                    mh * PT_PER_MM,
                );
                c.fill_nonzero();
            }
            Mark::Text {
                cx,
                top,
                size,
                text,
                colour,
            } => {
                let bytes = latin1(text);
                let size_pt = size * PT_PER_MM;
                let width = bytes.len() as f32 * size_pt * 0.55;
                fill(&mut c, *colour);
                c.begin_text();
                c.set_font(Name(b"F1"), size_pt);
                c.next_line(
                    cx * PT_PER_MM - width / 2.0,
                    h - (top + size * 0.8) * PT_PER_MM,
                );
                c.show(Str(&bytes));
                c.end_text();
            }
            Mark::Qr {
                x,
                y,
                side,
                modules,
                dark,
            } => {
                let cell = side / *modules as f32 * PT_PER_MM;
                fill(&mut c, [0, 0, 0]);
                for (i, _) in dark.iter().enumerate().filter(|(_, d)| **d) {
                    let (row, col) = (i / modules, i % modules);
                    let px = x * PT_PER_MM + col as f32 * cell;
                    let py = h - y * PT_PER_MM - (row + 1) as f32 * cell;
                    c.rect(px, py, cell, cell);
                }
                c.fill_nonzero();
            }
        }
    }
    pdf.stream(content_id, &c.finish());
    pdf.finish()
}

/// WinAnsi is Latin-1 for what badges need; anything beyond shows as '?'.
fn latin1(s: &str) -> Vec<u8> {
    s.chars()
        .map(|ch| u8::try_from(u32::from(ch)).unwrap_or(b'?'))
        .map(|b| if b < 0x20 { b' ' } else { b })
        .collect()
}
