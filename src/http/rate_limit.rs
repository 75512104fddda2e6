//! Throttles clients that keep failing authentication (OE_RATE_LIMIT_PER_MIN
//! per IP and minute), so secrets cannot be guessed at line rate. Senders
//! with valid signatures are never throttled: a provider's burst must land.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

pub struct FailureLimiter {
    per_minute: u32,
    /// ip -> (minute, failures in that minute)
    failures: Mutex<HashMap<IpAddr, (i64, u32)>>,
}

impl FailureLimiter {
    pub fn new(per_minute: u32) -> Self {
        Self { per_minute, failures: Mutex::new(HashMap::new()) }
    }

    pub fn is_blocked(&self, ip: Option<IpAddr>, now_s: i64) -> bool {
        let (Some(ip), true) = (ip, self.per_minute > 0) else { return false };
        let map = self.failures.lock().expect("limiter lock");
        map.get(&ip).is_some_and(|&(minute, n)| minute == now_s / 60 && n >= self.per_minute)
    }

    pub fn record_failure(&self, ip: Option<IpAddr>, now_s: i64) {
        let (Some(ip), true) = (ip, self.per_minute > 0) else { return };
        let minute = now_s / 60;
        let mut map = self.failures.lock().expect("limiter lock");
        if map.len() > 10_000 {
            map.retain(|_, (m, _)| *m == minute);
        }
        let slot = map.entry(ip).or_insert((minute, 0));
        if slot.0 != minute {
            *slot = (minute, 0);
        }
        slot.1 += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ip_is_blocked_after_the_limit_until_the_next_minute() {
        let l = FailureLimiter::new(2);
        let ip = Some("10.0.0.1".parse().unwrap());
        l.record_failure(ip, 120);
        assert!(!l.is_blocked(ip, 121));
        l.record_failure(ip, 121);
        assert!(l.is_blocked(ip, 122));
        assert!(!l.is_blocked(Some("10.0.0.2".parse().unwrap()), 122));
        assert!(!l.is_blocked(ip, 180), "a new minute starts afresh");
        assert!(!FailureLimiter::new(0).is_blocked(ip, 122));
    }
}
