//! Sending over SMTP with lettre (tokio, rustls). The SMTP `Message-ID` is
//! derived from the message id, so a receiver can tell a repeat of the same
//! message (after a lease was taken over) from a new one.

use std::time::Duration;

use async_trait::async_trait;
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use uuid::Uuid;

use crate::config::{MailConfig, MailTls};

/// One e-mail to send.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub id: Uuid,
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// Inline images: (content id, file name, content type, bytes).
    pub inline: Vec<(String, String, String, Vec<u8>)>,
}

/// Why a send failed; `permanent` ones (a 5xx answer, a bad address) are not
/// retried.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{detail}")]
pub struct SendError {
    pub detail: String,
    pub permanent: bool,
}

impl SendError {
    fn permanent(detail: impl ToString) -> Self {
        Self {
            detail: detail.to_string(),
            permanent: true,
        }
    }
}

#[async_trait]
pub trait Mailer: Send + Sync {
    async fn send(&self, mail: &Outgoing) -> Result<(), SendError>;
}

pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    /// The right side of `Message-ID`s: the sender's domain.
    domain: String,
}

impl SmtpMailer {
    /// None when no host is configured.
    pub fn from_config(config: &MailConfig) -> anyhow::Result<Option<Self>> {
        let Some(host) = config.host.as_deref() else {
            return Ok(None);
        };
        let builder = match config.tls {
            MailTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host),
            MailTls::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host)?,
            MailTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(host)?,
        };
        let mut builder = builder
            .port(config.port)
            .timeout(Some(Duration::from_secs(30)));
        if let Some(user) = &config.username {
            let password = config
                .password
                .as_ref()
                .map(|p| p.expose().to_string())
                .unwrap_or_default();
            builder = builder.credentials(Credentials::new(user.clone(), password));
        }
        let from: Mailbox = config
            .from
            .parse()
            .map_err(|e| anyhow::anyhow!("mail.from: {e}"))?;
        let domain = from.email.domain().to_string();
        Ok(Some(Self {
            transport: builder.build(),
            from,
            domain,
        }))
    }
}

#[async_trait]
impl Mailer for SmtpMailer {
    async fn send(&self, mail: &Outgoing) -> Result<(), SendError> {
        let to: Mailbox = mail.to.parse().map_err(SendError::permanent)?;
        let alternative = MultiPart::alternative_plain_html(mail.text.clone(), mail.html.clone());
        let body = if mail.inline.is_empty() {
            alternative
        } else {
            let mut related = MultiPart::related().multipart(alternative);
            for (cid, name, content_type, bytes) in &mail.inline {
                let content_type =
                    ContentType::parse(content_type).map_err(SendError::permanent)?;
                let part: SinglePart = Attachment::new_inline_with_name(cid.clone(), name.clone())
                    .body(bytes.clone(), content_type);
                related = related.singlepart(part);
            }
            related
        };
        let email = lettre::Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject.clone())
            .message_id(Some(format!("<{}@{}>", mail.id, self.domain)))
            .multipart(body)
            .map_err(SendError::permanent)?;
        self.transport
            .send(email)
            .await
            .map(|_| ())
            .map_err(|e| SendError {
                permanent: e.is_permanent(),
                detail: e.to_string(),
            })
    }
}
