//! Passwords (argon2), bearer tokens (HMAC-SHA256 over the user, session epoch,
//! token id and lifetime), the key that signs them, and the login throttle.

pub mod reset;
pub mod signing_key;
pub mod throttle;

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

/// The browser session cookie of the dashboards (an HttpOnly, SameSite=Strict
/// bearer token); the page benchmark signs in with it too.
pub const SESSION_COOKIE: &str = "tessera_session";

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

/// What a genuine bearer token says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenClaims {
    pub user: Uuid,
    /// The user's session epoch when the token was issued (a revocation of every
    /// session moves the user to a new epoch).
    pub epoch: u32,
    /// The token's own id, by which it can be signed out alone.
    pub id: String,
    pub issued_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// The tag opening a token's payload: tokens of another shape are refused.
const TOKEN_VERSION: &str = "t2";

/// Signs and checks bearer tokens:
/// `base64("t2.user.epoch.id.issued_at.expires_at").base64(hmac)`.
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

    /// The anti-forgery token of a browser session (a synchronizer token bound to
    /// it): a MAC of the session's own value under the signing key, so it cannot
    /// be computed without the key nor reused with another session.
    pub fn csrf(&self, session: &str) -> String {
        let sig = self
            .mac(format!("csrf.{session}").as_bytes())
            .finalize()
            .into_bytes();
        URL_SAFE_NO_PAD.encode(sig)
    }

    /// Whether `token` is the anti-forgery token of `session` (constant time).
    pub fn csrf_matches(&self, session: &str, token: &str) -> bool {
        URL_SAFE_NO_PAD.decode(token).is_ok_and(|sig| {
            self.mac(format!("csrf.{session}").as_bytes())
                .verify_slice(&sig)
                .is_ok()
        })
    }

    /// A new token for `user` in session epoch `epoch`, with a fresh random id.
    pub fn issue(&self, user: Uuid, epoch: u32, now: DateTime<Utc>) -> String {
        let id = Uuid::new_v4().simple();
        let payload = format!(
            "{TOKEN_VERSION}.{user}.{epoch}.{id}.{}.{}",
            now.timestamp(),
            (now + self.ttl).timestamp()
        );
        let sig = self.mac(payload.as_bytes()).finalize().into_bytes();
        format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(payload),
            URL_SAFE_NO_PAD.encode(sig)
        )
    }

    /// What a token says, if it is genuine and not expired. Whether its session
    /// is still open is the user's to say ([`tessera_aggregates::user::User::accepts_session`]).
    pub fn verify(&self, token: &str, now: DateTime<Utc>) -> Option<TokenClaims> {
        let (payload_b64, sig_b64) = token.split_once('.')?;
        let payload = URL_SAFE_NO_PAD.decode(payload_b64).ok()?;
        let sig = URL_SAFE_NO_PAD.decode(sig_b64).ok()?;
        self.mac(&payload).verify_slice(&sig).ok()?;
        let payload = String::from_utf8(payload).ok()?;
        let mut fields = payload.split('.');
        if fields.next()? != TOKEN_VERSION {
            return None;
        }
        let user = fields.next()?.parse().ok()?;
        let epoch = fields.next()?.parse().ok()?;
        let id = fields.next()?.to_string();
        let issued_at = DateTime::from_timestamp(fields.next()?.parse().ok()?, 0)?;
        let expires_at = DateTime::from_timestamp(fields.next()?.parse().ok()?, 0)?;
        if fields.next().is_some() || now > expires_at {
            return None;
        }
        Some(TokenClaims {
            user,
            epoch,
            id,
            issued_at,
            expires_at,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_reject_tampering_and_expiry() {
        let signer = TokenSigner::new("secret", 1);
        let now = DateTime::from_timestamp(1_800_000_000, 0).unwrap_or_default();
        let user = Uuid::new_v4();
        let token = signer.issue(user, 3, now);
        let claims = signer.verify(&token, now);
        assert_eq!(claims.as_ref().map(|c| (c.user, c.epoch)), Some((user, 3)));
        assert_eq!(claims.as_ref().map(|c| c.issued_at), Some(now));
        assert_eq!(
            claims.as_ref().map(|c| c.expires_at),
            Some(now + Duration::hours(1))
        );
        assert_eq!(signer.verify(&token, now + Duration::hours(2)), None);
        let other = TokenSigner::new("other", 1);
        assert_eq!(other.verify(&token, now), None);
        let mut forged = token.clone();
        forged.insert(3, 'x');
        assert_eq!(signer.verify(&forged, now), None);
    }

    #[test]
    fn every_token_has_its_own_id() {
        let signer = TokenSigner::new("secret", 1);
        let now = Utc::now();
        let user = Uuid::new_v4();
        let a = signer
            .verify(&signer.issue(user, 0, now), now)
            .map(|c| c.id);
        let b = signer
            .verify(&signer.issue(user, 0, now), now)
            .map(|c| c.id);
        assert!(a.is_some() && b.is_some() && a != b);
    }

    #[test]
    fn tokens_of_the_old_shape_are_refused() {
        // The former `user.expiry` payload, correctly signed.
        let signer = TokenSigner::new("secret", 1);
        let payload = format!("{}.{}", Uuid::new_v4(), Utc::now().timestamp() + 3600);
        let sig = signer.mac(payload.as_bytes()).finalize().into_bytes();
        let token = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(payload),
            URL_SAFE_NO_PAD.encode(sig)
        );
        assert_eq!(signer.verify(&token, Utc::now()), None);
    }

    #[test]
    fn passwords_verify_only_with_the_right_password() {
        let hash = hash_password("correct horse").unwrap_or_default();
        assert!(verify_password("correct horse", &hash));
        assert!(!verify_password("wrong horse", &hash));
    }
}
