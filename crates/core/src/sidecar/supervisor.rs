//! Keeps one `rclone rcd` alive: launch on a free loopback port with fresh credentials,
//! wait for `rc/noop`, health-check, restart with backoff, stop cleanly.

use std::{
    path::PathBuf,
    sync::{Arc, Mutex, RwLock},
    time::{Duration, Instant},
};

use rcmd_types::{SidecarProblem, SidecarState};
use serde_json::Value;
use tokio::{process::Child, sync::watch, sync::Notify, task::JoinHandle};
use tracing::{info, warn};

use super::{endpoint::Endpoint, orphans, process, Launcher, SidecarConfig, SidecarError};
use crate::{
    events::{CoreEvent, EventBus},
    ops,
    rc::{wire::Empty, RcClient},
    secret::Secret,
};

/// RC user name; the password is random per launch.
const RC_USER: &str = "rcmd";

/// Handle on the supervisor task. Cloning shares the same sidecar.
#[derive(Clone)]
pub struct Supervisor {
    inner: Arc<Inner>,
}

struct Inner {
    launcher: Box<dyn Launcher>,
    config: RwLock<SidecarConfig>,
    state: watch::Sender<SidecarState>,
    client: RwLock<Option<RcClient>>,
    shutdown: watch::Sender<bool>,
    restart: Notify,
    task: Mutex<Option<JoinHandle<()>>>,
    started: Instant,
    bus: EventBus,
}

/// How one launch ended.
enum Ended {
    Shutdown,
    /// The process is gone; `stable` if it had been ready for `stable_after`.
    Gone {
        problem: SidecarProblem,
        stable: bool,
    },
    /// Restart requested by the user; not a failure.
    Restart,
}

impl Supervisor {
    /// Starts supervising in the current tokio runtime. The first launch begins at once.
    pub fn start(launcher: impl Launcher, config: SidecarConfig, bus: EventBus) -> Self {
        let inner = Arc::new(Inner {
            launcher: Box::new(launcher),
            config: RwLock::new(config),
            state: watch::channel(SidecarState::Starting { attempt: 1 }).0,
            client: RwLock::new(None),
            shutdown: watch::channel(false).0,
            restart: Notify::new(),
            task: Mutex::new(None),
            started: Instant::now(),
            bus,
        });
        let task = tokio::spawn(run(inner.clone()));
        if let Ok(mut slot) = inner.task.lock() {
            *slot = Some(task);
        }
        Supervisor { inner }
    }

    /// The current state.
    pub fn state(&self) -> SidecarState {
        self.inner.state.borrow().clone()
    }

    /// A receiver that sees every state change.
    pub fn watch(&self) -> watch::Receiver<SidecarState> {
        self.inner.state.subscribe()
    }

    /// A client for the running rclone, or [`SidecarError::NotReady`].
    pub fn client(&self) -> Result<RcClient, SidecarError> {
        let client = self.inner.client.read().ok().and_then(|c| c.clone());
        client.ok_or_else(|| SidecarError::NotReady { state: self.state() })
    }

    /// Waits until rclone is ready (or `timeout` passes, or the supervisor gives up).
    pub async fn wait_ready(&self, timeout: Duration) -> Result<RcClient, SidecarError> {
        let mut rx = self.watch();
        let waited = tokio::time::timeout(timeout, async {
            loop {
                let state = rx.borrow_and_update().clone();
                match state {
                    SidecarState::Ready { .. } => return self.client(),
                    SidecarState::Failed { .. } | SidecarState::Stopped => {
                        return Err(SidecarError::NotReady { state })
                    }
                    _ => {}
                }
                if rx.changed().await.is_err() {
                    return Err(SidecarError::NotReady {
                        state: SidecarState::Stopped,
                    });
                }
            }
        })
        .await;
        waited.unwrap_or_else(|_| Err(SidecarError::NotReady { state: self.state() }))
    }

    /// Asks for a fresh rclone process: stops the running one gracefully, or leaves `failed`.
    pub fn restart(&self) {
        self.inner.restart.notify_one();
    }

    /// Uses another rclone config file from the next launch on, and restarts.
    pub fn set_rclone_config(&self, path: Option<PathBuf>) {
        if let Ok(mut c) = self.inner.config.write() {
            c.rclone_config = path;
        }
        self.restart();
    }

