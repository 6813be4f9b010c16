//! What every request needs: the users, jobs, events, audit log, rate limit, the supervised
//! rcd, the queue and the batches, with this instance's registration kept alive.

use rcmd_core::{engine::Engine, sidecar::Supervisor};
use tracing::warn;

use crate::{
    audit::Audit, auth::Users, db::instances::Registry, events::Events, jobs::Jobs, limit::RateLimit, queue::Queue,
};

/// What every request needs.
pub struct AppState {
    pub users: Users,
    pub jobs: Jobs,
    pub events: Events,
    pub audit: Audit,
    pub limit: RateLimit,
    pub rcd: Supervisor,
    pub queue: Queue,
    pub batches: crate::batches::Batches,
    /// This process in the instances table (`rproxy/instances`).
    pub instance: String,
}

/// Default per-user rate limit: requests a second, and the burst allowed.
pub const RATE: f64 = 1000.0;
pub const BURST: f64 = 2000.0;

impl AppState {
    /// The state over `users` (whose database also holds jobs, the queue, events and the
    /// audit log) and the engine (its supervised rcd and batch processor), with the default
    /// rate limit. Starts the queue and the event watch: must run inside a tokio runtime.
    pub async fn new(users: Users, engine: &Engine) -> Result<AppState, sqlx::Error> {
        let rcd = engine.supervisor.clone();
        users.watch_changes();
        let instance = crate::db::instances::this_instance();
        let jobs = Jobs::new(users.pool().clone(), instance.clone()).await?;
        let audit = Audit::start(users.pool().clone());
        let events = Events::new(users.pool().clone());
        crate::watch::start(jobs.clone(), events.clone(), rcd.clone(), engine.bus.clone());
        let queue = Queue::start(
            users.pool().clone(),
            engine.processor.clone(),
            jobs.clone(),
            events.clone(),
            instance.clone(),
        );
        let batches = crate::batches::Batches::start(users.pool().clone(), engine, events.clone())
            .await
            .map_err(|e| sqlx::Error::Configuration(e.into()))?;
        heartbeat(
            Registry(users.pool().clone()),
            instance.clone(),
            rcd.clone(),
            queue.clone(),
        );
        Ok(AppState {
            users,
            jobs,
            events,
            audit,
            limit: RateLimit::new(RATE, BURST),
            rcd,
            queue,
            batches,
            instance,
        })
    }
}

/// Registers this instance and renews its row every few seconds with its rcd and load.
fn heartbeat(registry: Registry, id: String, rcd: Supervisor, queue: Queue) {
    tokio::spawn(async move {
        loop {
            let state = rcd.state();
            let backend = match &state {
                rcmd_core::types::SidecarState::Ready { endpoint, version, .. } => format!("up {endpoint} {version}"),
                other => crate::watch::state_name(other).to_owned(),
            };
            let load = queue.load().await.unwrap_or(0);
            if let Err(e) = registry.beat(&id, &backend, load).await {
                warn!(error = %e, "cannot renew this instance's registration");
            }
            tokio::time::sleep(crate::db::instances::HEARTBEAT).await;
        }
    });
}
