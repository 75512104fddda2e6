//! Mailgun webhook signing: hex(HMAC-SHA256(signing key, timestamp + token)).

use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::{within_tolerance, SignatureError};

type HmacSha256 = Hmac<Sha256>;

/// The three signature fields Mailgun posts with every inbound message.
#[derive(Debug, Clone, Copy)]
pub struct MailgunSignature<'a> {
    pub timestamp: Option<&'a str>,
    pub token: Option<&'a str>,
    pub signature: Option<&'a str>,
}

pub fn sign(key: &[u8], timestamp: &str, token: &str) -> String {
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC accepts any key length");
    mac.update(timestamp.as_bytes());
    mac.update(token.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

pub fn verify(key: &[u8], fields: MailgunSignature<'_>, now: i64, tolerance_s: i64) -> Result<(), SignatureError> {
    // No key configured (a venue not on Mailgun): refuse everything; an
    // empty HMAC key would let anyone sign.
    if key.is_empty() {
        return Err(SignatureError::BadCredentials);
    }
    let ts = fields.timestamp.ok_or(SignatureError::MissingField("timestamp"))?;
    let token = fields.token.ok_or(SignatureError::MissingField("token"))?;
    let sig = fields.signature.ok_or(SignatureError::MissingField("signature"))?;
    let ts_num: i64 = ts.trim().parse().map_err(|_| SignatureError::InvalidTimestamp)?;
    if !within_tolerance(ts_num, now, tolerance_s) {
        return Err(SignatureError::StaleTimestamp);
    }
    let expected = hex::decode(sig.trim()).map_err(|_| SignatureError::NoMatch)?;
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC accepts any key length");
    mac.update(ts.as_bytes());
    mac.update(token.as_bytes());
    mac.verify_slice(&expected).map_err(|_| SignatureError::NoMatch)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &[u8] = b"key-3ax6xnjp29jd6fds4gc373sgvjxteol0";

    fn fields<'a>(ts: &'a str, token: &'a str, sig: &'a str) -> MailgunSignature<'a> {
        MailgunSignature { timestamp: Some(ts), token: Some(token), signature: Some(sig) }
    }

    #[test]
    fn a_signature_made_with_the_key_verifies() {
        let sig = sign(KEY, "1764064800", "a8ce0edb2dd8301dee6c2405235584e45aa91d1e9f979f3de0");
        assert_eq!(sig.len(), 64);
        assert_eq!(
            verify(
                KEY,
                fields("1764064800", "a8ce0edb2dd8301dee6c2405235584e45aa91d1e9f979f3de0", &sig),
                1764064800,
                300
            ),
            Ok(())
        );
    }

    #[test]
    fn another_token_key_or_old_timestamp_fails() {
        let sig = sign(KEY, "1764064800", "tok");
        assert_eq!(verify(KEY, fields("1764064800", "tok2", &sig), 1764064800, 300), Err(SignatureError::NoMatch));
        assert_eq!(verify(b"other", fields("1764064800", "tok", &sig), 1764064800, 300), Err(SignatureError::NoMatch));
        assert_eq!(
            verify(KEY, fields("1764064800", "tok", &sig), 1764065101, 300),
            Err(SignatureError::StaleTimestamp)
        );
        assert_eq!(verify(KEY, fields("1764064800", "tok", "zz"), 1764064800, 300), Err(SignatureError::NoMatch));
    }

    #[test]
    fn an_empty_key_refuses_even_a_matching_signature() {
        let sig = sign(b"", "1764064800", "tok");
        assert_eq!(
            verify(b"", fields("1764064800", "tok", &sig), 1764064800, 300),
            Err(SignatureError::BadCredentials)
        );
    }

    #[test]
    fn missing_fields_are_named() {
        let f = MailgunSignature { token: None, ..fields("1", "t", "s") };
        assert_eq!(verify(KEY, f, 1, 300), Err(SignatureError::MissingField("token")));
    }
}
