//! The layer every RC call of the app goes through: the remote's circuit breaker, retries of
//! retryable failures, a short-lived cache and an optional fallback remote for reads while a
//! breaker is open, and watched async jobs for anything that moves data.

use std::{
    collections::HashMap,
    future::Future,
    pin::Pin,
    sync::{Arc, Mutex, RwLock},
    time::{Duration, Instant},
};

use rcmd_types::{BreakerSnapshot, FileEntry, RemoteUsage};
use serde::{de::DeserializeOwned, Serialize};
use tokio_util::sync::CancellationToken;

use super::{
    breaker::BreakerConfig,
    breakers::{Breakers, Rejected},
    classify::{self, Failure, Side},
    clock::{Clock, SystemClock},
    retry::{Backoff, Classify, Retrier, RetryBudget, RetryPolicy},
    watchdog::{JobOutcome, WatchdogConfig},
};
use crate::{
    events::EventBus,
    ops,
    rc::{RcClient, RcError},
    remote_path::{RemoteName, RemotePath},
    sidecar::Supervisor,
    Error, Result,
};

/// A boxed future of [`RcSource::ready_client`].
pub type ClientFuture<'a> = Pin<Box<dyn Future<Output = Result<RcClient>> + Send + 'a>>;

/// Where the current RC client comes from (the local supervisor, an rproxy server's link, or a
/// fixed endpoint).
pub trait RcSource: Send + Sync + 'static {
    /// A client, waiting up to `wait` while rclone is (re)starting; an error when there is
    /// none to be had (rclone not ready, server offline).
    fn ready_client(&self, wait: Duration) -> ClientFuture<'_>;

    /// The client is an rproxy server's: files reach this computer through its
    /// `rproxy/file` route, not through a copy by rclone (whose disk is the server's).
    fn is_server(&self) -> bool {
        false
    }

    /// The endpoint refused the credentials of a call made with its client (`expired`: the
    /// token has expired). A server's connection turns "refused" at once, not at its next
    /// reconnection; the local rclone has nothing to do.
    fn refused(&self, _expired: bool) {}
}

impl RcSource for Supervisor {
    fn ready_client(&self, wait: Duration) -> ClientFuture<'_> {
        Box::pin(async move {
            match self.client() {
                Ok(c) => Ok(c),
                Err(_) => Ok(self.wait_ready(wait).await?),
            }
        })
    }
}

impl RcSource for RcClient {
    fn ready_client(&self, _: Duration) -> ClientFuture<'_> {
        Box::pin(std::future::ready(Ok(self.clone())))
    }
}

/// Settings of the layer.
#[derive(Clone, Debug)]
pub struct ResilienceConfig {
    pub breaker: BreakerConfig,
    pub retry: RetryPolicy,
    pub backoff: Backoff,
    pub watchdog: WatchdogConfig,
    pub cache: CacheConfig,
    /// How long a call waits for a (re)starting sidecar before failing as "not ready".
    pub sidecar_wait: Duration,
}

impl Default for ResilienceConfig {
    fn default() -> Self {
        ResilienceConfig {
            breaker: BreakerConfig::default(),
            retry: RetryPolicy::default(),
            backoff: Backoff::default(),
            watchdog: WatchdogConfig::default(),
            cache: CacheConfig::default(),
            sidecar_wait: Duration::from_secs(15),
        }
    }
}

/// The read cache used while a breaker is open.
#[derive(Clone, Debug)]
pub struct CacheConfig {
    /// Entries older than this are not served.
    pub max_age: Duration,
    pub max_entries: usize,
}

impl Default for CacheConfig {
    fn default() -> Self {
        CacheConfig {
            max_age: Duration::from_secs(600),
            max_entries: 500,
        }
    }
}

/// A read result and where it came from.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Served<T> {
    pub value: T,
    /// Age of the cached copy, when the remote's breaker was open and the cache answered.
    pub stale_ms: Option<u64>,
    /// The fallback remote that answered, when the remote's breaker was open.
    pub fallback: Option<String>,
}

impl<T> Served<T> {
    fn fresh(value: T) -> Self {
        Served {
            value,
            stale_ms: None,
            fallback: None,
        }
    }
}

