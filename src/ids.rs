//! Stream ids derived from natural keys (UUID v5): the same key
//! names the same stream in every process, so a thing is found without an index
//! and created at most once.

use tessera_aggregates::natural_id;
use uuid::Uuid;

pub fn conference_id(slug: &str) -> Uuid {
    natural_id("conference", slug)
}

pub fn series_id(slug: &str) -> Uuid {
    natural_id("series", slug)
}

pub fn inventory_id(conference: Uuid) -> Uuid {
    natural_id("inventory", &conference.to_string())
}

/// An order's stream id comes from its reference (unique, AMB-3), so an order is
/// found by reference without an index.
pub fn order_id(reference: &str) -> Uuid {
    natural_id("order", reference)
}

pub fn user_id(email: &str) -> Uuid {
    natural_id("user", &email.trim().to_lowercase())
}

/// MY-5: one fundraising stream (pipeline and donations) per conference.
pub fn fundraising_id(conference: Uuid) -> Uuid {
    natural_id("fundraising", &conference.to_string())
}

/// SPONSOR-2: a sponsor's slug is unique per conference.
pub fn sponsor_id(conference: Uuid, slug: &str) -> Uuid {
    natural_id("sponsor", &format!("{conference}/{slug}"))
}

pub fn activity_id(conference: Uuid, slug: &str) -> Uuid {
    natural_id("activity", &format!("{conference}/{slug}"))
}

/// Slug of a name (BOOT-5, also CONF-10): lowercase; delete every character that
/// is not a word character (Unicode letter, digit or `_`), whitespace or hyphen;
/// collapse each run of whitespace/hyphens into one `-`; trim leading/trailing `-`.
/// `"PyCon US 2027"` → `"pycon-us-2027"`. May return an empty string.
pub fn slugify(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending_dash = false;
    for c in s.chars().flat_map(char::to_lowercase) {
        if c.is_whitespace() || c == '-' {
            pending_dash = true;
        } else if c.is_alphanumeric() || c == '_' {
            if pending_dash && !out.is_empty() {
                out.push('-');
            }
            pending_dash = false;
            out.push(c);
        }
        // any other character is deleted and does not break a dash run
    }
    out
}
