//! HTTP Basic credentials for providers that sign nothing (Postmark,
//! SendGrid): the user and password live in the hook URL.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use subtle::ConstantTimeEq;

use super::SignatureError;

pub fn verify(authorization: Option<&str>, user: &str, password: &str) -> Result<(), SignatureError> {
    let header = authorization.ok_or(SignatureError::MissingHeader("authorization"))?;
    let encoded = header
        .trim()
        .strip_prefix("Basic ")
        .or_else(|| header.trim().strip_prefix("basic "))
        .ok_or(SignatureError::BadCredentials)?;
    let decoded = B64.decode(encoded.trim()).map_err(|_| SignatureError::BadCredentials)?;
    let expected = format!("{user}:{password}");
    // Compare the whole "user:password" so neither part leaks through timing.
    if bool::from(decoded.ct_eq(expected.as_bytes())) {
        Ok(())
    } else {
        Err(SignatureError::BadCredentials)
    }
}

pub fn header(user: &str, password: &str) -> String {
    format!("Basic {}", B64.encode(format!("{user}:{password}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matching_credentials_pass_and_others_fail() {
        assert_eq!(verify(Some(&header("pm", "s3cret")), "pm", "s3cret"), Ok(()));
        assert_eq!(verify(Some(&header("pm", "wrong")), "pm", "s3cret"), Err(SignatureError::BadCredentials));
        assert_eq!(verify(Some("Bearer x"), "pm", "s3cret"), Err(SignatureError::BadCredentials));
        assert_eq!(verify(None, "pm", "s3cret"), Err(SignatureError::MissingHeader("authorization")));
    }
}