/// The resilient RC layer. Cheap to share behind an `Arc`.
pub struct Resilient {
    source: Arc<dyn RcSource>,
    breakers: Arc<Breakers>,
    retrier: Retrier,
    /// Same budget, one attempt: for callers with their own retry queue (batches).
    once: Retrier,
    watchdog: WatchdogConfig,
    sidecar_wait: Duration,
    cache_cfg: CacheConfig,
    /// Answers of reads as JSON text (encoding a 100,000-entry listing as text takes a third
    /// of the time of building a `serde_json::Value` of it, and far less memory).
    cache: Mutex<HashMap<String, (Instant, Vec<u8>)>>,
    fallbacks: RwLock<HashMap<String, String>>,
    clock: Arc<dyn Clock>,
}

impl Resilient {
    pub fn new(source: Arc<dyn RcSource>, cfg: ResilienceConfig, bus: EventBus) -> Self {
        Resilient::with_clock(source, cfg, bus, Arc::new(SystemClock))
    }

    /// With an injected clock (breakers, budget, cache ages).
    pub fn with_clock(source: Arc<dyn RcSource>, cfg: ResilienceConfig, bus: EventBus, clock: Arc<dyn Clock>) -> Self {
        let budget = Arc::new(RetryBudget::new(0.2, 1.0, 20.0, clock.as_ref()));
        let single = RetryPolicy {
            max_attempts: 1,
            ..cfg.retry.clone()
        };
        Resilient {
            source,
            breakers: Breakers::new(cfg.breaker, clock.clone(), bus),
            once: Retrier::new(single, cfg.backoff.clone(), budget.clone(), clock.clone()),
            retrier: Retrier::new(cfg.retry, cfg.backoff, budget, clock.clone()),
            watchdog: cfg.watchdog,
            sidecar_wait: cfg.sidecar_wait,
            cache_cfg: cfg.cache,
            cache: Mutex::new(HashMap::new()),
            fallbacks: RwLock::new(HashMap::new()),
            clock,
        }
    }

    /// Whether the calls go to an rproxy server ([`RcSource::is_server`]).
    pub fn is_server(&self) -> bool {
        self.source.is_server()
    }

    /// The stall limit of transfers.
    pub fn watchdog(&self) -> &WatchdogConfig {
        &self.watchdog
    }

    pub fn breakers(&self) -> &Arc<Breakers> {
        &self.breakers
    }

    pub fn breaker_snapshots(&self) -> Vec<BreakerSnapshot> {
        self.breakers.snapshots()
    }

    /// Reads of `remote` go to `fallback` (same path) while `remote`'s breaker is open.
    pub fn set_fallback(&self, remote: &RemoteName, fallback: Option<&RemoteName>) {
        if let Ok(mut f) = self.fallbacks.write() {
            match fallback {
                Some(fb) => f.insert(remote.as_str().to_owned(), fb.as_str().to_owned()),
                None => f.remove(remote.as_str()),
            };
        }
    }

