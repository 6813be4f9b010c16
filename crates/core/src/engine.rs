//! The engine, wired in one place for every front end (the desktop app, the command line,
//! the server): event bus, supervised rclone sidecar, resilient RC layer, batch database and
//! processor. Front ends translate (IPC, argv, HTTP); they do not assemble services by hand.

use std::{path::PathBuf, sync::Arc, time::Duration};

use crate::{
    batch::{LeaseOwner, Processor, ProcessorConfig, Store, StoreError},
    events::EventBus,
    resilience::layer::{ResilienceConfig, Resilient},
    sidecar::{Launcher, SidecarConfig, Supervisor},
};

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
}

impl EngineConfig {
    /// The defaults for `data_dir` and `sidecar`.
    pub fn new(data_dir: PathBuf, sidecar: SidecarConfig) -> Self {
        EngineConfig {
            data_dir,
            sidecar,
            resilience: ResilienceConfig::default(),
            lease_timeout: Duration::from_secs(30),
        }
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
}

impl Engine {
    /// Opens the batch database, then starts the sidecar (so a locked or corrupt database
    /// fails before any rclone is started). Must run inside a tokio runtime.
    pub async fn start(launcher: impl Launcher, cfg: EngineConfig) -> Result<Engine, StoreError> {
        let store = Store::open(&cfg.data_dir.join("rcmd.db")).await?;
        let bus = EventBus::default();
        let mut sidecar = cfg.sidecar;
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
        Ok(Engine {
            bus,
            supervisor,
            rc,
            store,
            processor,
        })
    }

    /// Stops rclone (graceful `core/quit`, then kill).
    pub async fn shutdown(&self) {
        self.supervisor.shutdown().await;
    }
}
