//! A personal value as it is stored in events: encrypted (AES-256-GCM) under the
//! key of the person it belongs to. The domain never opens it; the service does
//! (`src/personal`), and once the person is erased nobody can.

use serde::{Deserialize, Serialize};

/// `{"v":1,"n":nonce_b64,"c":ciphertext_b64}`. A stored format: never rename.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sealed {
    /// The scheme: 1 = AES-256-GCM, 96-bit nonce, base64 (standard, padded).
    pub v: u8,
    /// The nonce.
    pub n: String,
    /// The ciphertext with its tag.
    pub c: String,
}

/// A person's e-mail and name as they enter `UserRegistered`: sealed by the
/// caller under the user's key, with the keyed hash of the normalized e-mail
/// (for lookups and uniqueness without the plain address).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealedIdentity {
    pub email: Sealed,
    pub name: Sealed,
    pub email_hash: String,
}

/// An order's billing details sealed under the buyer's key (an empty field is
/// None). A stored format: never rename.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealedBilling {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<Sealed>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<Sealed>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company: Option<Sealed>,
}