    /// Runs `op` with retries; with `remotes`, each attempt passes their breakers. For
    /// request/response calls: a slow answer counts as slow for the breakers.
    pub async fn call<T, F, Fut>(&self, remotes: &[&RemoteName], cancel: &CancellationToken, op: F) -> Result<T>
    where
        F: Fn(RcClient) -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        self.call_using(&self.retrier, &parties(remotes), Timing::Timed, cancel, op)
            .await
    }

    /// Like [`Resilient::call`] with a single attempt: breakers and the wait for a restarting
    /// sidecar apply, retries are the caller's (a batch has its own retry queue).
    pub async fn call_once<T, F, Fut>(&self, remotes: &[&RemoteName], cancel: &CancellationToken, op: F) -> Result<T>
    where
        F: Fn(RcClient) -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        self.call_using(&self.once, &parties(remotes), Timing::Timed, cancel, op)
            .await
    }

    /// A long read-only job (a compare) with retries: its length never counts as slow (the
    /// stall watchdog judges jobs); `remotes` pass their breakers on each attempt.
    pub async fn job<T, F, Fut>(&self, remotes: &[&RemoteName], cancel: &CancellationToken, op: F) -> Result<T>
    where
        F: Fn(RcClient) -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        self.call_using(&self.retrier, &parties(remotes), Timing::Job, cancel, op)
            .await
    }

    /// A data-moving job from `src` to `dst` (or on `src` alone), one attempt. Its length
    /// never counts as slow (the stall watchdog judges jobs). A failure counts only against
    /// the side that failed: the side rclone's error names, else the side whose probe (a stat
    /// of `probe` below each root) fails; neither when both answer.
    pub async fn transfer_once<T, F, Fut>(
        &self,
        src: &RemotePath,
        dst: Option<&RemotePath>,
        probe: Option<&str>,
        cancel: &CancellationToken,
        op: F,
    ) -> Result<T>
    where
        F: Fn(RcClient) -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let probe_of = |root: &RemotePath| probe.and_then(|p| root.join(p).ok());
        let mut parties = vec![Party {
            remote: &src.remote,
            probe: probe_of(src),
        }];
        if let Some(d) = dst {
            parties.push(Party {
                remote: &d.remote,
                probe: probe_of(d),
            });
        }
        self.call_using(&self.once, &parties, Timing::Job, cancel, op).await
    }

    async fn call_using<T, F, Fut>(
        &self,
        retrier: &Retrier,
        parties: &[Party<'_>],
        timing: Timing,
        cancel: &CancellationToken,
        op: F,
    ) -> Result<T>
    where
        F: Fn(RcClient) -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let result = retrier
            .run(cancel, |_attempt| async {
                // wait for rclone before taking permits: a waiting call must not hold a probe slot
                let rc = self.source.ready_client(self.sidecar_wait).await?;
                let permits = parties
                    .iter()
                    .map(|p| {
                        let permit = self.breakers.acquire(p.remote.as_str()).map_err(open_error)?;
                        Ok(if timing == Timing::Job {
                            permit.untimed()
                        } else {
                            permit
                        })
                    })
                    .collect::<Result<Vec<_>>>()?;
                let out = op(rc.clone()).await;
                match &out {
                    Ok(_) => permits.into_iter().for_each(|p| p.success()),
                    Err(e) => {
                        if let Error::Rc(rc_err) = e {
                            if let RcError::Unauthorized { expired, .. } = **rc_err {
                                self.source.refused(expired);
                            }
                        }
                        let f = e.failure();
                        let blamed = self.blame(&rc, parties, &f).await;
                        for (i, p) in permits.into_iter().enumerate() {
                            if blamed.contains(&i) {
                                p.failure(&f);
                            }
                            // an unblamed side learns nothing from this call: the permit is
                            // dropped unrecorded
                        }
                    }
                }
                out
            })
            .await;
        // a cancelled call reports the cancellation, never the error the stop caused
        if cancel.is_cancelled() {
            return Err(Error::Cancelled);
        }
        result.map_err(|e| e.error.unwrap_or(Error::Cancelled))
    }

    /// Which of `parties` a failure counts against: every one for a single-remote call or a
    /// failure that says nothing about remotes; for a transfer the side the error names, else
    /// the sides whose probe fails.
    async fn blame(&self, rc: &RcClient, parties: &[Party<'_>], f: &Failure) -> Vec<usize> {
        if parties.len() < 2 || !f.counts_against_remote() {
            return (0..parties.len()).collect();
        }
        match classify::side_of(f) {
            Some(Side::Source) => return vec![0],
            Some(Side::Destination) => return vec![1],
            None => {}
        }
        let mut blamed = Vec::new();
        for (i, p) in parties.iter().enumerate() {
            let Some(probe) = &p.probe else {
                blamed.push(i);
                continue;
            };
            match ops::probe(rc, probe, !self.is_server()).await {
                Ok(()) => {}
                Err(e) if classify::classify(&e).counts_against_remote() => blamed.push(i),
                Err(_) => {}
            }
        }
        tracing::info!(reason = ?f.reason, ?blamed, "failure attributed by probing each side");
        blamed
    }

    /// A read: like [`Resilient::call`], but while the breaker is open the fallback remote or
    /// the cache may answer, and while the server is offline the cache (marked in [`Served`]).
    async fn read<T, F, Fut>(
        &self,
        remote: &RemoteName,
        key: String,
        cancel: &CancellationToken,
        op: F,
    ) -> Result<Served<T>>
    where
        T: Serialize + DeserializeOwned,
        F: Fn(RcClient, RemoteName) -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let first = self.call(&[remote], cancel, |rc| op(rc, remote.clone())).await;
        match first {
            Ok(v) => {
                self.remember(&key, &v);
                Ok(Served::fresh(v))
            }
            Err(err @ Error::CircuitOpen { .. }) => {
                let fallback = self.fallbacks.read().ok().and_then(|f| f.get(remote.as_str()).cloned());
                if let Some(fb) = fallback.and_then(|f| RemoteName::parse(&f).ok()) {
                    let v = self.call(&[&fb], cancel, |rc| op(rc, fb.clone())).await?;
                    return Ok(Served {
                        value: v,
                        stale_ms: None,
                        fallback: Some(fb.as_str().to_owned()),
                    });
                }
                self.stale(&key, err)
            }
            // the fallback lives on the same server: only the cache can answer
            Err(err @ Error::ServerOffline { .. }) => self.stale(&key, err),
            Err(e) => Err(e),
        }
    }

    /// The cached answer for `key`, marked with its age, or `err` when there is none.
    fn stale<T: DeserializeOwned>(&self, key: &str, err: Error) -> Result<Served<T>> {
        match self.recall(key) {
            Some((age, v)) => Ok(Served {
                value: v,
                stale_ms: Some(age.as_millis() as u64),
                fallback: None,
            }),
            None => Err(err),
        }
    }

    fn remember<T: Serialize>(&self, key: &str, v: &T) {
        let Ok(json) = serde_json::to_vec(v) else { return };
        let now = self.clock.now();
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        if cache.len() >= self.cache_cfg.max_entries && !cache.contains_key(key) {
            if let Some(oldest) = cache.iter().min_by_key(|(_, (t, _))| *t).map(|(k, _)| k.clone()) {
                cache.remove(&oldest);
            }
        }
        cache.insert(key.to_owned(), (now, json));
    }

    fn recall<T: DeserializeOwned>(&self, key: &str) -> Option<(Duration, T)> {
        let cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        let (at, json) = cache.get(key)?;
        let age = self.clock.now().saturating_duration_since(*at);
        if age > self.cache_cfg.max_age {
            return None;
        }
        Some((age, serde_json::from_slice(json).ok()?))
    }

    /// Configured remotes (no breaker: this asks rclone, not a remote).
    pub async fn list_remotes(&self, cancel: &CancellationToken) -> Result<Vec<String>> {
        self.call(&[], cancel, |rc| async move { Ok(ops::list_remotes(&rc).await?) })
            .await
    }

    pub async fn list(&self, dir: &RemotePath, cancel: &CancellationToken) -> Result<Served<Vec<FileEntry>>> {
        // the fallback remote is read at the same path, absolute or relative
        let path = dir.spec_path();
        // a dead remote says so in seconds (rclone reached directly; rproxy refuses the probe's
        // connection string)
        let quick = !self.is_server();
        self.read(&dir.remote, format!("list:{dir}"), cancel, |rc, remote| {
            let path = path.clone();
            async move {
                let dir = RemotePath::new(remote.as_str(), &path)?;
                Ok(if quick {
                    ops::list_quick(&rc, &dir).await?
                } else {
                    ops::list(&rc, &dir).await?
                })
            }
        })
        .await
    }

    pub async fn about(&self, remote: &RemoteName, cancel: &CancellationToken) -> Result<Served<RemoteUsage>> {
        self.read(remote, format!("about:{remote}"), cancel, |rc, remote| async move {
            Ok(ops::about(&rc, &remote).await?)
        })
        .await
    }

    /// Empties the remote's trash (`operations/cleanup`), once: a retry would only redo it.
    /// Remotes without a trash answer with rclone's "not supported" error.
    pub async fn cleanup(&self, remote: &RemoteName, cancel: &CancellationToken) -> Result<()> {
        self.call_once(&[remote], cancel, |rc| async move {
            let _: serde_json::Value = rc
                .call_with_timeout(
                    "operations/cleanup",
                    &serde_json::json!({ "fs": format!("{remote}:") }),
                    Some(std::time::Duration::from_secs(300)),
                )
                .await?;
            Ok(())
        })
        .await
    }

    /// The entry at `path`, `None` when nothing is there.
    pub async fn stat(&self, path: &RemotePath, cancel: &CancellationToken) -> Result<Option<FileEntry>> {
        self.call(&[&path.remote], cancel, |rc| async move {
            Ok(ops::stat_entry(&rc, path).await?)
        })
        .await
    }

    /// Space usage where the folder `dir` is ([`ops::about_dir`]); served from the cache like
    /// a listing while the remote's breaker is open.
    pub async fn about_dir(&self, dir: &RemotePath, cancel: &CancellationToken) -> Result<Served<RemoteUsage>> {
        let key = format!("about:{}{}", dir.fs(), dir.path());
        self.read(&dir.remote, key, cancel, |rc, remote| async move {
            // a fallback remote answers for its own root
            if remote == dir.remote {
                Ok(ops::about_dir(&rc, dir).await?)
            } else {
                Ok(ops::about(&rc, &remote).await?)
            }
        })
        .await
    }

    pub async fn mkdir(&self, dir: &RemotePath, cancel: &CancellationToken) -> Result<()> {
        dir.check_new_name()?;
        self.call(
            &[&dir.remote],
            cancel,
            |rc| async move { Ok(ops::mkdir(&rc, dir).await?) },
        )
        .await
    }

    /// Deletes a file. A retry that finds it gone counts as done: the earlier attempt deleted
    /// it but its answer was lost.
    pub async fn delete_file(&self, file: &RemotePath, cancel: &CancellationToken) -> Result<()> {
        let attempted = std::sync::atomic::AtomicBool::new(false);
        self.call(&[&file.remote], cancel, |rc| {
            let retry = attempted.swap(true, std::sync::atomic::Ordering::SeqCst);
            async move {
                match ops::delete_file(&rc, file).await {
                    Err(e) if retry && super::classify::is_not_found(&e) => Ok(()),
                    other => Ok(other?),
                }
            }
        })
        .await
    }

    /// Renames a file or folder in place to `new_name`. Refuses when something already has
    /// that name (rclone would overwrite the file or merge into the folder).
    pub async fn rename(
        &self,
        from: &RemotePath,
        new_name: &str,
        is_dir: bool,
        cancel: &CancellationToken,
    ) -> Result<RemotePath> {
        let to = from.sibling(new_name)?;
        let target = to.clone();
        let taken = self
            .call(&[&from.remote], cancel, |rc| {
                let target = target.clone();
                async move { Ok(crate::ops::exists(&rc, &target).await?) }
            })
            .await?;
        if taken {
            return Err(crate::remote_path::PathError::Exists { path: to.to_string() }.into());
        }
        let watchdog = self.watchdog.clone();
        let (from_root, to_ref) = (from.parent(), &to);
        self.transfer_once(&from_root, None, None, cancel, |rc| {
            let watchdog = watchdog.clone();
            async move { Ok(crate::ops::rename(&rc, from, to_ref, is_dir, &watchdog, cancel).await?) }
        })
        .await?;
        Ok(to)
    }

    /// Removes the emptied folders below `dir`, and `dir` itself unless `keep_root`.
    pub async fn remove_empty_dirs(&self, dir: &RemotePath, keep_root: bool, cancel: &CancellationToken) -> Result<()> {
        self.call(&[&dir.remote], cancel, |rc| async move {
            Ok(crate::ops::remove_empty_dirs(&rc, dir, keep_root).await?)
        })
        .await
    }

    /// Size, time, hashes and public link of a file or folder.
    pub async fn properties(&self, path: &RemotePath, cancel: &CancellationToken) -> Result<rcmd_types::Properties> {
        self.call(&[&path.remote], cancel, |rc| async move {
            Ok(crate::ops::properties(&rc, path).await?)
        })
        .await
    }

    /// Copies one file as a watched job; both remotes' breakers apply, a failure counts
    /// against the side that failed.
    pub async fn copy_file(
        &self,
        src: &RemotePath,
        dst: &RemotePath,
        cancel: &CancellationToken,
    ) -> Result<JobOutcome> {
        let watchdog = self.watchdog.clone();
        let (src_root, dst_root) = (src.parent(), dst.parent());
        let name = src.path().rsplit('/').next().unwrap_or_default().to_owned();
        self.transfer_once(&src_root, Some(&dst_root), Some(&name), cancel, |rc| {
            let watchdog = watchdog.clone();
            async move { Ok(ops::copy_file(&rc, src, dst, &watchdog, cancel).await?) }
        })
        .await
    }
}

/// How a call's duration is judged by the breakers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Timing {
    /// Request/response: a slow answer counts as slow.
    Timed,
    /// A data-moving job: its length says nothing about the remote's health.
    Job,
}

/// A remote taking part in a call, with the path to probe when the blame is unclear.
struct Party<'a> {
    remote: &'a RemoteName,
    probe: Option<RemotePath>,
}

/// Parties without probes, for calls that are not transfers.
fn parties<'a>(remotes: &[&'a RemoteName]) -> Vec<Party<'a>> {
    remotes.iter().map(|r| Party { remote: r, probe: None }).collect()
}

fn open_error(r: Rejected) -> Error {
    Error::CircuitOpen {
        remote: r.remote,
        retry_in: r.retry_in,
        forced: r.forced,
        last_failure: r.last_failure,
    }
}
