//! One circuit breaker: closed → open → half-open → closed, as a pure state machine driven
//! by the caller's clock readings (no timers, no sleeping).
//!
//! Beyond a plain breaker: it trips on the failure rate over a sliding window of the last
//! calls (with a minimum number of calls), on consecutive failures, and on the rate of slow
//! calls; each trip in a row doubles the open time (up to a cap); half-open admits a limited
//! number of probes; the user can reset it or force it open.

use std::{
    collections::VecDeque,
    time::{Duration, Instant},
};

use rcmd_types::{BreakerReason, BreakerSnapshot, BreakerState};

use super::classify::Failure;

/// Thresholds of a breaker.
#[derive(Clone, Debug)]
pub struct BreakerConfig {
    /// Calls kept in the sliding window.
    pub window: usize,
    /// Calls needed in the window before the failure and slow rates count.
    pub min_calls: usize,
    /// Open when this share of the window failed (0..1).
    pub failure_rate: f64,
    /// Open after this many failures in a row, whatever the rate.
    pub consecutive_failures: u32,
    /// A successful call slower than this counts as slow.
    pub slow_call: Duration,
    /// Open when this share of the window was slow.
    pub slow_rate: f64,
    /// First open time; doubled on each trip in a row, up to `open_max`.
    pub open_base: Duration,
    pub open_max: Duration,
    /// Probes admitted at once in half-open; that many successes close it.
    pub half_open_probes: u32,
}

impl Default for BreakerConfig {
    fn default() -> Self {
        BreakerConfig {
            window: 20,
            min_calls: 5,
            failure_rate: 0.5,
            consecutive_failures: 5,
            slow_call: Duration::from_secs(60),
            slow_rate: 0.8,
            open_base: Duration::from_secs(5),
            open_max: Duration::from_secs(300),
            half_open_probes: 1,
        }
    }
}

/// What a finished call tells the breaker.
#[derive(Clone, Debug)]
pub enum Outcome {
    /// The remote answered (also with "not found" or a bad-request error).
    Success { elapsed: Duration },
    /// A failure that says the remote is unhealthy.
    Failure { failure: Failure },
    /// Says nothing about the remote (cancelled, dropped).
    Ignored,
}

/// Kind of admission.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Admission {
    Normal,
    Probe,
}

/// A state change.
#[derive(Clone, Debug, PartialEq)]
pub struct Transition {
    pub from: BreakerState,
    pub to: BreakerState,
    pub reason: BreakerReason,
}

#[derive(Clone, Debug)]
enum State {
    Closed,
    Open { until: Instant },
    HalfOpen { in_flight: u32, successes: u32 },
    ForcedOpen,
}

#[derive(Clone, Copy, Debug)]
struct Call {
    failed: bool,
    slow: bool,
}

/// The breaker of one remote.
#[derive(Debug)]
pub struct Breaker {
    cfg: BreakerConfig,
    state: State,
    window: VecDeque<Call>,
    consecutive: u32,
    trips: u32,
    last_failure: Option<Failure>,
    last_reason: Option<BreakerReason>,
}

impl Breaker {
    pub fn new(cfg: BreakerConfig) -> Self {
        Breaker {
            cfg,
            state: State::Closed,
            window: VecDeque::new(),
            consecutive: 0,
            trips: 0,
            last_failure: None,
            last_reason: None,
        }
    }

    pub fn state(&self) -> BreakerState {
        match self.state {
            State::Closed => BreakerState::Closed,
            State::Open { .. } => BreakerState::Open,
            State::HalfOpen { .. } => BreakerState::HalfOpen,
            State::ForcedOpen => BreakerState::ForcedOpen,
        }
    }

    pub fn last_failure(&self) -> Option<&Failure> {
        self.last_failure.as_ref()
    }

    /// Asks to make a call. `Err(Some(t))`: open until `t`; `Err(None)`: forced open, or
    /// half-open with every probe slot taken (retry shortly).
    pub fn acquire(&mut self, now: Instant) -> (Result<Admission, Option<Instant>>, Option<Transition>) {
        match self.state {
            State::Closed => (Ok(Admission::Normal), None),
            State::ForcedOpen => (Err(None), None),
            State::Open { until } if now < until => (Err(Some(until)), None),
            State::Open { .. } => {
                let t = self.go(
                    State::HalfOpen {
                        in_flight: 1,
                        successes: 0,
                    },
                    BreakerReason::OpenElapsed,
                );
                (Ok(Admission::Probe), Some(t))
            }
            State::HalfOpen { ref mut in_flight, .. } => {
                if *in_flight < self.cfg.half_open_probes {
                    *in_flight += 1;
                    (Ok(Admission::Probe), None)
                } else {
                    (Err(None), None)
                }
            }
        }
    }

