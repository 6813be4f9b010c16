//! Limits on failed logins, per user name and per client address: after a few failures in a
//! row, further attempts are answered 429 with `Retry-After` for a time that doubles with
//! each failure (up to [`MAX_LOCK`]), without paying an argon2 verification. A success
//! clears the user's and the address's count. A lockout is logged once per burst. The
//! tables are bounded: under a flood of made-up names the oldest entries go first.

use std::{
    collections::HashMap,
    net::IpAddr,
    sync::Mutex,
    time::{Duration, Instant},
};

/// Failed attempts in a row for one user name (or token) after which further attempts wait.
pub const FREE_FAILURES: u32 = 5;
/// Failed attempts in a row from one address (several people may share it) after which
/// further attempts wait.
pub const FREE_FAILURES_ADDR: u32 = 20;
/// The first wait; doubles with each further failure.
pub const FIRST_LOCK: Duration = Duration::from_secs(2);
/// The longest wait.
pub const MAX_LOCK: Duration = Duration::from_secs(300);
/// A count is forgotten after this long without failures.
const FORGET_AFTER: Duration = Duration::from_secs(900);
/// Most entries kept per table.
const MAX_ENTRIES: usize = 50_000;

/// Who tried: a user name (Basic), a token id (Bearer) or an address.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Key {
    User(String),
    Token(i64),
    Addr(IpAddr),
}

impl Key {
    fn free(&self) -> u32 {
        match self {
            Key::Addr(_) => FREE_FAILURES_ADDR,
            _ => FREE_FAILURES,
        }
    }
}

#[derive(Clone, Copy)]
struct Record {
    failures: u32,
    locked_until: Instant,
    last: Instant,
    /// The lockout of this burst was logged.
    logged: bool,
}

/// The failure tables.
#[derive(Default)]
pub struct Logins {
    table: Mutex<HashMap<Key, Record>>,
}

impl Logins {
    /// `Err(wait)` while any of `keys` is locked out.
    pub fn check(&self, keys: &[Key]) -> Result<(), Duration> {
        let now = Instant::now();
        let Ok(table) = self.table.lock() else { return Ok(()) };
        let wait = keys
            .iter()
            .filter_map(|k| table.get(k))
            .map(|r| r.locked_until.saturating_duration_since(now))
            .max()
            .unwrap_or_default();
        if wait.is_zero() {
            Ok(())
        } else {
            Err(wait)
        }
    }

    /// Counts a failed attempt against each of `keys`.
    pub fn failed(&self, keys: &[Key]) {
        let now = Instant::now();
        let Ok(mut table) = self.table.lock() else { return };
        if table.len() >= MAX_ENTRIES {
            table.retain(|_, r| now.duration_since(r.last) < FORGET_AFTER);
            if table.len() >= MAX_ENTRIES {
                // still full: drop the oldest tenth
                let mut ages: Vec<Instant> = table.values().map(|r| r.last).collect();
                ages.sort_unstable();
                let cut = ages[ages.len() / 10];
                table.retain(|_, r| r.last > cut);
            }
        }
        for key in keys {
            let r = table.entry(key.clone()).or_insert(Record {
                failures: 0,
                locked_until: now,
                last: now,
                logged: false,
            });
            if now.duration_since(r.last) >= FORGET_AFTER {
                *r = Record {
                    failures: 0,
                    locked_until: now,
                    last: now,
                    logged: false,
                };
            }
            r.failures += 1;
            r.last = now;
            if r.failures >= key.free() {
                let wait = lock_for(r.failures + 1 - key.free());
                r.locked_until = now + wait;
                if !r.logged {
                    r.logged = true;
                    let who = match key {
                        Key::User(u) => format!("user {u:?}"),
                        Key::Token(t) => format!("token {t}"),
                        Key::Addr(a) => format!("address {a}"),
                    };
                    tracing::warn!(
                        failures = r.failures,
                        wait_s = wait.as_secs(),
                        "repeated failed logins for {who}: further attempts wait (429)"
                    );
                }
            }
        }
    }

    /// A successful login clears `keys`.
    pub fn succeeded(&self, keys: &[Key]) {
        if let Ok(mut table) = self.table.lock() {
            for k in keys {
                table.remove(k);
            }
        }
    }
}

/// The wait after `over` failures beyond the free ones.
fn lock_for(over: u32) -> Duration {
    let doublings = over.saturating_sub(1).min(16);
    FIRST_LOCK.saturating_mul(1 << doublings).min(MAX_LOCK)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_lock_out_with_growing_waits_and_success_clears() {
        let l = Logins::default();
        let alice = [Key::User("alice".into()), Key::Addr(IpAddr::from([10, 0, 0, 1]))];
        for _ in 0..FREE_FAILURES {
            assert!(l.check(&alice).is_ok(), "the free attempts are not limited");
            l.failed(&alice);
        }
        let first = l.check(&alice).expect_err("locked after the free failures");
        assert!(first <= FIRST_LOCK && first > Duration::ZERO);
        l.failed(&alice);
        let second = l.check(&alice).expect_err("still locked");
        assert!(second > first, "{second:?} > {first:?}");
        // another user from another address is not affected; the address only after its own
        // (larger) allowance
        let bob = [Key::User("bob".into()), Key::Addr(IpAddr::from([10, 0, 0, 2]))];
        assert!(l.check(&bob).is_ok());
        assert!(l.check(&[Key::User("bob".into()), alice[1].clone()]).is_ok());
        for _ in 0..(FREE_FAILURES_ADDR - FREE_FAILURES - 1) {
            l.failed(&alice);
        }
        assert!(
            l.check(&[Key::User("bob".into()), alice[1].clone()]).is_err(),
            "the address is locked too"
        );
        l.succeeded(&alice);
        assert!(l.check(&alice).is_ok());
        assert_eq!(lock_for(1), FIRST_LOCK);
        assert_eq!(lock_for(1000), MAX_LOCK);
    }

    #[test]
    fn the_table_stays_bounded() {
        let l = Logins::default();
        for i in 0..(MAX_ENTRIES + 100) {
            l.failed(&[Key::User(format!("u{i}"))]);
        }
        assert!(l.table.lock().map(|t| t.len()).unwrap_or(usize::MAX) <= MAX_ENTRIES);
    }
}
