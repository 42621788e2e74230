//! A badge as a PNG at [`DPI`] dots per inch, so its pixel size is the
//! template's size (ATT-30, ATT-33). Text is set in a built-in 8×8 bitmap font
//! (no font files to ship).

use font8x8::UnicodeFonts;

use super::layout::{Mark, Rgb};

pub const DPI: f32 = 150.0;

/// Pixels for `mm` millimetres at [`DPI`].
pub fn px(mm: f32) -> usize {
    (mm * DPI / 25.4).round().max(0.0) as usize
}

struct Canvas {
    w: usize,
    h: usize,
    rgb: Vec<u8>,
}

impl Canvas {
    fn fill(&mut self, x0: usize, y0: usize, x1: usize, y1: usize, c: Rgb) {
        for y in y0.min(self.h)..y1.min(self.h) {
            let row = y * self.w * 3;
            for x in x0.min(self.w)..x1.min(self.w) {
                self.rgb[row + x * 3..row + x * 3 + 3].copy_from_slice(&c);
            }
        }
    }
}

pub fn render(
    width_mm: u32,
    height_mm: u32,
    marks: &[Mark],
) -> Result<Vec<u8>, png::EncodingError> {
    let (w, h) = (px(width_mm as f32), px(height_mm as f32));
    let mut canvas = Canvas {
        w,
        h,
        rgb: vec![255; w * h * 3],
    };
    for mark in marks {
        match mark {
            Mark::Rect {
                x,
                y,
                w: mw,
                h: mh,
                colour,
            } => canvas.fill(px(*x), px(*y), px(x + mw), px(y + mh), *colour),
            Mark::Text {
                cx,
                top,
                size,
                text,
                colour,
            } => draw_text(&mut canvas, *cx, *top, *size, text, *colour),
            Mark::Qr {
                x,
                y,
                side,
                modules,
                dark,
            } => {
                // Whole pixels per module, so every module is the same size.
                let cell = (px(*side) / modules.max(&1)).max(1);
                let (x0, y0) = (px(*x), px(*y));
                for (i, _) in dark.iter().enumerate().filter(|(_, d)| **d) {
                    let (row, col) = (i / modules, i % modules);
                    let (cx, cy) = (x0 + col * cell, y0 + row * cell);
                    canvas.fill(cx, cy, cx + cell, cy + cell, [0, 0, 0]);
                }
            }
        }
    }
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, w as u32, h as u32);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header()?;
        writer.write_image_data(&canvas.rgb)?;
    }
    Ok(out)
}

/// One line centred on `cx`: each glyph a `size` mm square.
fn draw_text(canvas: &mut Canvas, cx: f32, top: f32, size: f32, text: &str, colour: Rgb) {
    let n = text.chars().count().max(1);
    // Shrunk further when the line would not fit the badge's width.
    let glyph = px(size).min(canvas.w * 9 / 10 / n).max(8);
    let dot = glyph as f32 / 8.0;
    let left = px(cx).saturating_sub(n * glyph / 2);
    let y0 = px(top);
    for (i, ch) in text.chars().enumerate() {
        let bitmap = font8x8::BASIC_FONTS
            .get(ch)
            .or_else(|| font8x8::LATIN_FONTS.get(ch))
            .or_else(|| font8x8::BASIC_FONTS.get('?'))
            .unwrap_or([0; 8]);
        let gx = left + i * glyph;
        for (row, bits) in bitmap.iter().enumerate() {
            for col in 0..8 {
                if bits & (1 << col) != 0 {
                    let x = gx + (col as f32 * dot) as usize;
                    let y = y0 + (row as f32 * dot) as usize;
                    let (x1, y1) = (
                        gx + ((col + 1) as f32 * dot) as usize,
                        y0 + ((row + 1) as f32 * dot) as usize,
                    );
                    canvas.fill(x, y, x1, y1, colour);
                }
            }
        }
    }
}
