//! Mailgun signs only `timestamp + token`, not the body: a captured post
//! could be replayed with another body while its timestamp is fresh. Within
//! the tolerance window a token is therefore bound to the first body seen
//! with it: the same body again is a redelivery (de-duplicated later, as
//! usual), another body is refused.

use std::collections::HashMap;
use std::sync::Mutex;

use super::SignatureError;

#[derive(Debug, Default)]
pub struct TokenCache {
    /// token -> (digest of its body, the time after which it may be forgotten)
    seen: Mutex<HashMap<String, ([u8; 32], i64)>>,
}

impl TokenCache {
    /// Binds `token` to `body_digest`; `Replayed` when the token came with
    /// another body within the window.
    pub fn check(&self, token: &str, body_digest: [u8; 32], now: i64, tolerance_s: i64) -> Result<(), SignatureError> {
        let mut seen = self.seen.lock().expect("token cache lock");
        if seen.len() > 10_000 {
            seen.retain(|_, (_, forget_after)| *forget_after > now);
        }
        match seen.get(token) {
            Some(&(digest, forget_after)) if forget_after > now && digest != body_digest => {
                Err(SignatureError::Replayed)
            }
            Some(&(_, forget_after)) if forget_after > now => Ok(()),
            _ => {
                // A token older than 2 x tolerance cannot pass the timestamp
                // check any more, so it need not be remembered longer.
                seen.insert(token.to_string(), (body_digest, now + 2 * tolerance_s));
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_bound_to_its_first_body_within_the_window() {
        let cache = TokenCache::default();
        let (a, b) = ([1u8; 32], [2u8; 32]);
        assert_eq!(cache.check("t1", a, 1000, 300), Ok(()));
        assert_eq!(cache.check("t1", a, 1050, 300), Ok(()), "a redelivery of the same post");
        assert_eq!(cache.check("t1", b, 1100, 300), Err(SignatureError::Replayed));
        assert_eq!(cache.check("t2", b, 1100, 300), Ok(()));
        assert_eq!(cache.check("t1", b, 1601, 300), Ok(()), "forgotten after the window");
    }
}
