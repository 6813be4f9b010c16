//! Supervised mounts and serves.
//!
//! A mount is rclone's `mount/mount` in the engine's sidecar, watched by a loop of its own
//! ([`unit`]): a probe of the mount point in a thread with a deadline ([`probe`]), rclone's
//! `mount/listmounts`, the remote's breaker and the uploads pending in its VFS cache. A mount
//! found dead or stale (rclone restarted, "Transport endpoint is not connected", a hung FUSE
//! daemon) is cleared (`fusermount3 -uz`, `diskutil unmount force`) and mounted again with
//! backoff. Taking a mount down never drops pending uploads silently ([`PendingChoice`]).
//! Serves (`serve/start`) are supervised the same way, always with a generated password
//! unless the user chose none on loopback.

pub mod error;
pub mod mount_unit;
pub mod os;
pub mod owner;
pub mod probe;
pub mod resume;
pub mod serve_unit;
mod serves;
pub mod store;
pub mod unit;
mod validate;

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use rcmd_types::{MountSpec, MountState, MountStatus, MountView, PendingChoice, ServeSpec};
use tokio::sync::watch;

pub use error::MountError;
use mount_unit::MountUnit;
use serve_unit::ServeUnit;
use store::Table;
use unit::{Publisher, StartError, Supervision, Timing, Unit};
pub use validate::validate_mount;

use crate::{
    batch::Store,
    events::{CoreEvent, EventBus},
    resilience::layer::Resilient,
    secrets::SecretStore,
};

/// How mounts and serves are watched.
#[derive(Clone, Copy, Debug)]
pub struct MountsConfig {
    /// Between two checks of a running mount.
    pub probe_every: Duration,
    /// A probe of the mount point not answered by then means a hung mount.
    pub probe_deadline: Duration,
    /// Between two questions to a mount's remote (they feed its breaker).
    pub remote_every: Duration,
    /// For `mount/mount` and `serve/start`.
    pub mount_timeout: Duration,
    /// For the small calls (`vfs/stats`, `mount/listmounts`, ...).
    pub call_timeout: Duration,
    pub backoff_min: Duration,
    pub backoff_max: Duration,
}

impl Default for MountsConfig {
    fn default() -> Self {
        MountsConfig {
            probe_every: Duration::from_secs(2),
            probe_deadline: Duration::from_secs(3),
            remote_every: Duration::from_secs(3),
            mount_timeout: Duration::from_secs(60),
            call_timeout: Duration::from_secs(10),
            backoff_min: Duration::from_secs(1),
            backoff_max: Duration::from_secs(60),
        }
    }
}

impl MountsConfig {
    fn timing(&self) -> Timing {
        Timing {
            check_every: self.probe_every,
            backoff_min: self.backoff_min,
            backoff_max: self.backoff_max,
        }
    }
}

struct Running<U> {
    unit: Arc<U>,
    supervision: Supervision,
    /// This process's ownership of the name (released when it is taken down).
    _claim: Option<owner::Claim>,
}

#[derive(Default)]
struct Live {
    mounts: HashMap<String, Running<MountUnit>>,
    serves: HashMap<String, Running<ServeUnit>>,
    /// Last status of what is not running (a failed first start, a stop).
    idle: HashMap<String, MountStatus>,
    /// First starts in progress, for [`Mounts::cancel_start`].
    starting: HashMap<String, tokio_util::sync::CancellationToken>,
}

/// The engine's mounts and serves. Cheap to clone.
#[derive(Clone)]
pub struct Mounts {
    rc: Arc<Resilient>,
    bus: EventBus,
    store: Store,
    secrets: SecretStore,
    cfg: MountsConfig,
    live: Arc<Mutex<Live>>,
    /// Coordination with other RCMD processes (`None`: this process only).
    registry: Option<owner::Registry>,
    /// Serialises up/down/remove so two callers never race on one mount.
    ops: Arc<tokio::sync::Mutex<()>>,
}

/// The rclone of [`Mounts::offline`]: none.
struct NoRclone;

impl crate::resilience::layer::RcSource for NoRclone {
    fn ready_client(&self, _: Duration) -> crate::resilience::layer::ClientFuture<'_> {
        Box::pin(std::future::ready(Err(crate::Error::Sidecar(
            crate::sidecar::SidecarError::Launch {
                message: "this command runs no rclone".into(),
            },
        ))))
    }
}

