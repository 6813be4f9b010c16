//! Notifications fed by core events: each channel has an event filter, a bounded queue and
//! a worker, so delivery never blocks or slows the work that raised the event. Bursts are
//! coalesced per window (a flapping breaker is one message, not one per flap), retryable
//! failures are retried with backoff honouring Retry-After, permanent ones are recorded once.

pub mod channel;
pub mod desktop;
pub mod email;
mod live;
pub mod message;
pub mod saved;
pub mod settings;
pub mod telegram;
pub mod webhook;

pub use live::Notifications;

use std::{
    collections::{HashMap, HashSet},
    sync::{Arc, Mutex},
    time::Duration,
};

use serde::Serialize;
use tokio::sync::mpsc;
use tracing::{info, warn};

pub use channel::{Channel, SendError};
pub use message::{Lang, Notice, NotifyKind};

use crate::{events::EventBus, resilience::retry::Backoff};

/// Dispatcher settings.
#[derive(Clone, Debug)]
pub struct NotifyConfig {
    pub lang: Lang,
    /// Events arriving within this window after the first are delivered together.
    pub coalesce: Duration,
    /// Queue per channel; when full, new notices are dropped (and counted).
    pub queue: usize,
    /// At most this many messages per window and channel; the rest become one summary.
    pub max_per_window: usize,
    pub max_attempts: u32,
    pub backoff: Backoff,
    /// Longest Retry-After honoured.
    pub max_retry_after: Duration,
}

impl Default for NotifyConfig {
    fn default() -> Self {
        NotifyConfig {
            lang: Lang::En,
            coalesce: Duration::from_secs(3),
            queue: 256,
            max_per_window: 5,
            max_attempts: 5,
            backoff: Backoff {
                base: Duration::from_secs(1),
                cap: Duration::from_secs(60),
            },
            max_retry_after: Duration::from_secs(120),
        }
    }
}

/// A channel with the events it wants (empty: all).
pub struct ChannelSpec {
    pub channel: Arc<dyn Channel>,
    pub events: HashSet<NotifyKind>,
}

/// Delivery counts of one channel, for the UI.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ChannelStatus {
    pub sent: u64,
    pub retried: u64,
    pub failed: u64,
    pub dropped: u64,
    /// The last permanent failure (no secrets).
    pub last_error: Option<String>,
}

type Statuses = Arc<Mutex<HashMap<&'static str, ChannelStatus>>>;

/// The running dispatcher; stops with [`Notifier::stop`] or when the event bus closes.
#[derive(Clone)]
pub struct Notifier {
    statuses: Statuses,
    stop: tokio_util::sync::CancellationToken,
    /// The dispatcher and the channel workers, awaited by [`Notifier::flush`].
    tasks: Arc<Mutex<Vec<tokio::task::JoinHandle<()>>>>,
}

impl Notifier {
    pub fn start(bus: &EventBus, channels: Vec<ChannelSpec>, cfg: NotifyConfig) -> Notifier {
        let statuses: Statuses = Arc::default();
        let mut queues = Vec::new();
        let mut workers = Vec::new();
        for spec in channels {
            let (tx, rx) = mpsc::channel::<Notice>(cfg.queue);
            let name = spec.channel.name();
            if let Ok(mut s) = statuses.lock() {
                s.insert(name, ChannelStatus::default());
            }
            queues.push((spec.events, tx, name));
            workers.push(tokio::spawn(worker(spec.channel, rx, cfg.clone(), statuses.clone())));
        }
        let mut events = bus.subscribe();
        let st = statuses.clone();
        let stop = tokio_util::sync::CancellationToken::new();
        let stopped = stop.clone();
        let dispatcher = tokio::spawn(async move {
            loop {
                let received = tokio::select! {
                    biased;
                    e = events.recv() => e,
                    // stopping: events already sent are still queued above (biased), then the
                    // queues close
                    _ = stopped.cancelled() => break,
                };
                let event = match received {
                    Ok(e) => e,
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => {
                        warn!(missed = n, "notifications missed events");
                        continue;
                    }
                    Err(_) => break,
                };
                let Some(notice) = Notice::from_event(&event) else {
                    continue;
                };
                for (filter, tx, name) in &queues {
                    if !filter.is_empty() && !filter.contains(&notice.kind) {
                        continue;
                    }
                    // never wait: a full queue drops the notice (counted)
                    if tx.try_send(notice.clone()).is_err() {
                        bump(&st, name, |s| s.dropped += 1);
                    }
                }
            }
        });
        // the queues close with this task, and the workers end after delivering what they hold
        workers.insert(0, dispatcher);
        Notifier {
            statuses,
            stop,
            tasks: Arc::new(Mutex::new(workers)),
        }
    }

