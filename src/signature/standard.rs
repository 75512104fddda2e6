//! Standard Webhooks (<https://www.standardwebhooks.com>), also used by Svix
//! (Resend) and Supabase: `v1,` + base64(HMAC-SHA256(key, "{id}.{ts}.{body}")).

use std::fmt;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::{within_tolerance, SignatureError};

type HmacSha256 = Hmac<Sha256>;

/// One signing secret. `Debug` never prints the key.
#[derive(Clone, PartialEq, Eq)]
pub struct SigningKey(Vec<u8>);

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SigningKey([REDACTED])")
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KeyError {
    #[error("no secret given")]
    Empty,
    #[error("a whsec_ secret is not valid base64")]
    NotBase64,
}

impl SigningKey {
    /// Parses one secret: `whsec_<base64>` (optionally as Supabase shows it,
    /// `v1,whsec_<base64>`), or any other string used as raw key bytes.
    pub fn parse(secret: &str) -> Result<Self, KeyError> {
        let s = secret.trim();
        let s = s.strip_prefix("v1,").unwrap_or(s);
        let key = match s.strip_prefix("whsec_") {
            Some(b64) => B64.decode(b64).map_err(|_| KeyError::NotBase64)?,
            None => s.as_bytes().to_vec(),
        };
        if key.is_empty() {
            return Err(KeyError::Empty);
        }
        Ok(Self(key))
    }

    /// Parses a list of secrets separated by spaces or commas (rotation).
    /// A bare `v1` token is the Supabase display prefix, not a secret.
    pub fn parse_list(secrets: &str) -> Result<Vec<Self>, KeyError> {
        let keys = secrets
            .split(|c: char| c.is_whitespace() || c == ',')
            .filter(|t| !t.is_empty() && *t != "v1")
            .map(Self::parse)
            .collect::<Result<Vec<_>, _>>()?;
        if keys.is_empty() {
            return Err(KeyError::Empty);
        }
        Ok(keys)
    }

    fn mac(&self, id: &str, timestamp: &str, body: &[u8]) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(&self.0).expect("HMAC accepts any key length");
        mac.update(id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.as_bytes());
        mac.update(b".");
        mac.update(body);
        mac
    }

    /// The `webhook-signature` header value for this message.
    pub fn sign(&self, id: &str, timestamp: i64, body: &[u8]) -> String {
        let tag = self.mac(id, &timestamp.to_string(), body).finalize().into_bytes();
        format!("v1,{}", B64.encode(tag))
    }
}

/// The three headers of a Standard Webhooks delivery.
#[derive(Debug, Clone, Copy)]
pub struct SignedHeaders<'a> {
    pub id: Option<&'a str>,
    pub timestamp: Option<&'a str>,
    pub signature: Option<&'a str>,
}

/// Verifies a delivery against any of `keys`. Signatures in the header are
/// separated by spaces (the spec) or `", "` (Supabase's signer); entries with
/// a version other than `v1` are skipped.
pub fn verify(
    keys: &[SigningKey],
    headers: SignedHeaders<'_>,
    body: &[u8],
    now: i64,
    tolerance_s: i64,
) -> Result<(), SignatureError> {
    let id = headers.id.ok_or(SignatureError::MissingHeader("webhook-id"))?;
    let ts_raw = headers.timestamp.ok_or(SignatureError::MissingHeader("webhook-timestamp"))?;
    let sig_header = headers.signature.ok_or(SignatureError::MissingHeader("webhook-signature"))?;
    let ts: i64 = ts_raw.trim().parse().map_err(|_| SignatureError::InvalidTimestamp)?;
    if !within_tolerance(ts, now, tolerance_s) {
        return Err(SignatureError::StaleTimestamp);
    }
    let candidates: Vec<Vec<u8>> = signatures(sig_header).collect();
    for key in keys {
        let mac = key.mac(id, ts_raw.trim(), body);
        // `verify_slice` compares in constant time.
        if candidates.iter().any(|sig| mac.clone().verify_slice(sig).is_ok()) {
            return Ok(());
        }
    }
    Err(SignatureError::NoMatch)
}

/// Decoded `v1` signatures of a header like `v1,abc= v1,def=` or `v1,abc=, v1,def=`.
fn signatures(header: &str) -> impl Iterator<Item = Vec<u8>> + '_ {
    let tokens: Vec<&str> = header.split(|c: char| c.is_whitespace() || c == ',').filter(|t| !t.is_empty()).collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i + 1 < tokens.len() {
        if tokens[i] == "v1" {
            if let Ok(sig) = B64.decode(tokens[i + 1]) {
                out.push(sig);
            }
            i += 2;
        } else {
            i += 1;
        }
    }
    out.into_iter()
}

