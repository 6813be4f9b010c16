//! The engine, wired in one place for every front end (the desktop app, the command line,
//! the server): event bus, secret store, supervised rclone sidecar, resilient RC layer, batch
//! database, processor and background runner, scheduler and notifier. Front ends translate
//! (IPC, argv, HTTP) and hand the engine a sink for the runner's reports; they do not
//! assemble services by hand.

mod config_password;

use std::{path::PathBuf, sync::Arc, time::Duration};

use rcmd_types::PendingChoice;

use crate::{
    batch::{LeaseOwner, Processor, ProcessorConfig, Runner, RunnerSink, Store, StoreError},
    events::EventBus,
    mount::{Mounts, MountsConfig},
    notify::{settings::NotifySettings, Notifications},
    resilience::layer::{ResilienceConfig, Resilient},
    schedule::{RunnerLaunch, ScheduleStore, Scheduler, SystemWall},
    secret::Secret,
    secrets::{SecretStore, CONFIG_PASSWORD_KEY},
    sidecar::{config_lock, Launcher, SidecarConfig, Supervisor},
};

/// Where an engine keeps its secrets (notification secrets, server tokens, the config
/// password).
#[derive(Clone, Debug)]
pub enum SecretsAt {
    /// The OS keyring, with this private file (0600) as the fallback (the app, the CLI).
    Keyring(PathBuf),
    /// Only this private file (a server has no keyring).
    File(PathBuf),
}

/// What an engine is built from.
#[derive(Clone, Debug)]
pub struct EngineConfig {
    /// Holds the batch database (`rcmd.db`) and the chunks' file lists (`work/`).
    pub data_dir: PathBuf,
    pub sidecar: SidecarConfig,
    pub resilience: ResilienceConfig,
    /// A batch whose runner has not renewed its lease for this long may be taken over by
    /// another process.
    pub lease_timeout: Duration,
    pub secrets: SecretsAt,
    /// Notifications sent from the start (none by default).
    pub notifications: NotifySettings,
    /// When the rclone config is encrypted and no password is given: use the one remembered
    /// in the secret store, if it still opens the config.
    pub remembered_config_password: bool,
    pub mounts: MountsConfig,
}

impl EngineConfig {
    /// The defaults for `data_dir` and `sidecar`: secrets in `data_dir/secrets.json` only, no
    /// notifications.
    pub fn new(data_dir: PathBuf, sidecar: SidecarConfig) -> Self {
        EngineConfig {
            secrets: SecretsAt::File(data_dir.join("secrets.json")),
            data_dir,
            sidecar,
            resilience: ResilienceConfig::default(),
            lease_timeout: Duration::from_secs(30),
            notifications: NotifySettings::none(),
            remembered_config_password: false,
            mounts: MountsConfig::default(),
        }
    }
}

impl EngineConfig {
    /// This user's engine, shared by the app and `rcmd` (one batch database, one secret store
    /// with the keyring, the rclone config and notifications from `settings`).
    pub fn for_user(settings: &crate::settings::Settings) -> Self {
        let sidecar = SidecarConfig {
            rclone_config: settings.rclone_config.clone(),
            ..SidecarConfig::default()
        };
        let mut cfg = EngineConfig::new(crate::app_dirs::data_dir(), sidecar);
        cfg.secrets = SecretsAt::Keyring(crate::app_dirs::secrets_file());
        cfg.notifications = settings.notifications.clone();
        cfg
    }
}