fn mount_event(status: MountStatus) -> CoreEvent {
    CoreEvent::Mount { status }
}

fn serve_event(status: MountStatus) -> CoreEvent {
    CoreEvent::Serve { status }
}

/// The secret store key of a serve's password.
fn serve_key(name: &str) -> String {
    format!("serve:{name}")
}

impl Mounts {
    pub fn new(rc: Arc<Resilient>, bus: EventBus, store: Store, secrets: SecretStore, cfg: MountsConfig) -> Self {
        Mounts {
            rc,
            bus,
            store,
            secrets,
            cfg,
            live: Arc::default(),
            registry: None,
            ops: Arc::default(),
        }
    }

    /// For commands that only read and change the list (add, list, remove, down): no rclone
    /// is started; calls that would need one fail with a clear error.
    pub fn offline(store: Store, secrets: SecretStore, registry_dir: std::path::PathBuf) -> Self {
        let rc = Arc::new(Resilient::new(
            Arc::new(NoRclone),
            crate::resilience::layer::ResilienceConfig::default(),
            EventBus::default(),
        ));
        Mounts::new(rc, EventBus::default(), store, secrets, MountsConfig::default()).with_registry(registry_dir)
    }

    /// Coordinates with the other RCMD processes of this user through `dir` (the app and
    /// `rcmd-cli` share it): one owner per mount, states and down requests across processes.
    pub fn with_registry(mut self, dir: std::path::PathBuf) -> Self {
        self.registry = Some(owner::Registry::new(dir));
        self
    }

    pub fn registry(&self) -> Option<&owner::Registry> {
        self.registry.as_ref()
    }

    /// Takes ownership of `name` for this process.
    fn claim(&self, name: &str) -> Result<Option<owner::Claim>, MountError> {
        match &self.registry {
            None => Ok(None),
            Some(r) => r.claim(name).map(Some).map_err(|pid| MountError::Elsewhere {
                name: name.to_owned(),
                pid,
            }),
        }
    }

