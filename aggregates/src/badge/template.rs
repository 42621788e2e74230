//! A badge template as stored (ATT-33, ATT-34): size, colours, banner position and
//! which fields a badge shows.

use serde::{Deserialize, Serialize};

/// ATT-34: where the coloured ticket banner goes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BannerPosition {
    #[default]
    BelowHeader,
    AboveName,
    BelowName,
    Bottom,
}

/// ATT-30: the formats a badge is made in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BadgeFormat {
    Pdf,
    Png,
}

impl BadgeFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pdf => "pdf",
            Self::Png => "png",
        }
    }

    /// ATT-30: "pdf" or "png"; anything else is refused with the SPEC text.
    pub fn parse(s: &str) -> Result<Self, super::BadgeError> {
        match s {
            "pdf" => Ok(Self::Pdf),
            "png" => Ok(Self::Png),
            other => Err(super::BadgeError::UnsupportedFormat(other.to_string())),
        }
    }
}

/// One template of a conference. Defaults are ATT-33's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BadgeTemplate {
    pub slug: String,
    pub name: String,
    pub is_default: bool,
    pub width_mm: u32,
    pub height_mm: u32,
    pub banner_position: BannerPosition,
    pub show_name: bool,
    pub show_email: bool,
    pub show_company: bool,
    pub show_ticket_type: bool,
    pub show_qr_code: bool,
    pub show_conference_name: bool,
    pub background_color: String,
    pub text_color: String,
    pub accent_color: String,
    /// ATT-33: optional; Helvetica when empty.
    #[serde(default)]
    pub font: String,
}

impl BadgeTemplate {
    /// ATT-33: a template with every default.
    pub fn new(slug: &str, name: &str) -> Self {
        Self {
            slug: slug.to_string(),
            name: name.to_string(),
            is_default: false,
            width_mm: 102,
            height_mm: 152,
            banner_position: BannerPosition::BelowHeader,
            show_name: true,
            show_email: false,
            show_company: false,
            show_ticket_type: true,
            show_qr_code: true,
            show_conference_name: true,
            background_color: "#FFFFFF".into(),
            text_color: "#000000".into(),
            accent_color: "#4338CA".into(),
            font: String::new(),
        }
    }

    /// ATT-33: the font a badge is set in.
    pub fn font_or_default(&self) -> &str {
        if self.font.trim().is_empty() {
            "Helvetica"
        } else {
            self.font.trim()
        }
    }
}

/// ATT-33: colours are `#RRGGBB`.
pub fn is_hex_colour(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 7 && b[0] == b'#' && b[1..].iter().all(u8::is_ascii_hexdigit)
}

/// `#RRGGBB` as bytes (black when it is not one: templates are validated first).
pub fn rgb(s: &str) -> [u8; 3] {
    let byte = |i: usize| {
        s.get(i..i + 2)
            .and_then(|h| u8::from_str_radix(h, 16).ok())
            .unwrap_or(0)
    };
    if is_hex_colour(s) {
        [byte(1), byte(3), byte(5)]
    } else {
        [0, 0, 0]
    }
}
