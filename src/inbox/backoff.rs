use std::time::Duration;

/// Exponential backoff with a cap and a bounded number of attempts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub base: Duration,
    pub max: Duration,
    pub max_attempts: u32,
}

impl Default for Backoff {
    fn default() -> Self {
        // 2s, 4s, 8s ... capped at 10 min; 10 attempts span about an hour.
        Self { base: Duration::from_secs(2), max: Duration::from_secs(600), max_attempts: 10 }
    }
}

impl Backoff {
    /// Delay before the next attempt after `attempts` failed ones, or `None`
    /// when the entry should be parked as dead.
    pub fn next_delay(&self, attempts: u32) -> Option<Duration> {
        if attempts >= self.max_attempts {
            return None;
        }
        let factor = 1u32.checked_shl(attempts.saturating_sub(1)).unwrap_or(u32::MAX);
        Some(self.base.saturating_mul(factor).min(self.max))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_up_to_the_cap_then_stop() {
        let b = Backoff { base: Duration::from_secs(1), max: Duration::from_secs(5), max_attempts: 5 };
        let delays: Vec<_> = (1..=5).map(|a| b.next_delay(a).map(|d| d.as_secs())).collect();
        assert_eq!(delays, [Some(1), Some(2), Some(4), Some(5), None]);
        assert_eq!(Backoff::default().next_delay(40), None);
    }
}