    /// Answers other processes' requests to take a mount or serve down (checked every
    /// second), for as long as the runtime runs. For front ends that stay up.
    pub fn answer_requests(&self) {
        let Some(reg) = self.registry.clone() else { return };
        let me = self.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_secs(1)).await;
                let (mounts, serves): (Vec<String>, Vec<String>) = {
                    let live = me.lock();
                    (
                        live.mounts.keys().cloned().collect(),
                        live.serves.keys().cloned().collect(),
                    )
                };
                for name in mounts.iter().chain(&serves) {
                    let Some(req) = reg.take_request(name) else { continue };
                    let (me, reg, name) = (me.clone(), reg.clone(), name.clone());
                    let is_serve = serves.contains(&name);
                    tokio::spawn(async move {
                        let r = if is_serve {
                            me.serve_down(&name).await
                        } else {
                            me.down(&name, req.choice, Duration::from_secs(req.wait_secs)).await
                        };
                        reg.write_answer(&name, &r.map(|()| "ok".to_owned()).unwrap_or_else(|e| e.to_string()));
                    });
                }
            }
        });
    }

    pub fn config(&self) -> MountsConfig {
        self.cfg
    }

    // ---- mounts ------------------------------------------------------------------------

    /// The mounts set up, with their state.
    pub async fn list(&self) -> Result<Vec<MountView>, MountError> {
        let specs: Vec<MountSpec> = store::list(&self.store, Table::Mounts).await?;
        Ok(specs
            .into_iter()
            .map(|spec| MountView {
                status: self.status(&spec.name),
                spec,
            })
            .collect())
    }

    pub async fn get(&self, name: &str) -> Result<MountSpec, MountError> {
        let specs: Vec<MountSpec> = store::list(&self.store, Table::Mounts).await?;
        specs
            .into_iter()
            .find(|s| s.name == name)
            .ok_or_else(|| MountError::Unknown(name.to_owned()))
    }

    /// Adds (or, with `replace`, changes) a mount. A running mount cannot be changed.
    pub async fn save(&self, spec: MountSpec, replace: bool) -> Result<(), MountError> {
        validate_mount(&spec)?;
        let _op = self.ops.lock().await;
        let exists = self.get(&spec.name).await.is_ok() || self.serve_spec(&spec.name).await.is_ok();
        if exists && !replace {
            return Err(MountError::Exists(spec.name));
        }
        if self.is_running(&spec.name) {
            return Err(MountError::Running { name: spec.name });
        }
        store::put(&self.store, Table::Mounts, &spec.name, &spec).await?;
        Ok(())
    }

    /// Forgets a mount (it must be down).
    pub async fn remove(&self, name: &str) -> Result<(), MountError> {
        let _op = self.ops.lock().await;
        if self.is_running(name) {
            return Err(MountError::Running { name: name.to_owned() });
        }
        if !store::remove(&self.store, Table::Mounts, name).await? {
            return Err(MountError::Unknown(name.to_owned()));
        }
        self.lock().idle.remove(name);
        Ok(())
    }

    /// Mounts `name` and supervises it. Returns once mounted, or with why not (the first
    /// attempt's error: a bad mount point or missing FUSE is said at once, not retried).
    pub async fn up(&self, name: &str) -> Result<(), MountError> {
        let spec = self.get(name).await?;
        let _op = self.ops.lock().await;
        if self.is_running(name) {
            return Ok(());
        }
        let claim = self.claim(name)?;
        let unit = Arc::new(MountUnit::new(spec, self.rc.clone(), self.cfg));
        match self.first_start(name, unit.clone(), mount_event, claim).await {
            Ok(running) => {
                self.lock().mounts.insert(name.to_owned(), running);
                Ok(())
            }
            Err(StartError::Permanent(m)) if os::missing_fuse(&unit.spec.mount_type).is_some() => {
                Err(MountError::NoFuse(m))
            }
            Err(e) => Err(MountError::Failed {
                name: name.to_owned(),
                message: e.message().to_owned(),
            }),
        }
    }

    /// Starts `unit` (its first start's outcome goes to the caller, not into retries) and
    /// supervises it from then on.
    async fn first_start<U: Unit>(
        &self,
        name: &str,
        unit: Arc<U>,
        event: fn(MountStatus) -> CoreEvent,
        claim: Option<owner::Claim>,
    ) -> Result<Running<U>, StartError> {
        let publisher = self.publisher(name, event);
        publisher.set(MountState::Mounting, None, Some(0));
        // seen by `status` and `list` while it starts
        self.keep_idle(&publisher);
        let cancel = tokio_util::sync::CancellationToken::new();
        self.lock().starting.insert(name.to_owned(), cancel.clone());
        let started = tokio::select! {
            r = unit.start() => r,
            _ = cancel.cancelled() => {
                // the call is dropped; rclone may still be in it (it holds its mount list
                // meanwhile): leave nothing mounted, in the background so the cancel is
                // answered at once
                let unit = unit.clone();
                tokio::spawn(async move { unit.clear().await });
                Err(StartError::Permanent("cancelled".into()))
            }
        };
        self.lock().starting.remove(name);
        match started {
            Ok(()) => {
                publisher.set(MountState::Mounted, None, None);
                let supervision = unit::spawn(unit.clone(), self.cfg.timing(), publisher, true);
                Ok(Running {
                    unit,
                    supervision,
                    _claim: claim,
                })
            }
            Err(e) => {
                if cancel.is_cancelled() {
                    publisher.set(MountState::Stopped, None, Some(0));
                } else {
                    publisher.set(MountState::Failed, Some(e.message().to_owned()), None);
                }
                self.keep_idle(&publisher);
                Err(e)
            }
        }
    }

    /// Cancels the first start of `name` in progress (a mount that hangs in "mounting");
    /// `false` when none is.
    pub fn cancel_start(&self, name: &str) -> bool {
        match self.lock().starting.get(name) {
            Some(c) => {
                c.cancel();
                true
            }
            None => false,
        }
    }

    /// Supervises `unit` from its first start on, with the loop's retries (auto-start).
    fn supervise<U: Unit>(
        &self,
        name: &str,
        unit: Arc<U>,
        event: fn(MountStatus) -> CoreEvent,
        claim: Option<owner::Claim>,
    ) -> Running<U> {
        let publisher = self.publisher(name, event);
        let supervision = unit::spawn(unit.clone(), self.cfg.timing(), publisher, false);
        Running {
            unit,
            supervision,
            _claim: claim,
        }
    }

    /// Starts supervising every mount marked auto-mount (and every auto-start serve), each
    /// with its own retries; returns at once.
    pub async fn start_auto(&self) -> Result<Vec<String>, MountError> {
        let mut started = vec![];
        let specs: Vec<MountSpec> = store::list(&self.store, Table::Mounts).await?;
        for spec in specs.into_iter().filter(|s| s.auto_mount) {
            let _op = self.ops.lock().await;
            if self.is_running(&spec.name) {
                continue;
            }
            let name = spec.name.clone();
            let Ok(claim) = self.claim(&name) else {
                tracing::info!(name, "auto-mount: another RCMD process runs it");
                continue;
            };
            let unit = Arc::new(MountUnit::new(spec, self.rc.clone(), self.cfg));
            let running = self.supervise(&name, unit, mount_event, claim);
            self.lock().mounts.insert(name.clone(), running);
            started.push(name);
        }
        let serves: Vec<ServeSpec> = store::list(&self.store, Table::Serves).await?;
        for spec in serves.into_iter().filter(|s| s.auto_start) {
            let name = spec.name.clone();
            let _op = self.ops.lock().await;
            if self.is_running(&name) {
                continue;
            }
            let Ok(claim) = self.claim(&name) else {
                tracing::info!(name, "auto-start: another RCMD process runs it");
                continue;
            };
            let running = self.supervise(&name, Arc::new(self.serve_unit(spec)), serve_event, claim);
            self.lock().serves.insert(name.clone(), running);
            started.push(name);
        }
        Ok(started)
    }

    /// Uploads still pending in mount `name`'s cache, and the first file names.
    pub async fn pending(&self, name: &str) -> Result<(u64, Vec<String>), MountError> {
        let unit = self.lock().mounts.get(name).map(|r| r.unit.clone());
        let Some(unit) = unit else { return Ok((0, vec![])) };
        unit.pending().await.map_err(|e| MountError::Failed {
            name: name.to_owned(),
            message: format!("cannot read the pending uploads: {e}"),
        })
    }

    /// Unmounts `name`. Pending uploads are refused, waited for (at most `wait`), or left in
    /// rclone's cache, as `choice` says; never dropped without being asked.
    pub async fn down(&self, name: &str, choice: PendingChoice, wait: Duration) -> Result<(), MountError> {
        if self.lock().serves.contains_key(name) {
            return self.serve_down(name).await;
        }
        let _op = self.ops.lock().await;
        let unit = self.lock().mounts.get(name).map(|r| r.unit.clone());
        let Some(unit) = unit else {
            if self.registry.as_ref().is_some_and(|r| r.owner(name).is_some()) {
                return self.down_elsewhere(name, choice, wait).await;
            }
            return if self.get(name).await.is_ok() || self.serve_spec(name).await.is_ok() {
                Ok(())
            } else {
                Err(MountError::Unknown(name.to_owned()))
            };
        };
        let publisher = self.publisher(name, mount_event);
        if choice != PendingChoice::Leave {
            let deadline = Instant::now()
                + if choice == PendingChoice::Wait {
                    wait
                } else {
                    Duration::ZERO
                };
            loop {
                let (count, files) = match unit.pending().await {
                    Ok(p) => p,
                    // rclone is gone (restarted): what it had not uploaded stays in its cache
                    Err(_) if unit.listed().await != Some(true) => (0, vec![]),
                    // rclone runs the mount but cannot say: never assume "nothing pending"
                    Err(e) => {
                        return Err(MountError::Failed {
                            name: name.to_owned(),
                            message: format!(
                                "cannot tell whether uploads are pending ({}); unmount anyway to leave them in rclone's cache",
                                mount_unit::rclone_message(&e)
                            ),
                        })
                    }
                };
                if count == 0 {
                    break;
                }
                if Instant::now() >= deadline {
                    let shown: Vec<&str> = files.iter().take(5).map(String::as_str).collect();
                    return Err(MountError::Pending {
                        name: name.to_owned(),
                        count,
                        files: if shown.is_empty() {
                            "names unknown".into()
                        } else {
                            shown.join(", ")
                        },
                    });
                }
                publisher.set(
                    MountState::Unmounting,
                    Some(format!("waiting for {count} upload(s)")),
                    Some(count),
                );
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        }
        let running = self.lock().mounts.remove(name);
        if let Some(r) = running {
            r.supervision.stop().await;
        }
        publisher.set(MountState::Unmounting, None, None);
        let r = unit.rc_unmount(self.cfg.call_timeout).await;
        if let Err(e) = r {
            // rclone is gone or does not know it (restarted): clear the mount point ourselves
            tracing::info!(name, error = %e, "mount/unmount failed; clearing the mount point");
            unit.clear().await;
        }
        publisher.set(MountState::Stopped, None, Some(0));
        self.keep_idle(&publisher);
        Ok(())
    }

    /// Asks the other RCMD process that runs `name` to take it down, and waits for its answer.
    async fn down_elsewhere(&self, name: &str, choice: PendingChoice, wait: Duration) -> Result<(), MountError> {
        let Some(reg) = &self.registry else { return Ok(()) };
        let failed = |message: String| MountError::Failed {
            name: name.to_owned(),
            message,
        };
        reg.clear_answer(name);
        reg.request_down(
            name,
            owner::DownRequest {
                choice,
                wait_secs: wait.as_secs(),
            },
        )
        .map_err(|e| failed(format!("cannot ask the process that runs it: {e}")))?;
        match reg.wait_answer(name, wait + Duration::from_secs(20)).await {
            Some(a) if a == "ok" => Ok(()),
            Some(a) => Err(failed(a)),
            None => Err(failed("the RCMD process that runs it did not answer".into())),
        }
    }

    /// Every running mount's pending uploads (for the quit dialog): `(name, count)`.
    pub async fn pending_all(&self) -> Vec<(String, u64)> {
        let units: Vec<(String, Arc<MountUnit>)> = self
            .lock()
            .mounts
            .iter()
            .map(|(n, r)| (n.clone(), r.unit.clone()))
            .collect();
        let mut out = vec![];
        for (name, unit) in units {
            if let Ok((n, _)) = unit.pending().await {
                if n > 0 {
                    out.push((name, n));
                }
            }
        }
        out
    }

    /// Takes every mount and serve down (the app quits): uploads as `choice` says.
    pub async fn down_all(&self, choice: PendingChoice, wait: Duration) -> Vec<MountError> {
        let mounts: Vec<String> = self.lock().mounts.keys().cloned().collect();
        let serves: Vec<String> = self.lock().serves.keys().cloned().collect();
        let mut errors = vec![];
        for m in mounts {
            if let Err(e) = self.down(&m, choice, wait).await {
                errors.push(e);
            }
        }
        for s in serves {
            if let Err(e) = self.serve_down(&s).await {
                errors.push(e);
            }
        }
        errors
    }

    /// Checks every mount and serve now (after a resume from sleep).
    pub fn wake(&self) {
        let live = self.lock();
        live.mounts.values().for_each(|r| r.supervision.wake());
        live.serves.values().for_each(|r| r.supervision.wake());
    }

    /// The state of mount or serve `name`: here, or in the other RCMD process that runs it.
    pub fn status(&self, name: &str) -> MountStatus {
        let live = self.lock();
        live.mounts
            .get(name)
            .map(|r| r.supervision.status.borrow().clone())
            .or_else(|| live.serves.get(name).map(|r| r.supervision.status.borrow().clone()))
            .or_else(|| self.registry.as_ref().and_then(|r| r.read_state(name)))
            .or_else(|| live.idle.get(name).cloned())
            .unwrap_or_else(|| unit::status(name, MountState::Stopped))
    }

    /// The mounts and serves this process runs.
    pub fn running(&self) -> Vec<String> {
        let live = self.lock();
        live.mounts.keys().chain(live.serves.keys()).cloned().collect()
    }

    /// Whether this process runs `name`.
    pub fn runs_here(&self, name: &str) -> bool {
        self.is_running(name)
    }

    /// Waits until `name` is in one of `states` (at most `within`); its status then.
    pub async fn wait_for(&self, name: &str, states: &[MountState], within: Duration) -> MountStatus {
        let deadline = Instant::now() + within;
        loop {
            let s = self.status(name);
            if states.contains(&s.state) || Instant::now() >= deadline {
                return s;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    fn is_running(&self, name: &str) -> bool {
        let live = self.lock();
        live.mounts.contains_key(name) || live.serves.contains_key(name)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Live> {
        self.live.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn publisher(&self, name: &str, event: fn(MountStatus) -> CoreEvent) -> Publisher {
        let mut start = self.status(name);
        start.name = name.to_owned();
        let (tx, _) = watch::channel(start);
        Publisher {
            tx,
            bus: self.bus.clone(),
            event,
            registry: self.registry.clone(),
        }
    }

    fn keep_idle(&self, p: &Publisher) {
        let s = p.tx.borrow().clone();
        self.lock().idle.insert(s.name.clone(), s);
    }
}
