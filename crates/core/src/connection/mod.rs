//! Which backend a front end talks to: this computer's engine, or a saved rproxy server.
//! Switching happens without a restart. Each server has its own resilient layer (breakers and
//! read cache), kept across switches, so `gdrive` here and `gdrive` on the server never share
//! a breaker or a cached listing. The active server's event stream is followed here and
//! reported to a [`ConnectionSink`] the way the local runner reports to its sink, so the
//! front end does not need to know which one it talks to.

use std::{
    collections::HashMap,
    path::PathBuf,
    sync::{Arc, Mutex, RwLock},
    time::Duration,
};

use crate::{
    events::EventBus,
    resilience::layer::{ClientFuture, RcSource, ResilienceConfig, Resilient},
    rproxy_client::{events::Start, link::Link},
    settings::{ServerEntry, Settings},
    types::{BatchInfo, BatchProgress, ConnectionView, LinkState},
    Error,
};

mod batches;
mod compare;
mod focus;
mod follow;
mod seen;
pub mod servers;

pub use batches::BatchCallError;
pub use focus::Focus;
use seen::Seen;
use servers::SavedServers;

/// Where a front end hears about the connection (the app forwards to the page).
pub trait ConnectionSink: Send + Sync + 'static {
    /// The active connection's state (connecting, connected, offline, refused, local).
    fn connection_state(&self, view: &ConnectionView);
    /// A batch of the active server changed state (also once per batch after each
    /// (re)connection, so nothing that changed meanwhile is missed).
    fn batch_state(&self, info: &BatchInfo);
    /// Progress of a batch of the active server.
    fn batch_progress(&self, progress: &BatchProgress);
    /// Server `server` got its own resilient layer; its breakers report on `bus`.
    fn server_layer(&self, server: &str, bus: &EventBus);
}

/// The RC source of one saved server: the current link, replaced on each activation, so the
/// server's layer (breakers, cache) outlives the link.
struct ServerSlot {
    name: String,
    link: RwLock<Option<Arc<Link>>>,
}

impl RcSource for ServerSlot {
    fn is_server(&self) -> bool {
        true
    }

    fn ready_client(&self, wait: Duration) -> ClientFuture<'_> {
        let link = self.link.read().ok().and_then(|l| l.clone());
        Box::pin(async move {
            match link {
                Some(l) => l.ready_client(wait).await,
                None => Err(Error::ServerOffline {
                    server: self.name.clone(),
                    reason: "not connected".into(),
                    retry_in: Duration::ZERO,
                }),
            }
        })
    }

    fn refused(&self, expired: bool) {
        if let Some(l) = self.link.read().ok().and_then(|l| l.clone()) {
            l.refuse(expired);
        }
    }
}

/// A server the app has talked to in this run.
struct ServerConn {
    slot: Arc<ServerSlot>,
    rc: Arc<Resilient>,
}

/// The active connection.
struct Active {
    generation: u64,
    server: Option<ActiveServer>,
}

struct ActiveServer {
    entry: ServerEntry,
    link: Arc<Link>,
    rc: Arc<Resilient>,
    view: Arc<Mutex<ConnectionView>>,
}

