//! Password reset tokens (RESET-1…5).
//!
//! A token is `{user}.{secret}` where the secret is an HMAC (under the token
//! signing key) of the reset request's id. The log records the request id and
//! the SHA-256 of the whole token, never the token: only the service (which holds
//! the key) can derive it again, which is how the outbox writes it into the mail
//! after a restart. An hour after the request it is refused; a reset spends it.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Duration;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::TokenSigner;

/// RESET-3: how long a reset token works.
pub fn reset_token_ttl() -> Duration {
    Duration::hours(1)
}

impl TokenSigner {
    /// The reset token of request `request` for `user`.
    pub fn reset_token(&self, user: Uuid, request: Uuid) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.key)
            .unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
        mac.update(b"password-reset.");
        mac.update(request.as_bytes());
        let secret = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
        format!("{}.{secret}", user.simple())
    }
}

/// What the log keeps of a token: its SHA-256, hex.
pub fn reset_token_hash(token: &str) -> String {
    let digest = Sha256::digest(token.trim().as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The user a token names, if it has the token's shape.
pub fn reset_token_user(token: &str) -> Option<Uuid> {
    let (user, secret) = token.trim().split_once('.')?;
    if secret.is_empty() {
        return None;
    }
    Uuid::parse_str(user).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reset_token_names_its_user_and_depends_on_key_and_request() {
        let signer = TokenSigner::new("secret", 1);
        let (user, request) = (Uuid::new_v4(), Uuid::new_v4());
        let token = signer.reset_token(user, request);
        assert_eq!(reset_token_user(&token), Some(user));
        assert_eq!(token, signer.reset_token(user, request));
        assert_ne!(token, signer.reset_token(user, Uuid::new_v4()));
        assert_ne!(
            token,
            TokenSigner::new("other", 1).reset_token(user, request)
        );
        assert_eq!(reset_token_hash(&token).len(), 64);
        assert_eq!(reset_token_user("nonsense"), None);
    }
}