/// The running engine. Cheap to clone.
#[derive(Clone)]
pub struct Engine {
    pub bus: EventBus,
    pub supervisor: Supervisor,
    /// Every RC call goes through this layer.
    pub rc: Arc<Resilient>,
    pub store: Store,
    pub processor: Processor,
    /// Runs batches in the background and reports to the front end's sink.
    pub runner: Runner,
    /// Scheduled batches, launched on [`Engine::runner`]; ticked by the front ends that run
    /// schedules.
    pub scheduler: Scheduler,
    pub secrets: SecretStore,
    pub notifications: Notifications,
    /// Supervised mounts and serves (in this engine's sidecar).
    pub mounts: Mounts,
    /// Two-way sync pairs; their runs are batches on [`Engine::runner`].
    pub pairs: crate::bisync::Pairs,
    /// Watch mode of the schedules (started by [`Engine::keep_running`]).
    pub watches: crate::watch::Watches,
    /// What was wrong at start and was worked around (a damaged secrets file kept aside), for
    /// the front end to show.
    pub problems: Vec<String>,
    sink: Arc<SinkSlot>,
}

pub use config_password::ConfigUnlockError;

impl Engine {
    /// Opens the batch database, then starts the sidecar (so a locked or corrupt database
    /// fails before any rclone is started), the runner (its reports go to the sink given to
    /// [`Engine::attach`]), the scheduler and the notifier. Must run inside a tokio runtime.
    pub async fn start(launcher: impl Launcher, cfg: EngineConfig) -> Result<Engine, StoreError> {
        let store = Store::open(&cfg.data_dir.join("rcmd.db")).await?;
        let bus = EventBus::default();
        let mut problems = vec![];
        let secrets = match cfg.secrets {
            SecretsAt::Keyring(file) => {
                let (s, problem) = SecretStore::open(file);
                problems.extend(problem);
                s
            }
            SecretsAt::File(file) => SecretStore::file_only(file),
        };
        let mut sidecar = cfg.sidecar;
        if cfg.remembered_config_password && sidecar.config_password.is_none() {
            sidecar.config_password = remembered_password(&launcher, &sidecar, &secrets).await;
        }
        sidecar
            .sidecar_records
            .get_or_insert_with(|| cfg.data_dir.join("sidecars"));
        let supervisor = Supervisor::start(launcher, sidecar, bus.clone());
        let rc = Arc::new(Resilient::new(
            Arc::new(supervisor.clone()),
            cfg.resilience,
            bus.clone(),
        ));
        let mut processor = Processor::new(
            store.clone(),
            rc.clone(),
            ProcessorConfig::new(cfg.data_dir.join("work")),
        );
        processor.bus = Some(bus.clone());
        processor.owner = LeaseOwner::this_process(cfg.lease_timeout);
        let sink = Arc::new(SinkSlot::default());
        let runner = Runner::new(processor.clone(), sink.clone());
        let pairs = crate::bisync::Pairs::new(runner.clone(), processor.cfg.work_dir.clone());
        let scheduler = Scheduler::new(
            ScheduleStore::new(store.clone()),
            Arc::new(SystemWall),
            Arc::new(RunnerLaunch {
                runner: runner.clone(),
                pairs: pairs.clone(),
            }),
            Some(bus.clone()),
        );
        let notifications = Notifications::new(secrets.clone(), bus.clone());
        notifications.apply(&cfg.notifications);
        let mounts = Mounts::new(rc.clone(), bus.clone(), store.clone(), secrets.clone(), cfg.mounts)
            .with_registry(cfg.data_dir.join("mounts"));
        let watches = crate::watch::Watches::new(scheduler.clone(), rc.clone());
        Ok(Engine {
            mounts,
            pairs,
            watches,
            bus,
            supervisor,
            rc,
            store,
            processor,
            runner,
            scheduler,
            secrets,
            notifications,
            problems,
            sink,
        })
    }

    /// Sends the runner's reports to `sink` from now on, instead of to the sink attached
    /// before (a front end started again over the same engine). Attach before resuming
    /// batches, or their first reports are lost.
    pub fn attach(&self, sink: Arc<dyn RunnerSink>) {
        if let Ok(mut s) = self.sink.0.write() {
            *s = Some(sink);
        }
    }