/// Why a switch of connection did not happen (the connection in use stays).
#[derive(Debug, thiserror::Error)]
pub enum ConnectionError {
    /// No such saved server, or the settings file cannot be read.
    #[error(transparent)]
    Server(#[from] servers::ServerError),
    #[error(transparent)]
    Client(#[from] crate::rproxy_client::ClientError),
    /// The choice could not be saved.
    #[error(transparent)]
    Settings(#[from] crate::settings::SettingsError),
}

impl ConnectionError {
    /// Whether the user can act on it (a server to add again, a token to save) rather than a
    /// failure of this computer.
    pub fn is_bad_input(&self) -> bool {
        match self {
            ConnectionError::Server(e) => e.is_bad_input(),
            ConnectionError::Client(_) => true,
            ConnectionError::Settings(_) => false,
        }
    }
}

/// The app's connections. Cheap to clone.
#[derive(Clone)]
pub struct Connections {
    inner: Arc<Inner>,
}

struct Inner {
    sink: Arc<dyn ConnectionSink>,
    local_rc: Arc<Resilient>,
    /// The engine's bus: server batches' endings go there for the notifiers.
    engine_bus: EventBus,
    saved: SavedServers,
    settings_path: PathBuf,
    seen: Seen,
    focus: Arc<Focus>,
    active: RwLock<Arc<Active>>,
    servers: Mutex<HashMap<String, ServerConn>>,
    /// Serializes switches.
    switching: tokio::sync::Mutex<()>,
}

impl Connections {
    /// Starts on this computer (`engine`); the servers' last seen event ids live in the data
    /// folder. `focus` tells the engine's own forwarders which connection is looked at.
    pub fn new(
        engine: &crate::engine::Engine,
        settings_path: PathBuf,
        focus: Arc<Focus>,
        sink: Arc<dyn ConnectionSink>,
    ) -> Self {
        let (local_rc, engine_bus, data_dir) = (engine.rc.clone(), engine.bus.clone(), crate::app_dirs::data_dir());
        let active = Arc::new(Active {
            generation: 1,
            server: None,
        });
        Connections {
            inner: Arc::new(Inner {
                sink,
                local_rc,
                engine_bus,
                saved: SavedServers::new(settings_path.clone(), engine.secrets.clone()),
                settings_path,
                seen: Seen::new(data_dir.join("servers-seen.json")),
                focus,
                active: RwLock::new(active),
                servers: Mutex::default(),
                switching: tokio::sync::Mutex::new(()),
            }),
        }
    }

    fn active(&self) -> Arc<Active> {
        self.inner
            .active
            .read()
            .map(|a| a.clone())
            .unwrap_or_else(|e| e.into_inner().clone())
    }

    /// The layer every RC call of the active connection goes through.
    pub fn rc(&self) -> Arc<Resilient> {
        match &self.active().server {
            Some(s) => s.rc.clone(),
            None => self.inner.local_rc.clone(),
        }
    }

    /// Whether this computer is the connection in use.
    pub fn is_local(&self) -> bool {
        self.active().server.is_none()
    }

    pub fn view(&self) -> ConnectionView {
        let a = self.active();
        match &a.server {
            Some(s) => s
                .view
                .lock()
                .map(|v| v.clone())
                .unwrap_or_else(|e| e.into_inner().clone()),
            None => local_view(a.generation),
        }
    }

    /// The saved servers (in the settings file this connection saves its choice to).
    pub fn servers(&self) -> &SavedServers {
        &self.inner.saved
    }

    /// Goes back to the server chosen last time (`saved`, from the settings), without waiting
    /// for the network: the link connects in the background. When it cannot be used, this
    /// computer stays the connection and the reason is returned, for the front end to show.
    pub async fn restore(&self, saved: Option<&str>) -> Option<String> {
        let name = saved?;
        let e = self.switch(Some(name)).await.err()?;
        tracing::warn!(server = %name, error = %e, "cannot use the saved server; using this computer");
        Some(format!(
            "cannot use the saved server {name}: {e}; RCMD uses this computer"
        ))
    }

    /// Talks to saved server `name`, or to this computer (`None`), from now on; saves the
    /// choice. The page is told through a connection-state event with a new generation.
    pub async fn switch(&self, name: Option<&str>) -> Result<ConnectionView, ConnectionError> {
        let _one_at_a_time = self.inner.switching.lock().await;
        let generation = self.active().generation + 1;
        let server = match name {
            None => None,
            Some(n) => {
                let entry = self.inner.saved.get(n)?;
                Some(self.start_server(entry, generation)?)
            }
        };
        let saved = name.map(str::to_owned);
        Settings::update(&self.inner.settings_path, |s| s.active_server = saved.clone())?;
        let old = {
            let mut a = self.inner.active.write().unwrap_or_else(|e| e.into_inner());
            self.inner.focus.set(
                if server.is_some() { generation } else { 0 },
                server.as_ref().map(|s| s.entry.name.clone()),
            );
            std::mem::replace(&mut *a, Arc::new(Active { generation, server }))
        };
        if let Some(old) = &old.server {
            old.link.stop();
        }
        let view = self.view();
        tracing::info!(server = ?view.server, generation, "connection switched");
        self.emit(&view);
        Ok(view)
    }

    /// Starts following server `entry` as generation `generation`.
    fn start_server(&self, entry: ServerEntry, generation: u64) -> Result<ActiveServer, ConnectionError> {
        let client = self.inner.saved.client(&entry)?;
        let start = match self.inner.seen.get(&entry.name, &entry.url) {
            Some(m) => Start::After {
                id: m.id,
                store: m.store,
            },
            // first contact: what happened before is not news
            None => Start::Now,
        };
        let (link, events) = Link::start(&entry.name, client, start);
        let rc = {
            let mut servers = self.inner.servers.lock().unwrap_or_else(|e| e.into_inner());
            let conn = servers.entry(entry.name.clone()).or_insert_with(|| {
                let slot = Arc::new(ServerSlot {
                    name: entry.name.clone(),
                    link: RwLock::new(None),
                });
                let bus = EventBus::default();
                let rc = Arc::new(Resilient::new(slot.clone(), ResilienceConfig::default(), bus.clone()));
                self.inner.sink.server_layer(&entry.name, &bus);
                ServerConn { slot, rc }
            });
            if let Ok(mut l) = conn.slot.link.write() {
                *l = Some(link.clone());
            }
            conn.rc.clone()
        };
        let view = Arc::new(Mutex::new(ConnectionView {
            generation,
            server: Some(entry.name.clone()),
            url: Some(entry.url.clone()),
            user: Some(entry.user.clone()),
            state: LinkState::Connecting,
            error: None,
            retry_in_ms: None,
            down_for_ms: None,
            seq: 0,
            role: None,
        }));
        let this = self.clone();
        // the link's own client (not the link: holding it would keep it following)
        let (e2, v2, client) = (entry.clone(), view.clone(), link.client().clone());
        tokio::spawn(async move { this.follow(e2, client, generation, v2, events).await });
        Ok(ActiveServer { entry, link, rc, view })
    }

    fn emit(&self, view: &ConnectionView) {
        self.inner.sink.connection_state(view);
    }

    /// The saved server `name` changed (or was removed): an active link to it starts over.
    pub async fn server_changed(&self, name: &str) -> Result<(), ConnectionError> {
        if self.active().server.as_ref().map(|s| s.entry.name.as_str()) != Some(name) {
            return Ok(());
        }
        let exists = self.inner.saved.get(name).is_ok();
        self.switch(exists.then_some(name)).await.map(|_| ())
    }
}

fn local_view(generation: u64) -> ConnectionView {
    ConnectionView {
        generation,
        server: None,
        url: None,
        user: None,
        state: LinkState::Local,
        error: None,
        retry_in_ms: None,
        down_for_ms: None,
        seq: 0,
        role: None,
    }
}
