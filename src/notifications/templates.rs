//! One template per message kind, text and HTML, kept in `templates/mail/`.
//! `{{name}}` is replaced by the value of `name` (HTML-escaped in HTML); an
//! unknown name renders empty. The text template's first line is the subject
//! (`Subject: …`).

use std::collections::BTreeMap;

use tessera_aggregates::message::MessageKind;

/// A message ready to send.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

fn sources(kind: MessageKind) -> (&'static str, &'static str) {
    macro_rules! t {
        ($name:literal) => {
            (
                include_str!(concat!("../../templates/mail/", $name, ".txt")),
                include_str!(concat!("../../templates/mail/", $name, ".html")),
            )
        };
    }
    match kind {
        MessageKind::OrderConfirmation => t!("order_confirmation"),
        MessageKind::OrderCancelled => t!("order_cancelled"),
        MessageKind::OrderRefunded => t!("order_refunded"),
        MessageKind::AccessCode => t!("access_code"),
        MessageKind::PasswordReset => t!("password_reset"),
        MessageKind::GrantStatus => t!("grant_status"),
        MessageKind::VisaLetterStatus => t!("visa_letter_status"),
        MessageKind::VolunteerStatus => t!("volunteer_status"),
        MessageKind::SponsorshipStatus => t!("sponsorship_status"),
        MessageKind::BulkPurchaseStatus => t!("bulk_purchase_status"),
    }
}

fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `template` with every `{{name}}` replaced by `value(name)`.
fn fill(template: &str, value: impl Fn(&str) -> String) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        match after.find("}}") {
            Some(end) => {
                out.push_str(&value(after[..end].trim()));
                rest = &after[end + 2..];
            }
            None => {
                out.push_str(&rest[start..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// The message of `kind` with `vars` filled in.
pub fn render(kind: MessageKind, vars: &BTreeMap<String, String>) -> Rendered {
    let (text, html) = sources(kind);
    let get = |name: &str| vars.get(name).cloned().unwrap_or_default();
    // Headers are one line: a value never breaks the subject.
    let text = fill(text, |n| get(n));
    let (subject, body) = match text.split_once('\n') {
        Some((first, body)) => (
            first.strip_prefix("Subject:").unwrap_or(first).trim(),
            body.trim_start_matches('\n'),
        ),
        None => ("", text.as_str()),
    };
    let subject = subject.replace(['\r', '\n'], " ");
    Rendered {
        subject,
        text: body.to_string(),
        html: fill(html, |n| escape_html(&get(n))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_renders_its_subject_text_and_escaped_html() {
        let vars = BTreeMap::from([
            ("conference_name".to_string(), "PyCon <US>".to_string()),
            ("reference".to_string(), "ORD-1".to_string()),
        ]);
        for kind in MessageKind::ALL {
            let r = render(kind, &vars);
            assert!(!r.subject.is_empty(), "{kind:?} has a subject");
            assert!(!r.text.contains("{{"), "{kind:?} text filled");
            assert!(!r.html.contains("{{"), "{kind:?} html filled");
        }
        let r = render(MessageKind::OrderConfirmation, &vars);
        assert_eq!(r.subject, "PyCon <US>: order ORD-1 confirmed");
        assert!(r.html.contains("PyCon &lt;US&gt;"));
        assert!(r.text.contains("order ORD-1 for PyCon <US>"));
    }
}
