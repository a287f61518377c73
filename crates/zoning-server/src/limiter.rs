//! Failed sign-ins counted per key over a sliding window (`POST /login`'s
//! rate limit, docs/security.md).

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Beyond this many keys, those with no failure left in the window are
/// dropped (a flood of made-up names cannot grow the map without end).
const PRUNE_AT: usize = 10_000;

/// Failed sign-ins per key (`address:…`, `name:…`) within a sliding window.
#[derive(Debug)]
pub struct LoginLimiter {
    max: usize,
    window: Duration,
    failures: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl LoginLimiter {
    /// At most `max` failures per key within `window`.
    #[must_use]
    pub fn new(max: u32, window: Duration) -> Self {
        Self {
            max: usize::try_from(max).unwrap_or(usize::MAX).max(1),
            window,
            failures: Mutex::new(HashMap::new()),
        }
    }

    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<String, VecDeque<Instant>>> {
        // the map holds counts only; a panic elsewhere leaves it usable
        self.failures
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn expire(&self, q: &mut VecDeque<Instant>, now: Instant) {
        while q
            .front()
            .is_some_and(|t| now.saturating_duration_since(*t) >= self.window)
        {
            q.pop_front();
        }
    }

    /// How long until every one of `keys` may try again, when one of them
    /// has had `max` failures within the window.
    pub fn retry_after(&self, keys: &[String], now: Instant) -> Option<Duration> {
        let mut map = self.map();
        keys.iter()
            .filter_map(|k| {
                let q = map.get_mut(k)?;
                self.expire(q, now);
                // the failure whose expiry brings the count below max
                let oldest = *q.get(q.len().checked_sub(self.max)?)?;
                Some((oldest + self.window).saturating_duration_since(now))
            })
            .max()
    }

    /// Counts a failure against each of `keys`.
    pub fn failed(&self, keys: &[String], now: Instant) {
        let mut map = self.map();
        if map.len() > PRUNE_AT {
            map.retain(|_, q| {
                q.back()
                    .is_some_and(|t| now.saturating_duration_since(*t) < self.window)
            });
        }
        for k in keys {
            let q = map.entry(k.clone()).or_default();
            self.expire(q, now);
            q.push_back(now);
        }
    }

    /// Forgets the failures of a key (a name after a successful sign-in).
    pub fn succeeded(&self, key: &str) {
        self.map().remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_slides() {
        let l = LoginLimiter::new(2, Duration::from_secs(10));
        let keys = ["address:a".to_owned(), "name:n".to_owned()];
        let t0 = Instant::now();
        let at = |s: u64| t0 + Duration::from_secs(s);
        assert_eq!(l.retry_after(&keys, t0), None);
        l.failed(&keys, t0);
        l.failed(&keys, at(4));
        // blocked until the first failure leaves the window
        assert_eq!(l.retry_after(&keys, at(5)), Some(Duration::from_secs(5)));
        // another name from the same address is blocked too
        let other = ["address:a".to_owned(), "name:m".to_owned()];
        assert_eq!(l.retry_after(&other, at(6)), Some(Duration::from_secs(4)));
        // a success clears the name, not the address
        l.succeeded("name:n");
        assert_eq!(l.retry_after(&["name:n".to_owned()], at(7)), None);
        assert!(l.retry_after(&["address:a".to_owned()], at(7)).is_some());
        assert_eq!(l.retry_after(&keys, at(10)), None);
    }
}
