//! The second factor: time-based one-time codes (RFC 6238: HMAC-SHA1, six digits,
//! 30-second steps, what every authenticator app on a phone makes) and one-time
//! recovery codes. The code arithmetic is `totp-rs`'s; this file chooses the window,
//! keeps a code from being used twice and writes what the phone scans.

use constant_time_eq::constant_time_eq;
use sha2::{Digest, Sha256};
use totp_rs::{Algorithm, Secret, TOTP};

/// Seconds per code.
pub const STEP: u64 = 30;
/// Recovery codes made at enrolment.
pub const RECOVERY_CODES: usize = 10;

/// A new random secret (160 bits, as RFC 4226 recommends), base32 as apps take it.
pub fn new_secret() -> String {
    use rand::RngCore;
    let mut b = [0u8; 20];
    rand::thread_rng().fill_bytes(&mut b);
    match Secret::Raw(b.to_vec()).to_encoded() {
        Secret::Encoded(s) => s,
        Secret::Raw(_) => unreachable!("to_encoded gives an encoded secret"),
    }
}

fn totp(secret: &str) -> Option<TOTP> {
    let bytes = Secret::Encoded(secret.to_string()).to_bytes().ok()?;
    TOTP::new(Algorithm::SHA1, 6, 0, STEP, bytes).ok()
}

/// The code of `secret` at a Unix time (what the phone shows then).
pub fn code_at(secret: &str, unix: i64) -> Option<String> {
    Some(totp(secret)?.generate(u64::try_from(unix).ok()?))
}

/// The time step whose code `typed` is: this one, or the one before or after (a phone's
/// clock a little off, a code typed as it turned). `None`: no code of this secret now.
pub fn matching_step(secret: &str, typed: &str, unix: i64) -> Option<i64> {
    let typed: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
    if typed.len() != 6 || !typed.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let t = totp(secret)?;
    let now = unix.div_euclid(STEP as i64);
    (now - 1..=now + 1).find(|step| {
        let at = u64::try_from(step * STEP as i64).unwrap_or(0);
        constant_time_eq(t.generate(at).as_bytes(), typed.as_bytes())
    })
}

/// What the phone scans to add the account (`otpauth://totp/…`).
pub fn otpauth_uri(secret: &str, username: &str, issuer: &str) -> String {
    let enc = |s: &str| -> String {
        form_urlencoded::byte_serialize(s.as_bytes())
            .collect::<String>()
            .replace('+', "%20")
    };
    format!(
        "otpauth://totp/{}:{}?secret={secret}&issuer={}&algorithm=SHA1&digits=6&period={STEP}",
        enc(issuer),
        enc(username),
        enc(issuer)
    )
}

/// New recovery codes, each usable once: `xxxx-xxxx-xxxx` from letters and digits
/// that are not mistaken for one another (60 bits each).
pub fn new_recovery_codes() -> Vec<String> {
    const A: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    (0..RECOVERY_CODES)
        .map(|_| crate::collect::readable_code(A, &[4, 4, 4]))
        .collect()
}

/// How a recovery code is stored: random enough that a plain SHA-256 keeps it
/// unusable if the database leaks (as API tokens). Case, spaces and dashes do not
/// matter when it is typed.
pub fn recovery_hash(code: &str) -> String {
    let norm: String = code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    hex::encode(Sha256::digest(norm.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238, appendix B: the SHA-1 secret "12345678901234567890" at 59 s gives
    /// 94287082 in eight digits, so 287082 in six.
    #[test]
    fn codes_are_those_of_rfc_6238() {
        let secret = match Secret::Raw(b"12345678901234567890".to_vec()).to_encoded() {
            Secret::Encoded(s) => s,
            Secret::Raw(_) => unreachable!(),
        };
        assert_eq!(code_at(&secret, 59).as_deref(), Some("287082"));
        assert_eq!(code_at(&secret, 1_111_111_109).as_deref(), Some("081804"));
    }

    #[test]
    fn a_code_matches_its_step_and_its_neighbours_only() {
        let s = new_secret();
        let now = 1_765_000_000;
        let code = code_at(&s, now).unwrap();
        let step = now / STEP as i64;
        assert_eq!(matching_step(&s, &code, now), Some(step));
        assert_eq!(matching_step(&s, &code, now + 30), Some(step));
        assert_eq!(matching_step(&s, &code, now - 30), Some(step));
        assert_eq!(matching_step(&s, &code, now + 90), None);
        assert_eq!(matching_step(&s, "12345", now), None);
        assert_eq!(matching_step(&s, "abcdef", now), None);
        let spaced = format!("{} {}", &code[..3], &code[3..]);
        assert_eq!(matching_step(&s, &spaced, now), Some(step));
    }

    #[test]
    fn recovery_codes_are_distinct_and_typed_loosely() {
        let codes = new_recovery_codes();
        assert_eq!(codes.len(), RECOVERY_CODES);
        let mut unique = codes.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), RECOVERY_CODES);
        let c = &codes[0];
        assert_eq!(
            recovery_hash(c),
            recovery_hash(&c.to_uppercase().replace('-', " "))
        );
    }
}