    /// For a front end that stays up (the app): batches a previous run left interrupted are
    /// resumed (`auto_resume`) or marked paused, and schedules are ticked every `tick` (a due
    /// time is at most that late; after a sleep the next tick reports what was missed). Attach
    /// the sink first. Must run inside a tokio runtime.
    pub fn keep_running(&self, auto_resume: bool, tick: Duration) {
        let runner = self.runner.clone();
        tokio::spawn(async move { runner.recover_interrupted(auto_resume).await });
        self.scheduler.clone().tick_every(tick);
        self.watches.clone().keep_refreshed(WATCH_REFRESH);
    }

    /// Takes mounts and serves down (waiting up to [`SHUTDOWN_UPLOAD_WAIT`] for pending
    /// uploads; what is still pending then stays in rclone's cache and is uploaded the next
    /// time the remote is mounted), then stops rclone (graceful `core/quit`, then kill).
    /// Front ends that can ask (the app's quit dialog) take mounts down first.
    pub async fn shutdown(&self) {
        for e in self.mounts.down_all(PendingChoice::Wait, SHUTDOWN_UPLOAD_WAIT).await {
            tracing::warn!(error = %e, "at exit");
        }
        self.mounts.down_all(PendingChoice::Leave, Duration::ZERO).await;
        self.supervisor.shutdown().await;
    }

    /// [`Engine::shutdown`] from a thread outside the runtime (an exit handler), run on
    /// `runtime`, waited for at most `within`; `false` when the deadline passed. The wait is a
    /// plain channel with its own deadline, not a runtime timer: if the runtime were stuck, a
    /// runtime timer would never fire and the process would never exit.
    pub fn shutdown_blocking(&self, runtime: &tokio::runtime::Handle, within: Duration) -> bool {
        let (done, stopped) = std::sync::mpsc::channel();
        let engine = self.clone();
        runtime.spawn(async move {
            engine.shutdown().await;
            let _ = done.send(());
        });
        stopped.recv_timeout(within).is_ok()
    }
}

/// How often the watches are brought in line with the schedules (front ends refresh at
/// once after a change; this catches changes made by another process, such as the CLI).
pub const WATCH_REFRESH: Duration = Duration::from_secs(10);

/// How long [`Engine::shutdown`] waits for a mount's pending uploads.
pub const SHUTDOWN_UPLOAD_WAIT: Duration = Duration::from_secs(5);

/// The config password remembered in `secrets`, if the config is encrypted and it still opens
/// it (a wrong one is dropped: the front end asks).
async fn remembered_password(
    launcher: &dyn Launcher,
    sidecar: &SidecarConfig,
    secrets: &SecretStore,
) -> Option<Secret> {
    let path = config_lock::effective_config(sidecar.rclone_config.as_deref())?;
    if !config_lock::is_encrypted(&path) {
        return None;
    }
    let pass = secrets.get(CONFIG_PASSWORD_KEY)?;
    match config_lock::check_password(launcher, &path, &pass).await {
        Ok(()) => Some(pass),
        Err(e) => {
            tracing::warn!(error = %e, "the remembered rclone config password does not open the config; asking");
            None
        }
    }
}

/// The runner's reports, to the front end's sink once one is attached (dropped before: a
/// front end that runs its batch in the foreground attaches none).
#[derive(Default)]
struct SinkSlot(std::sync::RwLock<Option<Arc<dyn RunnerSink>>>);

impl SinkSlot {
    fn current(&self) -> Option<Arc<dyn RunnerSink>> {
        self.0.read().ok().and_then(|s| s.clone())
    }
}

impl RunnerSink for SinkSlot {
    fn state(&self, info: &rcmd_types::BatchInfo) {
        if let Some(s) = self.current() {
            s.state(info);
        }
    }

    fn progress(&self, progress: &rcmd_types::BatchProgress) {
        if let Some(s) = self.current() {
            s.progress(progress);
        }
    }
}
