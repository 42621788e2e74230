//! Badge files (SPEC ATT-30…37): a template and an attendee's content laid out
//! once ([`layout`]) and drawn as a one-page PDF or a PNG of the template's size,
//! with the QR code "<conference slug>:<access code>". Files are kept in the
//! database ([`store`]) and returned as stored once made (ATT-36).

pub mod layout;
mod pdf;
mod png;
pub mod store;

use tessera_aggregates::badge::{BadgeFormat, BadgeTemplate};

pub use layout::BadgeContent;
pub use png::{DPI, px};

/// ATT-36: "badge-<access code>.<pdf|png>".
pub fn file_name(access_code: &str, format: BadgeFormat) -> String {
    format!("badge-{access_code}.{}", format.as_str())
}

pub fn content_type(format: BadgeFormat) -> &'static str {
    match format {
        BadgeFormat::Pdf => "application/pdf",
        BadgeFormat::Png => "image/png",
    }
}

#[derive(Debug, thiserror::Error)]
#[error("the badge could not be encoded: {0}")]
pub struct RenderError(String);

/// The badge of `content` on `template` in `format`.
pub fn render(
    template: &BadgeTemplate,
    content: &BadgeContent,
    format: BadgeFormat,
) -> Result<Vec<u8>, RenderError> {
    let marks = layout::layout(template, content);
    match format {
        BadgeFormat::Pdf => Ok(pdf::render(
            template.width_mm,
            template.height_mm,
            template.font_or_default(),
            &marks,
        )),
        BadgeFormat::Png => png::render(template.width_mm, template.height_mm, &marks)
            .map_err(|e| RenderError(e.to_string())),
    }
}