    /// Records the outcome of an admitted call.
    pub fn record(&mut self, now: Instant, admission: Admission, outcome: Outcome) -> Option<Transition> {
        if let Outcome::Failure { failure } = &outcome {
            self.last_failure = Some(failure.clone());
        }
        match (admission, &mut self.state) {
            (Admission::Probe, State::HalfOpen { in_flight, successes }) => {
                *in_flight = in_flight.saturating_sub(1);
                match outcome {
                    Outcome::Ignored => None,
                    Outcome::Success { .. } => {
                        *successes += 1;
                        if *successes >= self.cfg.half_open_probes {
                            let count = *successes;
                            self.window.clear();
                            self.consecutive = 0;
                            self.trips = 0;
                            Some(self.go(State::Closed, BreakerReason::ProbesSucceeded { count }))
                        } else {
                            None
                        }
                    }
                    Outcome::Failure { .. } => Some(self.trip(now, BreakerReason::ProbeFailed)),
                }
            }
            // a normal call that finishes after the breaker left `closed` only updates counts
            _ => self.count(now, outcome),
        }
    }

    fn count(&mut self, now: Instant, outcome: Outcome) -> Option<Transition> {
        let call = match outcome {
            Outcome::Ignored => return None,
            Outcome::Success { elapsed } => {
                self.consecutive = 0;
                Call {
                    failed: false,
                    slow: elapsed >= self.cfg.slow_call,
                }
            }
            Outcome::Failure { .. } => {
                self.consecutive += 1;
                Call {
                    failed: true,
                    slow: false,
                }
            }
        };
        self.window.push_back(call);
        while self.window.len() > self.cfg.window {
            self.window.pop_front();
        }
        if !matches!(self.state, State::Closed) {
            return None;
        }
        if self.consecutive >= self.cfg.consecutive_failures {
            let count = self.consecutive;
            return Some(self.trip(now, BreakerReason::ConsecutiveFailures { count }));
        }
        let calls = self.window.len();
        if calls >= self.cfg.min_calls {
            let failed = self.window.iter().filter(|c| c.failed).count() as f64 / calls as f64;
            if failed >= self.cfg.failure_rate {
                return Some(self.trip(
                    now,
                    BreakerReason::FailureRate {
                        rate: failed,
                        calls: calls as u32,
                    },
                ));
            }
            let slow = self.window.iter().filter(|c| c.slow).count() as f64 / calls as f64;
            if slow >= self.cfg.slow_rate {
                return Some(self.trip(
                    now,
                    BreakerReason::SlowCalls {
                        rate: slow,
                        calls: calls as u32,
                    },
                ));
            }
        }
        None
    }

    /// Releases a probe slot without a verdict (the call was dropped).
    pub fn release(&mut self, admission: Admission) {
        if let (Admission::Probe, State::HalfOpen { in_flight, .. }) = (admission, &mut self.state) {
            *in_flight = in_flight.saturating_sub(1);
        }
    }

    /// Closes the breaker and forgets the window (user action).
    pub fn reset(&mut self) -> Option<Transition> {
        self.window.clear();
        self.consecutive = 0;
        self.trips = 0;
        (!matches!(self.state, State::Closed)).then(|| self.go(State::Closed, BreakerReason::ManualReset))
    }

    /// Opens the breaker until reset (user action).
    pub fn force_open(&mut self) -> Option<Transition> {
        (!matches!(self.state, State::ForcedOpen)).then(|| self.go(State::ForcedOpen, BreakerReason::ForcedOpen))
    }

    fn trip(&mut self, now: Instant, reason: BreakerReason) -> Transition {
        self.trips += 1;
        let factor = 2u32.saturating_pow((self.trips - 1).min(16));
        let open_for = self.cfg.open_base.saturating_mul(factor).min(self.cfg.open_max);
        self.go(State::Open { until: now + open_for }, reason)
    }

    fn go(&mut self, to: State, reason: BreakerReason) -> Transition {
        let from = self.state();
        self.state = to;
        self.last_reason = Some(reason.clone());
        Transition {
            from,
            to: self.state(),
            reason,
        }
    }

    /// The current numbers, for the dashboard.
    pub fn snapshot(&self, remote: &str, now: Instant) -> BreakerSnapshot {
        let calls = self.window.len();
        let failure_rate = (calls >= self.cfg.min_calls)
            .then(|| self.window.iter().filter(|c| c.failed).count() as f64 / calls as f64);
        let next_probe_in_ms = match self.state {
            State::Open { until } => Some(until.saturating_duration_since(now).as_millis() as u64),
            _ => None,
        };
        BreakerSnapshot {
            remote: remote.to_owned(),
            state: self.state(),
            failure_rate,
            calls_in_window: calls as u32,
            consecutive_failures: self.consecutive,
            trips: self.trips,
            next_probe_in_ms,
            last_failure: self.last_failure.as_ref().map(Failure::info),
            last_reason: self.last_reason.clone(),
        }
    }
}

#[cfg(test)]
mod tests;
