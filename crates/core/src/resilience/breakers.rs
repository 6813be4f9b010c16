//! One circuit breaker per remote, shared by every caller, with state changes published on
//! the event bus.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use rcmd_types::BreakerSnapshot;

use super::{
    breaker::{Admission, Breaker, BreakerConfig, Outcome, Transition},
    classify::Failure,
    clock::Clock,
};
use crate::events::{CoreEvent, EventBus};

/// A call was refused because the remote's breaker is open.
#[derive(Clone, Debug)]
pub struct Rejected {
    pub remote: String,
    /// When a probe will be allowed; `None` when forced open or the probes are busy.
    pub retry_in: Option<Duration>,
    pub forced: bool,
    pub last_failure: Option<Failure>,
}

/// The registry of breakers.
pub struct Breakers {
    map: Mutex<HashMap<String, Breaker>>,
    cfg: BreakerConfig,
    clock: Arc<dyn Clock>,
    bus: EventBus,
}

impl Breakers {
    pub fn new(cfg: BreakerConfig, clock: Arc<dyn Clock>, bus: EventBus) -> Arc<Self> {
        Arc::new(Breakers {
            map: Mutex::new(HashMap::new()),
            cfg,
            clock,
            bus,
        })
    }

    fn with<T>(&self, remote: &str, f: impl FnOnce(&mut Breaker) -> T) -> T {
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        let b = map
            .entry(remote.to_owned())
            .or_insert_with(|| Breaker::new(self.cfg.clone()));
        f(b)
    }

    /// Admits a call to `remote`, or says why not. The permit must be given the outcome;
    /// dropping it unrecorded counts as "ignored".
    pub fn acquire(self: &Arc<Self>, remote: &str) -> Result<Permit, Rejected> {
        let now = self.clock.now();
        let (result, transition, forced, last) = self.with(remote, |b| {
            let (r, t) = b.acquire(now);
            let forced = b.state() == rcmd_types::BreakerState::ForcedOpen;
            (r, t, forced, b.last_failure().cloned())
        });
        self.publish(remote, transition);
        match result {
            Ok(admission) => Ok(Permit {
                breakers: self.clone(),
                remote: remote.to_owned(),
                admission,
                started: now,
                timed: true,
                done: false,
            }),
            Err(until) => Err(Rejected {
                remote: remote.to_owned(),
                retry_in: until.map(|u| u.saturating_duration_since(now)),
                forced,
                last_failure: last,
            }),
        }
    }

    /// The breakers of every remote seen so far, by name.
    pub fn snapshots(&self) -> Vec<BreakerSnapshot> {
        let now = self.clock.now();
        let map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        let mut all: Vec<_> = map.iter().map(|(r, b)| b.snapshot(r, now)).collect();
        all.sort_by(|a, b| a.remote.cmp(&b.remote));
        all
    }

    pub fn snapshot(&self, remote: &str) -> BreakerSnapshot {
        let now = self.clock.now();
        self.with(remote, |b| b.snapshot(remote, now))
    }

    /// Closes `remote`'s breaker (user action).
    pub fn reset(&self, remote: &str) {
        let t = self.with(remote, Breaker::reset);
        self.publish(remote, t);
    }

    /// Opens `remote`'s breaker until reset (user action).
    pub fn force_open(&self, remote: &str) {
        let t = self.with(remote, Breaker::force_open);
        self.publish(remote, t);
    }

    fn finish(&self, remote: &str, admission: Admission, outcome: Option<Outcome>) {
        let now = self.clock.now();
        let t = self.with(remote, |b| match outcome {
            Some(o) => b.record(now, admission, o),
            None => {
                b.release(admission);
                None
            }
        });
        self.publish(remote, t);
    }

    fn publish(&self, remote: &str, transition: Option<Transition>) {
        let Some(t) = transition else { return };
        tracing::info!(remote, from = ?t.from, to = ?t.to, reason = ?t.reason, "circuit breaker");
        let at_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0);
        self.bus.emit(CoreEvent::Breaker {
            remote: remote.to_owned(),
            from: t.from,
            to: t.to,
            reason: t.reason,
            at_ms,
            snapshot: self.snapshot(remote),
        });
    }
}

/// An admitted call. Record its outcome with [`Permit::success`] / [`Permit::failure`].
pub struct Permit {
    breakers: Arc<Breakers>,
    remote: String,
    admission: Admission,
    started: std::time::Instant,
    /// Whether the call's duration says something about the remote (request/response calls
    /// do; a job's length depends on how much it moves, so jobs are judged by the stall
    /// watchdog instead).
    timed: bool,
    done: bool,
}

impl Permit {
    pub fn admission(&self) -> Admission {
        self.admission
    }

    pub fn remote(&self) -> &str {
        &self.remote
    }

    /// Marks the call as a data-moving job: its duration never counts as slow.
    pub fn untimed(mut self) -> Self {
        self.timed = false;
        self
    }

    fn elapsed(&self) -> std::time::Duration {
        if self.timed {
            self.breakers.clock.now().saturating_duration_since(self.started)
        } else {
            std::time::Duration::ZERO
        }
    }

    /// The remote answered (successfully, or with an error about the request).
    pub fn success(mut self) {
        let elapsed = self.elapsed();
        self.done = true;
        self.breakers
            .finish(&self.remote, self.admission, Some(Outcome::Success { elapsed }));
    }

    /// The call failed; only failures that say the remote is unhealthy count against it.
    pub fn failure(mut self, failure: &Failure) {
        self.done = true;
        let outcome = if failure.counts_against_remote() {
            Outcome::Failure {
                failure: failure.clone(),
            }
        } else if failure.class == rcmd_types::FailureClass::Cancelled {
            Outcome::Ignored
        } else {
            // not found, bad request, missing config: the remote itself answered
            Outcome::Success {
                elapsed: self.elapsed(),
            }
        };
        self.breakers.finish(&self.remote, self.admission, Some(outcome));
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        if !self.done {
            self.breakers.finish(&self.remote, self.admission, None);
        }
    }
}