#[cfg(test)]
mod tests {
    use super::*;

    // The published vector of the Standard Webhooks specification.
    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const TS: i64 = 1614265330;
    const BODY: &[u8] = br#"{"test": 2432232314}"#;
    const SIG: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    fn headers(sig: &str) -> SignedHeaders<'_> {
        SignedHeaders { id: Some(ID), timestamp: Some("1614265330"), signature: Some(sig) }
    }

    fn keys(s: &str) -> Vec<SigningKey> {
        SigningKey::parse_list(s).unwrap()
    }

    #[test]
    fn the_spec_vector_signs_and_verifies() {
        assert_eq!(SigningKey::parse(SECRET).unwrap().sign(ID, TS, BODY), SIG);
        assert_eq!(verify(&keys(SECRET), headers(SIG), BODY, TS, 300), Ok(()));
    }

    #[test]
    fn a_changed_body_or_id_fails() {
        assert_eq!(
            verify(&keys(SECRET), headers(SIG), br#"{"test": 2432232315}"#, TS, 300),
            Err(SignatureError::NoMatch)
        );
        let other = SignedHeaders { id: Some("msg_other"), ..headers(SIG) };
        assert_eq!(verify(&keys(SECRET), other, BODY, TS, 300), Err(SignatureError::NoMatch));
    }

    #[test]
    fn several_signatures_and_unknown_versions_are_handled() {
        let spaced = format!("v2,Zm9v v1,bm90LWl0 {SIG}");
        assert_eq!(verify(&keys(SECRET), headers(&spaced), BODY, TS, 300), Ok(()));
        let supabase_style = format!("v1,bm90LWl0, {SIG}");
        assert_eq!(verify(&keys(SECRET), headers(&supabase_style), BODY, TS, 300), Ok(()));
        assert_eq!(
            verify(&keys(SECRET), headers("v2,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="), BODY, TS, 300),
            Err(SignatureError::NoMatch)
        );
    }

    #[test]
    fn the_timestamp_must_be_within_tolerance_both_ways() {
        assert_eq!(verify(&keys(SECRET), headers(SIG), BODY, TS + 300, 300), Ok(()));
        assert_eq!(verify(&keys(SECRET), headers(SIG), BODY, TS + 301, 300), Err(SignatureError::StaleTimestamp));
        assert_eq!(verify(&keys(SECRET), headers(SIG), BODY, TS - 301, 300), Err(SignatureError::StaleTimestamp));
        let bad_ts = SignedHeaders { timestamp: Some("yesterday"), ..headers(SIG) };
        assert_eq!(verify(&keys(SECRET), bad_ts, BODY, TS, 300), Err(SignatureError::InvalidTimestamp));
    }

    #[test]
    fn any_of_several_rotated_secrets_verifies() {
        let rotated = format!("whsec_c2Vjb25kLXNlY3JldA== {SECRET}");
        assert_eq!(verify(&keys(&rotated), headers(SIG), BODY, TS, 300), Ok(()));
        let comma = format!("whsec_c2Vjb25kLXNlY3JldA==,v1,{SECRET}");
        assert_eq!(keys(&comma).len(), 2);
        assert_eq!(verify(&keys(&comma), headers(SIG), BODY, TS, 300), Ok(()));
        assert_eq!(
            verify(&keys("whsec_c2Vjb25kLXNlY3JldA=="), headers(SIG), BODY, TS, 300),
            Err(SignatureError::NoMatch)
        );
    }

    #[test]
    fn missing_headers_are_named() {
        let h = SignedHeaders { signature: None, ..headers(SIG) };
        assert_eq!(verify(&keys(SECRET), h, BODY, TS, 300), Err(SignatureError::MissingHeader("webhook-signature")));
    }

    #[test]
    fn bad_secrets_are_rejected_and_never_printed() {
        assert_eq!(SigningKey::parse_list(" , "), Err(KeyError::Empty));
        assert_eq!(SigningKey::parse("whsec_!!!"), Err(KeyError::NotBase64));
        assert!(!format!("{:?}", SigningKey::parse(SECRET).unwrap()).contains("MfKQ"));
    }
}
