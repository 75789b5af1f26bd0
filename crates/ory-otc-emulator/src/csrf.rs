//! Browser-flow CSRF as Kratos does it with nosurf (docs/kratos-protocol.md §2 "Browser-flow CSRF").
//!
//! The cookie holds a 32-byte secret (base64). Each token handed out in a `csrf_token` node is
//! that secret masked with a fresh one-time pad (64 bytes, base64), so every flow carries a
//! different token and any of them verifies against the cookie.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use rand::RngCore as _;
use sha2::{Digest, Sha256};

const TOKEN_LEN: usize = 32;

/// nosurf's `MaxAge`: 365 days (docs/kratos-protocol.md §2).
pub const COOKIE_MAX_AGE_SECS: u64 = 365 * 24 * 60 * 60;

/// `csrf_token_<hex(sha256(public base URL))>`.
pub fn cookie_name(public_base_url: &str) -> String {
    format!(
        "csrf_token_{}",
        hex::encode(Sha256::digest(public_base_url.as_bytes()))
    )
}

/// A new cookie secret, base64-encoded as it goes into the cookie.
pub fn new_secret() -> String {
    let mut raw = [0u8; TOKEN_LEN];
    rand::rng().fill_bytes(&mut raw);
    STANDARD.encode(raw)
}

/// The secret from a cookie value, if it has the right shape.
pub fn parse_secret(cookie_value: &str) -> Option<[u8; TOKEN_LEN]> {
    STANDARD.decode(cookie_value).ok()?.try_into().ok()
}

/// A masked token for `secret` (nosurf's `Token(r)`).
pub fn mask(secret: &[u8; TOKEN_LEN]) -> String {
    let mut out = [0u8; TOKEN_LEN * 2];
    rand::rng().fill_bytes(&mut out[..TOKEN_LEN]);
    for i in 0..TOKEN_LEN {
        out[TOKEN_LEN + i] = secret[i] ^ out[i];
    }
    STANDARD.encode(out)
}

/// nosurf's `VerifyToken(realToken, sentToken)`: a sent token verifies when, unmasked, it
/// equals the cookie secret. Unmasked 32-byte tokens are accepted too, as nosurf does.
pub fn verify(secret: &[u8; TOKEN_LEN], sent: &str) -> bool {
    let Ok(raw) = STANDARD.decode(sent) else {
        return false;
    };
    let candidate: Vec<u8> = match raw.len() {
        TOKEN_LEN => raw,
        n if n == TOKEN_LEN * 2 => (0..TOKEN_LEN)
            .map(|i| raw[TOKEN_LEN + i] ^ raw[i])
            .collect(),
        _ => return false,
    };
    // Constant-time comparison: the cost does not depend on where the first difference is.
    candidate
        .iter()
        .zip(secret.iter())
        .fold(0u8, |acc, (a, b)| acc | (a ^ b))
        == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_masked_token_verifies_against_its_secret_only() {
        let secret = parse_secret(&new_secret()).unwrap();
        let other = parse_secret(&new_secret()).unwrap();
        let token = mask(&secret);
        assert_ne!(token, mask(&secret), "each token has its own pad");
        assert!(verify(&secret, &token));
        assert!(!verify(&other, &token));
        assert!(!verify(&secret, "not base64!"));
        assert!(!verify(&secret, ""));
    }

    #[test]
    fn the_cookie_name_hashes_the_public_url() {
        assert_eq!(
            cookie_name("http://127.0.0.1:4433/"),
            format!(
                "csrf_token_{}",
                hex::encode(Sha256::digest(b"http://127.0.0.1:4433/"))
            )
        );
        assert_eq!(cookie_name("x").len(), "csrf_token_".len() + 64);
    }
}