    /// Uses `password` for an encrypted config from the next launch on, and restarts.
    pub fn set_config_password(&self, password: Option<Secret>) {
        if let Ok(mut c) = self.inner.config.write() {
            c.config_password = password;
        }
        self.restart();
    }

    /// Checks `password` against the rclone config at `config` with this supervisor's rclone
    /// (see [`super::config_lock::check_password`]).
    pub async fn check_config_password(
        &self,
        config: &std::path::Path,
        password: &Secret,
    ) -> Result<(), super::config_lock::UnlockError> {
        super::config_lock::check_password(self.inner.launcher.as_ref(), config, password).await
    }

    /// Whether a config password is set.
    pub fn has_config_password(&self) -> bool {
        self.inner
            .config
            .read()
            .map(|c| c.config_password.is_some())
            .unwrap_or(false)
    }

    /// Whether the rclone config is encrypted and rclone does not have its password (calls
    /// that read the config would only get a panic from rclone).
    pub fn config_locked(&self) -> bool {
        let path = super::config_lock::effective_config(self.rclone_config().as_deref());
        path.is_some_and(|p| super::config_lock::is_encrypted(&p))
            && !self.has_config_password()
            && std::env::var_os("RCLONE_CONFIG_PASS").is_none()
    }

    /// The rclone config file chosen explicitly, if any.
    pub fn rclone_config(&self) -> Option<PathBuf> {
        self.inner.config.read().ok().and_then(|c| c.rclone_config.clone())
    }

    /// Stops rclone (`core/quit`, then kill after the grace period) and ends supervision.
    /// Idempotent.
    pub async fn shutdown(&self) {
        self.inner.shutdown.send_replace(true);
        let task = self.inner.task.lock().ok().and_then(|mut t| t.take());
        if let Some(task) = task {
            let _ = task.await;
        }
    }
}

impl Inner {
    fn config(&self) -> SidecarConfig {
        self.config.read().map(|c| c.clone()).unwrap_or_default()
    }

    fn set_state(&self, state: SidecarState) {
        info!(?state, "sidecar state");
        self.state.send_replace(state.clone());
        self.bus.emit(CoreEvent::Sidecar { state });
    }

    fn set_client(&self, client: Option<RcClient>) {
        if let Ok(mut slot) = self.client.write() {
            *slot = client;
        }
    }

    fn is_shutdown(&self) -> bool {
        *self.shutdown.borrow()
    }

    /// Resolves when shutdown is requested.
    async fn shutdown_requested(&self) {
        let mut rx = self.shutdown.subscribe();
        let _ = rx.wait_for(|stop| *stop).await;
    }
}

async fn run(inner: Arc<Inner>) {
    let records = inner.config().sidecar_records;
    if let Some(dir) = records.clone() {
        // a sidecar of a previous run that was killed hard would hold memory, and maybe files
        let grace = inner.config().stop_grace;
        let reaped = tokio::task::spawn_blocking(move || orphans::reap(&dir, grace))
            .await
            .unwrap_or_default();
        for (path, outcome) in reaped {
            info!(record = %path.display(), ?outcome, "sidecar record of an earlier run");
        }
    }
    // launches in a row that did not reach a stable run
    let mut failures: u32 = 0;
    while !inner.is_shutdown() {
        inner.set_state(SidecarState::Starting { attempt: failures + 1 });
        let ended = match launch(&inner).await {
            Ok(ended) => ended,
            Err(e) => {
                // a missing or unstartable binary does not fix itself: wait for the user
                warn!(error = %e, "cannot launch rclone");
                let problem = SidecarProblem::SpawnFailed { message: e.to_string() };
                inner.set_state(SidecarState::Failed { problem });
                if wait_for_restart(&inner, None).await {
                    break;
                }
                failures = 0;
                continue;
            }
        };
        let problem = match ended {
            Ended::Shutdown => break,
            Ended::Restart => {
                failures = 0;
                continue;
            }
            Ended::Gone { problem, stable } => {
                if stable {
                    failures = 0;
                }
                problem
            }
        };
        failures += 1;
        let config = inner.config();
        if failures >= config.max_attempts {
            let problem = SidecarProblem::TooManyRestarts {
                attempts: failures,
                last: Box::new(problem),
            };
            inner.set_state(SidecarState::Failed { problem });
            if wait_for_restart(&inner, None).await {
                break;
            }
            failures = 0;
            continue;
        }
        let delay = config.backoff(failures);
        inner.set_state(SidecarState::Restarting {
            attempt: failures,
            problem,
            retry_in_ms: delay.as_millis() as u64,
        });
        if wait_for_restart(&inner, Some(delay)).await {
            break;
        }
    }
    inner.set_client(None);
    if let Some(dir) = &records {
        orphans::forget(dir);
    }
    inner.set_state(SidecarState::Stopped);
}

