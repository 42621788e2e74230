//! Random human-facing codes (order and PO references, voucher codes): drawn at the
//! edge, never inside an aggregate.

use rand::Rng;

/// The alphabet of references, voucher codes and access codes (AMB-3, DISC-8, ATT-2).
pub const ALPHABET: &[u8; 36] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/// `prefix` followed by `len` random characters of [`ALPHABET`].
pub fn random_code(prefix: &str, len: usize) -> String {
    let mut rng = rand::thread_rng();
    let mut code = String::with_capacity(prefix.len() + len);
    code.push_str(prefix);
    code.extend((0..len).map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char));
    code
}
