//! Passwords (argon2) and bearer tokens (HMAC-SHA256 over the user id and expiry).

use argon2::Argon2;
use argon2::password_hash::{
    PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng,
};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use uuid::Uuid;

/// The shortest password we accept.
pub const MIN_PASSWORD_LEN: usize = 8;

pub fn hash_password(password: &str) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)?
        .to_string())
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Signs and checks bearer tokens: `base64(user_id.expiry).base64(hmac)`.
#[derive(Clone)]
pub struct TokenSigner {
    key: Vec<u8>,
    ttl: Duration,
}

impl TokenSigner {
    pub fn new(secret: &str, ttl_hours: i64) -> Self {
        Self {
            key: secret.as_bytes().to_vec(),
            ttl: Duration::hours(ttl_hours),
        }
    }

    fn mac(&self, payload: &[u8]) -> Hmac<Sha256> {
        // HMAC accepts keys of any length.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.key)
            .unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
        mac.update(payload);
        mac
    }

    pub fn issue(&self, user: Uuid, now: DateTime<Utc>) -> String {
        let payload = format!("{user}.{}", (now + self.ttl).timestamp());
        let sig = self.mac(payload.as_bytes()).finalize().into_bytes();
        format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(payload),
            URL_SAFE_NO_PAD.encode(sig)
        )
    }

    /// The user a token speaks for, if it is genuine and not expired.
    pub fn verify(&self, token: &str, now: DateTime<Utc>) -> Option<Uuid> {
        let (payload_b64, sig_b64) = token.split_once('.')?;
        let payload = URL_SAFE_NO_PAD.decode(payload_b64).ok()?;
        let sig = URL_SAFE_NO_PAD.decode(sig_b64).ok()?;
        self.mac(&payload).verify_slice(&sig).ok()?;
        let payload = String::from_utf8(payload).ok()?;
        let (user, expiry) = payload.split_once('.')?;
        let expiry: i64 = expiry.parse().ok()?;
        if now.timestamp() > expiry {
            return None;
        }
        user.parse().ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_reject_tampering_and_expiry() {
        let signer = TokenSigner::new("secret", 1);
        let now = Utc::now();
        let user = Uuid::new_v4();
        let token = signer.issue(user, now);
        assert_eq!(signer.verify(&token, now), Some(user));
        assert_eq!(signer.verify(&token, now + Duration::hours(2)), None);
        let other = TokenSigner::new("other", 1);
        assert_eq!(other.verify(&token, now), None);
        let mut forged = token.clone();
        forged.insert(3, 'x');
        assert_eq!(signer.verify(&forged, now), None);
    }

    #[test]
    fn passwords_verify_only_with_the_right_password() {
        let hash = hash_password("correct horse").unwrap_or_default();
        assert!(verify_password("correct horse", &hash));
        assert!(!verify_password("wrong horse", &hash));
    }
}