/// Waits for `delay` (or forever), a restart request or shutdown. True on shutdown.
async fn wait_for_restart(inner: &Inner, delay: Option<Duration>) -> bool {
    let sleep = async {
        match delay {
            Some(d) => tokio::time::sleep(d).await,
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        _ = inner.shutdown_requested() => true,
        _ = inner.restart.notified() => false,
        _ = sleep => false,
    }
}

/// One process lifetime: spawn, wait for readiness, monitor until it ends.
async fn launch(inner: &Inner) -> Result<Ended, SidecarError> {
    let config = inner.config();
    // extra flags must not reopen or re-address the private RC server
    crate::app_dirs::check_rclone_flags(&config.extra_args).map_err(|message| SidecarError::Launch { message })?;
    let endpoint = Endpoint::new(config.listen_tcp).map_err(|source| SidecarError::Spawn { source })?;
    let port = endpoint.port();
    let pass = Secret::random();
    let mut cmd = inner.launcher.command()?;
    cmd.arg("rcd")
        .arg(format!("--rc-addr={}", endpoint.rc_addr()))
        .arg(format!("--rc-job-expire-duration={}s", config.job_expire.as_secs()))
        .arg("--use-json-log")
        // never wait for a password on a terminal nobody sees
        .arg("--ask-password=false")
        .arg(format!("--log-level={}", config.log_level));
    if let Some(path) = &config.rclone_config {
        cmd.arg("--config").arg(path);
    }
    cmd.args(&config.extra_args);
    if config.serve_files {
        cmd.arg("--rc-serve");
    }
    // Credentials through the environment: argv is visible to every local user in `ps`.
    cmd.env("RCLONE_RC_USER", RC_USER).env("RCLONE_RC_PASS", pass.expose());
    // Settings from the user's environment that would open or change the RC server.
    for var in [
        "RCLONE_RC_NO_AUTH",
        "RCLONE_RC_SERVE",
        "RCLONE_RC_HTPASSWD",
        "RCLONE_RC_ADDR",
        "RCLONE_RC_BASEURL",
    ] {
        cmd.env_remove(var);
    }
    if let Some(pass) = &config.config_password {
        cmd.env("RCLONE_CONFIG_PASS", pass.expose())
            .env_remove("RCLONE_PASSWORD_COMMAND");
    }
    let exe = std::path::PathBuf::from(cmd.get_program());
    let mut child = process::spawn(cmd)
        .await
        .map_err(|source| SidecarError::Spawn { source })?;
    let pid = child.id().unwrap_or(0);
    if let Some(dir) = &config.sidecar_records {
        if let Err(e) = orphans::record(dir, pid, &exe) {
            warn!(error = %e, "cannot record the sidecar's pid: a hard kill may leave it behind");
        }
    }
    info!(pid, endpoint = %endpoint.describe(), "spawned rclone rcd");
    let client = endpoint.client((RC_USER.to_owned(), pass))?;

    // Readiness: rc/noop (core/version runs lsb_release and is ~50x slower).
    tokio::select! {
        ready = wait_noop(&client, config.ready_timeout) => {
            if !ready {
                stop(&mut child, &client, Duration::ZERO).await;
                let problem = SidecarProblem::NotReady { timeout_ms: config.ready_timeout.as_millis() as u64 };
                return Ok(Ended::Gone { problem, stable: false });
            }
        }
        status = child.wait() => {
            return Ok(Ended::Gone { problem: exit_problem(status), stable: false });
        }
        _ = inner.shutdown_requested() => {
            stop(&mut child, &client, Duration::ZERO).await;
            return Ok(Ended::Shutdown);
        }
    }
    let version = match ops::version(&client).await {
        Ok(v) => v.version,
        Err(e) => {
            warn!(error = %e, "core/version failed");
            "unknown".into()
        }
    };
    // an rclone older than what the engine relies on fails in confusing ways later: refuse it
    if let Err(message) = super::version::check(&version, &config.min_version) {
        stop(&mut child, &client, Duration::ZERO).await;
        return Err(SidecarError::Launch { message });
    }
    let ready_at = Instant::now();
    inner.set_client(Some(client.clone()));
    inner.set_state(SidecarState::Ready {
        pid,
        port,
        endpoint: endpoint.describe(),
        version,
        ready_after_ms: inner.started.elapsed().as_millis() as u64,
    });

    let ended = monitor(inner, &mut child, &client, &config).await;
    inner.set_client(None);
    Ok(match ended {
        Ended::Gone { problem, .. } => Ended::Gone {
            problem,
            stable: ready_at.elapsed() >= config.stable_after,
        },
        other => other,
    })
}

/// Watches a ready process until it exits, stops answering, or we are told to stop.
async fn monitor(inner: &Inner, child: &mut Child, client: &RcClient, config: &SidecarConfig) -> Ended {
    let mut failed_checks = 0;
    loop {
        tokio::select! {
            status = child.wait() => {
                let problem = exit_problem(status);
                warn!(?problem, "rclone exited");
                return Ended::Gone { problem, stable: false };
            }
            _ = inner.shutdown_requested() => {
                stop(child, client, config.stop_grace).await;
                return Ended::Shutdown;
            }
            _ = inner.restart.notified() => {
                info!("restart requested");
                stop(child, client, config.stop_grace).await;
                return Ended::Restart;
            }
            _ = tokio::time::sleep(config.health_interval) => {
                let ok = client
                    .call_with_timeout::<_, Value>("rc/noop", &Empty {}, Some(config.health_timeout))
                    .await
                    .is_ok();
                failed_checks = if ok { 0 } else { failed_checks + 1 };
                if failed_checks >= config.unhealthy_after {
                    warn!(failed_checks, "rclone stopped answering; killing it");
                    stop(child, client, Duration::ZERO).await;
                    return Ended::Gone { problem: SidecarProblem::Unresponsive { failed_checks }, stable: false };
                }
            }
        }
    }
}

/// Polls `rc/noop` until it answers or `timeout` passes.
async fn wait_noop(client: &RcClient, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        let ok = client
            .call_with_timeout::<_, Value>("rc/noop", &Empty {}, Some(Duration::from_secs(1)))
            .await
            .is_ok();
        if ok {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    false
}

/// How long rclone gets to exit after SIGTERM (see [`stop`]).
const SIGTERM_WAIT: Duration = Duration::from_secs(1);

/// Stops the process: a graceful stop and up to `grace` to exit, then SIGKILL. Always reaps
/// it. The graceful stop is SIGTERM where there are signals: rclone then runs its exit
/// handlers and exits at once, where `core/quit` first sleeps 1.5 s (`fs/rc/internal.go`);
/// elsewhere `core/quit`.
async fn stop(child: &mut Child, client: &RcClient, grace: Duration) {
    if !grace.is_zero() {
        let signalled = super::process::terminate(child);
        // rclone exits while answering, so the reply may be lost: the exit is what counts. A
        // reply means it runs its exit handlers (after core/quit's 1.5 s sleep).
        let quitting = !signalled
            && client
                .call_with_timeout::<_, Value>("core/quit", &Empty {}, Some(grace))
                .await
                .is_ok();
        // after SIGTERM rclone is in its exit handlers at once; the one that can linger is its
        // RC server's shutdown, which waits up to 5 s for a connection that never sent a
        // request (Go's rule for new connections; hyper pools one when a call is dropped while
        // connecting, seen in a goroutine dump). Nothing is lost by not waiting for that.
        let wait = if signalled { grace.min(SIGTERM_WAIT) } else { grace };
        if let Ok(Ok(status)) = tokio::time::timeout(wait, child.wait()).await {
            info!(?status, "rclone stopped");
            return;
        }
        if signalled || quitting {
            info!(waited = ?wait, "rclone is still closing its RC connections after being asked to quit; stopping it");
            let _ = child.start_kill();
            let _ = child.wait().await;
            info!("rclone stopped");
            return;
        }
        warn!("rclone did not quit in time; killing it");
    }
    let _ = child.start_kill();
    let _ = child.wait().await;
}

fn exit_problem(status: std::io::Result<std::process::ExitStatus>) -> SidecarProblem {
    match status {
        Ok(s) => {
            #[cfg(unix)]
            let signal = std::os::unix::process::ExitStatusExt::signal(&s);
            #[cfg(not(unix))]
            let signal = None;
            SidecarProblem::Exited { code: s.code(), signal }
        }
        Err(_) => SidecarProblem::Exited {
            code: None,
            signal: None,
        },
    }
}
