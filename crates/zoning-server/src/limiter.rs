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

    /// Counts an attempt against each of `keys` before it is verified, so
    /// that attempts in flight count too: `Err(wait)` when one of the keys
    /// has `max` already. A successful attempt is given back with
    /// [`LoginLimiter::release`].
    ///
    /// # Errors
    /// How long until the keys may try again.
    pub fn reserve(&self, keys: &[String], now: Instant) -> Result<(), Duration> {
        let mut map = self.map();
        if map.len() > PRUNE_AT {
            map.retain(|_, q| {
                q.back()
                    .is_some_and(|t| now.saturating_duration_since(*t) < self.window)
            });
        }
        let mut wait = None;
        for k in keys {
            if let Some(q) = map.get_mut(k) {
                self.expire(q, now);
                if let Some(oldest) = q.len().checked_sub(self.max).and_then(|i| q.get(i)) {
                    let w = (*oldest + self.window).saturating_duration_since(now);
                    wait = Some(wait.map_or(w, |x: Duration| x.max(w)));
                }
            }
        }
        if let Some(w) = wait {
            return Err(w);
        }
        for k in keys {
            map.entry(k.clone()).or_default().push_back(now);
        }
        Ok(())
    }

    /// Gives back an attempt reserved at `at` (it succeeded).
    pub fn release(&self, keys: &[String], at: Instant) {
        let mut map = self.map();
        for k in keys {
            if let Some(q) = map.get_mut(k) {
                if let Some(i) = q.iter().position(|t| *t == at) {
                    q.remove(i);
                }
            }
        }
    }

    /// Forgets the failures of a key (a name after a successful sign-in).
    pub fn succeeded(&self, key: &str) {
        self.map().remove(key);
    }
}

/// A slot among a bounded number of expensive operations running at once
/// (validations, password verifications), given back when dropped.
#[derive(Debug)]
pub struct Slot<'a>(&'a std::sync::atomic::AtomicUsize);

impl<'a> Slot<'a> {
    /// Takes a slot of `counter` if fewer than `max` are taken.
    #[must_use]
    pub fn take(counter: &'a std::sync::atomic::AtomicUsize, max: usize) -> Option<Self> {
        use std::sync::atomic::Ordering;
        let mut now = counter.load(Ordering::Relaxed);
        loop {
            if now >= max {
                return None;
            }
            match counter.compare_exchange_weak(now, now + 1, Ordering::AcqRel, Ordering::Relaxed) {
                Ok(_) => return Some(Self(counter)),
                Err(n) => now = n,
            }
        }
    }
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, std::sync::atomic::Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attempts_in_flight_count() {
        let l = LoginLimiter::new(2, Duration::from_secs(10));
        let keys = ["address:a".to_owned(), "name:n".to_owned()];
        let t0 = Instant::now();
        // three at once: the third is refused before any is verified
        assert!(l.reserve(&keys, t0).is_ok());
        assert!(l.reserve(&keys, t0 + Duration::from_millis(1)).is_ok());
        assert!(l.reserve(&keys, t0 + Duration::from_millis(2)).is_err());
        // one succeeded: it is given back
        l.release(&keys, t0);
        assert!(l.reserve(&keys, t0 + Duration::from_millis(3)).is_ok());
    }

    #[test]
    fn slots_are_bounded_and_given_back() {
        let running = std::sync::atomic::AtomicUsize::new(0);
        let a = Slot::take(&running, 1).expect("first");
        assert!(Slot::take(&running, 1).is_none());
        drop(a);
        assert!(Slot::take(&running, 1).is_some());
    }

    #[test]
    fn the_window_slides() {
        let l = LoginLimiter::new(2, Duration::from_secs(10));
        let keys = ["address:a".to_owned(), "name:n".to_owned()];
        let t0 = Instant::now();
        let at = |s: u64| t0 + Duration::from_secs(s);
        assert!(l.reserve(&keys, t0).is_ok());
        assert!(l.reserve(&keys, at(4)).is_ok());
        // blocked until the first attempt leaves the window
        assert_eq!(l.reserve(&keys, at(5)), Err(Duration::from_secs(5)));
        // another name from the same address is blocked too
        let other = ["address:a".to_owned(), "name:m".to_owned()];
        assert_eq!(l.reserve(&other, at(6)), Err(Duration::from_secs(4)));
        // a success clears the name, not the address
        l.succeeded("name:n");
        assert!(l.reserve(&["name:n".to_owned()], at(7)).is_ok());
        assert!(l.reserve(&["address:a".to_owned()], at(7)).is_err());
        assert!(l.reserve(&keys, at(10)).is_ok());
    }
}