    /// Stops taking events (settings changed: a new notifier replaces this one).
    pub fn stop(&self) {
        self.stop.cancel();
    }

    /// Stops taking new events and waits, up to `limit`, until every notice already raised
    /// is delivered (or has failed): the coalescing window closes at once. For a process
    /// about to exit (the command line).
    pub async fn flush(&self, limit: std::time::Duration) {
        // let the dispatcher see events emitted just before this call
        tokio::task::yield_now().await;
        self.stop.cancel();
        let tasks: Vec<_> = self.tasks.lock().map(|mut t| t.drain(..).collect()).unwrap_or_default();
        let all = async {
            for t in tasks {
                let _ = t.await;
            }
        };
        if tokio::time::timeout(limit, all).await.is_err() {
            warn!(?limit, "notifications still pending at exit");
        }
    }

    /// Delivery counts of every channel.
    pub fn statuses(&self) -> Vec<(&'static str, ChannelStatus)> {
        let map = self.statuses.lock().map(|m| m.clone()).unwrap_or_default();
        let mut v: Vec<_> = map.into_iter().collect();
        v.sort_by_key(|(n, _)| *n);
        v
    }
}

/// Sends a test message through `channel` once (the settings screen's button).
pub async fn send_test(channel: &dyn Channel, lang: Lang) -> Result<(), SendError> {
    channel.send(&Notice::test(), lang).await
}

fn bump(st: &Statuses, name: &'static str, f: impl FnOnce(&mut ChannelStatus)) {
    if let Ok(mut m) = st.lock() {
        f(m.entry(name).or_default());
    }
}

async fn worker(channel: Arc<dyn Channel>, mut rx: mpsc::Receiver<Notice>, cfg: NotifyConfig, st: Statuses) {
    let name = channel.name();
    while let Some(first) = rx.recv().await {
        let mut batch = vec![first];
        let deadline = tokio::time::Instant::now() + cfg.coalesce;
        while let Ok(Some(n)) = tokio::time::timeout_at(deadline, rx.recv()).await {
            batch.push(n);
        }
        for notice in coalesce(batch, cfg.max_per_window) {
            deliver(channel.as_ref(), &notice, &cfg, &st, name).await;
        }
    }
}

/// Merges notices of the same family and subject (the latest wins, counts add up) and
/// caps the number of messages, folding the rest into one summary.
pub fn coalesce(notices: Vec<Notice>, max: usize) -> Vec<Notice> {
    let mut order: Vec<(String, String)> = Vec::new();
    let mut merged: HashMap<(String, String), Notice> = HashMap::new();
    for n in notices {
        let key = (n.kind.family().to_owned(), n.subject.clone());
        match merged.get_mut(&key) {
            Some(m) => {
                let count = m.count + n.count;
                *m = Notice { count, ..n };
            }
            None => {
                order.push(key.clone());
                merged.insert(key, n);
            }
        }
    }
    let mut out: Vec<Notice> = order.into_iter().filter_map(|k| merged.remove(&k)).collect();
    if out.len() > max && max > 0 {
        let rest = out.split_off(max - 1);
        let events: u32 = rest.iter().map(|n| n.count).sum();
        let subjects: Vec<_> = rest.iter().map(|n| n.subject.clone()).collect();
        out.push(Notice {
            kind: rest[0].kind,
            subject: "summary".into(),
            data: serde_json::json!({ "subjects": subjects }),
            title_en: format!("{} more updates", rest.len()),
            title_ko: format!("업데이트 {}건 더", rest.len()),
            body_en: format!("Also changed: {}", subjects.join(", ")),
            body_ko: format!("그 밖의 변경: {}", subjects.join(", ")),
            count: events,
        });
    }
    out
}

async fn deliver(channel: &dyn Channel, notice: &Notice, cfg: &NotifyConfig, st: &Statuses, name: &'static str) {
    for attempt in 1..=cfg.max_attempts {
        match channel.send(notice, cfg.lang).await {
            Ok(()) => {
                bump(st, name, |s| s.sent += 1);
                return;
            }
            Err(SendError::Retryable { message, retry_after }) if attempt < cfg.max_attempts => {
                let wait = cfg
                    .backoff
                    .delay(attempt, &mut rand::thread_rng())
                    .max(retry_after.unwrap_or_default().min(cfg.max_retry_after));
                info!(channel = name, attempt, ?wait, error = %message, "notification retry");
                bump(st, name, |s| s.retried += 1);
                tokio::time::sleep(wait).await;
            }
            Err(e) => {
                warn!(channel = name, error = %e, "notification not delivered");
                let msg = e.to_string();
                bump(st, name, |s| {
                    s.failed += 1;
                    s.last_error = Some(msg);
                });
                return;
            }
        }
    }
}
