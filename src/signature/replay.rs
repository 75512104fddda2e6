//! Mailgun signs only `timestamp + token`, not the body: a captured post
//! could be replayed with another body while its timestamp is fresh. A
//! token is therefore accepted once within the tolerance window.

use std::collections::HashMap;
use std::sync::Mutex;

use super::SignatureError;

#[derive(Debug, Default)]
pub struct TokenCache {
    /// token -> the time after which it may be forgotten
    seen: Mutex<HashMap<String, i64>>,
}

impl TokenCache {
    /// Records `token`; `Replayed` when it was seen within the window.
    pub fn check(&self, token: &str, now: i64, tolerance_s: i64) -> Result<(), SignatureError> {
        let mut seen = self.seen.lock().expect("token cache lock");
        if seen.len() > 10_000 {
            seen.retain(|_, forget_after| *forget_after > now);
        }
        match seen.get(token) {
            Some(&forget_after) if forget_after > now => Err(SignatureError::Replayed),
            _ => {
                // A token older than 2 x tolerance cannot pass the timestamp
                // check any more, so it need not be remembered longer.
                seen.insert(token.to_string(), now + 2 * tolerance_s);
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_passes_once_per_window() {
        let cache = TokenCache::default();
        assert_eq!(cache.check("t1", 1000, 300), Ok(()));
        assert_eq!(cache.check("t1", 1100, 300), Err(SignatureError::Replayed));
        assert_eq!(cache.check("t2", 1100, 300), Ok(()));
        assert_eq!(cache.check("t1", 1601, 300), Ok(()), "forgotten after the window");
    }
}
