//! The supervision loop shared by mounts and serves: start, check on a timer (or when woken
//! after a sleep), and when found dead clear what is left and start again with backoff. Each
//! change of state is published on the event bus.

use std::{future::Future, sync::Arc, time::Duration};

use rcmd_types::{MountState, MountStatus};
use tokio::sync::{watch, Notify};
use tokio_util::sync::CancellationToken;

use crate::events::{CoreEvent, EventBus};

/// What a check found.
#[derive(Clone, Debug, PartialEq)]
pub enum Health {
    /// Working; `degraded` says why it works badly (its remote does not answer); its VFS
    /// cache's pending uploads and size.
    Alive {
        degraded: Option<String>,
        pending: u64,
        cache_bytes: u64,
    },
    /// Dead or stale: to be cleared and started again.
    Dead(String),
}

/// Why a start failed.
#[derive(Clone, Debug, PartialEq)]
pub enum StartError {
    /// Cannot work until the user changes something (FUSE missing, a bad mount point): not
    /// tried again.
    Permanent(String),
    /// May work later: tried again with backoff.
    Transient(String),
}

impl StartError {
    pub fn message(&self) -> &str {
        match self {
            StartError::Permanent(m) | StartError::Transient(m) => m,
        }
    }
}

/// A supervised thing: a mount or a serve.
pub trait Unit: Send + Sync + 'static {
    fn start(&self) -> impl Future<Output = Result<(), StartError>> + Send;
    fn check(&self) -> impl Future<Output = Health> + Send;
    /// Clears what a dead one left behind (a stale mount point), before starting again.
    fn clear(&self) -> impl Future<Output = ()> + Send;
}

/// How often to check and how long to wait between failed starts.
#[derive(Clone, Copy, Debug)]
pub struct Timing {
    pub check_every: Duration,
    pub backoff_min: Duration,
    pub backoff_max: Duration,
}

/// A running supervision; dropping it does not stop it (call [`Supervision::stop`]).
pub struct Supervision {
    pub status: watch::Receiver<MountStatus>,
    stop: CancellationToken,
    wake: Arc<Notify>,
    task: tokio::task::JoinHandle<()>,
}

impl Supervision {
    /// Checks now instead of at the next tick (after a resume from sleep).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Ends the loop (the caller takes the unit down) and waits for it.
    pub async fn stop(self) {
        self.stop.cancel();
        let _ = self.task.await;
    }

    pub fn is_finished(&self) -> bool {
        self.task.is_finished()
    }
}

/// Publishes a status: to the watch, and on the bus when something a user sees changed.
#[derive(Clone)]
pub struct Publisher {
    pub tx: watch::Sender<MountStatus>,
    pub bus: EventBus,
    pub event: fn(MountStatus) -> CoreEvent,
    /// Where other processes read the state (`rcmd-cli mount list` while the app runs it).
    pub registry: Option<super::owner::Registry>,
}

impl Publisher {
    pub fn set(&self, state: MountState, message: Option<String>, pending: Option<u64>) {
        self.set_with_cache(state, message, pending, None)
    }

    /// [`Publisher::set`] with the cache's size too.
    pub fn set_with_cache(&self, state: MountState, message: Option<String>, pending: Option<u64>, cache: Option<u64>) {
        let mut changed = false;
        self.tx.send_if_modified(|s| {
            let pending = pending.unwrap_or(s.pending_uploads);
            let cache = cache.unwrap_or(s.cache_bytes);
            if s.state == state && s.message == message && s.pending_uploads == pending && s.cache_bytes == cache {
                return false;
            }
            s.cache_bytes = cache;
            if s.state != state {
                s.since_ms = crate::batch::store::now_ms().max(0) as u64;
            }
            s.state = state;
            s.message = message;
            s.pending_uploads = pending;
            changed = true;
            true
        });
        if changed {
            let status = self.tx.borrow().clone();
            tracing::info!(name = %status.name, state = ?status.state, message = status.message.as_deref().unwrap_or(""), "mount state");
            if let Some(r) = &self.registry {
                r.write_state(&status);
            }
            self.bus.emit((self.event)(status));
        }
    }

    fn recovered(&self) {
        self.tx.send_modify(|s| s.recoveries += 1);
    }

    /// The status now.
    pub fn current(&self) -> MountStatus {
        self.tx.borrow().clone()
    }
}

/// Starts supervising `unit`. With `started`, the unit is already up (the caller started it
/// and reported the outcome itself): the loop begins by checking.
pub fn spawn<U: Unit>(unit: Arc<U>, timing: Timing, publisher: Publisher, started: bool) -> Supervision {
    let stop = CancellationToken::new();
    let wake = Arc::new(Notify::new());
    let status = publisher.tx.subscribe();
    let task = tokio::spawn(run(unit, timing, publisher, started, stop.clone(), wake.clone()));
    Supervision {
        status,
        stop,
        wake,
        task,
    }
}

async fn run<U: Unit>(
    unit: Arc<U>,
    timing: Timing,
    p: Publisher,
    mut up: bool,
    stop: CancellationToken,
    wake: Arc<Notify>,
) {
    let mut backoff = timing.backoff_min;
    let mut recovering = false;
    loop {
        if !up {
            let (state, msg) = if recovering {
                (MountState::Recovering, p.tx.borrow().message.clone())
            } else {
                (MountState::Mounting, None)
            };
            p.set(state, msg, None);
            let started = tokio::select! {
                _ = stop.cancelled() => return,
                r = unit.start() => r,
            };
            match started {
                Ok(()) => {
                    if recovering {
                        p.recovered();
                    }
                    backoff = timing.backoff_min;
                    p.set(MountState::Mounted, None, None);
                }
                Err(StartError::Permanent(m)) => return p.set(MountState::Failed, Some(m), None),
                Err(StartError::Transient(m)) => {
                    let msg = format!("{m} (trying again in {} s)", backoff.as_secs().max(1));
                    p.set(MountState::Failed, Some(msg), None);
                    tokio::select! {
                        _ = stop.cancelled() => return,
                        _ = tokio::time::sleep(backoff) => {},
                        _ = wake.notified() => {},
                    }
                    backoff = (backoff * 2).min(timing.backoff_max);
                    recovering = true;
                    continue;
                }
            }
        }
        // watch until it dies
        loop {
            tokio::select! {
                _ = stop.cancelled() => return,
                _ = tokio::time::sleep(timing.check_every) => {},
                _ = wake.notified() => {},
            }
            let health = tokio::select! {
                _ = stop.cancelled() => return,
                h = unit.check() => h,
            };
            match health {
                Health::Alive {
                    degraded,
                    pending,
                    cache_bytes,
                } => {
                    let state = if degraded.is_some() {
                        MountState::Degraded
                    } else {
                        MountState::Mounted
                    };
                    p.set_with_cache(state, degraded, Some(pending), Some(cache_bytes));
                }
                Health::Dead(why) => {
                    tracing::warn!(name = %p.tx.borrow().name, why = %why, "found dead; recovering");
                    p.set(MountState::Recovering, Some(why), None);
                    tokio::select! {
                        _ = stop.cancelled() => return,
                        _ = unit.clear() => {},
                    }
                    up = false;
                    recovering = true;
                    break;
                }
            }
        }
    }
}

/// A status for `name` in `state`.
pub fn status(name: &str, state: MountState) -> MountStatus {
    MountStatus {
        name: name.to_owned(),
        state,
        message: None,
        pending_uploads: 0,
        cache_bytes: 0,
        recoveries: 0,
        since_ms: crate::batch::store::now_ms().max(0) as u64,
    }
}
