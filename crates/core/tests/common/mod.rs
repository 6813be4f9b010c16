//! Test harness: a real `rclone rcd` from `bin/`, supervised by the core, on a free loopback
//! port with its own temp config holding a local (alias) remote and a memory remote.

#![allow(dead_code, clippy::unwrap_used)]

pub mod fault;
pub mod http_sink;
pub mod sftp;
pub mod smtp;
pub mod tls;
pub mod tree;

use std::{
    path::{Path, PathBuf},
    time::Duration,
};

use rcmd_core::{
    events::EventBus,
    rc::RcClient,
    sidecar::{BinaryLauncher, SidecarConfig, Supervisor},
};

/// The sidecar binary fetched by `scripts/fetch-rclone.sh` (or `$RCMD_RCLONE`).
pub fn rclone_binary() -> PathBuf {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    rcmd_core::sidecar::locate_rclone(&workspace).expect("no rclone sidecar in bin/: run scripts/setup.sh")
}

pub struct Rclone {
    pub dir: tempfile::TempDir,
    pub supervisor: Supervisor,
    pub client: RcClient,
    pub bus: EventBus,
}

impl Rclone {
    /// Folder behind the `local:` remote.
    pub fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }
}

pub fn init_tracing() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(std::env::var("RUST_LOG").unwrap_or_else(|_| "info".into()))
        .with_test_writer()
        .try_init();
}

/// Starts a supervised rclone with `config` tweaks and waits until it is ready.
pub async fn start_with(tweak: impl FnOnce(&mut SidecarConfig)) -> Rclone {
    start_with_remotes("", tweak).await
}

/// Like [`start_with`], with more remotes appended to the rclone config.
pub async fn start_with_remotes(extra_remotes: &str, tweak: impl FnOnce(&mut SidecarConfig)) -> Rclone {
    init_tracing();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(data.join("sub")).unwrap();
    std::fs::write(data.join("hello.txt"), b"hello, rclone\n").unwrap();
    std::fs::write(data.join("sub/inner.bin"), vec![7u8; 4096]).unwrap();
    let conf = dir.path().join("rclone.conf");
    std::fs::write(
        &conf,
        format!(
            "[local]\ntype = alias\nremote = {}\n\n[mem]\ntype = memory\n\n{extra_remotes}",
            data.display()
        ),
    )
    .unwrap();
    let mut config = SidecarConfig {
        rclone_config: Some(conf),
        ..SidecarConfig::default()
    };
    tweak(&mut config);
    let bus = EventBus::default();
    let supervisor = Supervisor::start(BinaryLauncher { path: rclone_binary() }, config, bus.clone());
    let client = supervisor.wait_ready(Duration::from_secs(30)).await.unwrap();
    Rclone {
        dir,
        supervisor,
        client,
        bus,
    }
}

pub async fn start() -> Rclone {
    start_with(|_| {}).await
}

/// True while a process with this pid exists (zombies count as gone).
pub fn alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => !stat.rsplit(')').next().unwrap_or("").trim_start().starts_with('Z'),
        Err(_) => false,
    }
}

/// Binds a free loopback port and runs `session` for every connection in the background;
/// the test servers (fault proxy, HTTP sink, SMTP) are built on it.
pub async fn serve_loopback<F, Fut>(session: F) -> std::net::SocketAddr
where
    F: Fn(tokio::net::TcpStream) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(session(stream));
        }
    });
    addr
}

/// An HTTP/1 server on a free loopback port: every request goes to `handle`.
pub async fn serve_http<H, Fut, B>(handle: H) -> std::net::SocketAddr
where
    H: Fn(hyper::Request<hyper::body::Incoming>) -> Fut + Clone + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<hyper::Response<B>, std::io::Error>> + Send + 'static,
    B: hyper::body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    serve_loopback(move |stream| {
        let handle = handle.clone();
        async move {
            let svc = hyper::service::service_fn(handle);
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(hyper_util::rt::TokioIo::new(stream), svc)
                .await;
        }
    })
    .await
}

/// Like [`serve_http`], over TLS with `acceptor` (see [`tls::TestCa`]).
pub async fn serve_https<H, Fut, B>(handle: H, acceptor: tokio_rustls::TlsAcceptor) -> std::net::SocketAddr
where
    H: Fn(hyper::Request<hyper::body::Incoming>) -> Fut + Clone + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<hyper::Response<B>, std::io::Error>> + Send + 'static,
    B: hyper::body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    serve_loopback(move |stream| {
        let (handle, acceptor) = (handle.clone(), acceptor.clone());
        async move {
            // a client that does not trust the certificate aborts the handshake: nothing to serve
            let Ok(tls) = acceptor.accept(stream).await else { return };
            let svc = hyper::service::service_fn(handle);
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(hyper_util::rt::TokioIo::new(tls), svc)
                .await;
        }
    })
    .await
}

/// A runner's reports, dropped (tests read the store instead).
pub struct NoSink;

impl rcmd_core::batch::RunnerSink for NoSink {
    fn state(&self, _: &rcmd_core::types::BatchInfo) {}
    fn progress(&self, _: &rcmd_core::types::BatchProgress) {}
}

/// A runner over the batch store in `rc`'s folder (work files in `work/`), through a resilient
/// layer over its sidecar, its reports dropped; the two-way pairs on it, and the layer.
pub async fn pairs_runner(
    rc: &Rclone,
) -> (
    rcmd_core::batch::Runner,
    rcmd_core::bisync::Pairs,
    std::sync::Arc<rcmd_core::resilience::layer::Resilient>,
) {
    use std::sync::Arc;
    let store = rcmd_core::batch::Store::open(&rc.dir.path().join("rcmd.db"))
        .await
        .unwrap();
    let layer = Arc::new(rcmd_core::resilience::layer::Resilient::new(
        Arc::new(rc.supervisor.clone()),
        Default::default(),
        EventBus::default(),
    ));
    let work = rc.dir.path().join("work");
    let runner = rcmd_core::batch::Runner::new(
        rcmd_core::batch::Processor::new(
            store,
            layer.clone(),
            rcmd_core::batch::ProcessorConfig::new(work.clone()),
        ),
        Arc::new(NoSink),
    );
    let pairs = rcmd_core::bisync::Pairs::new(runner.clone(), work);
    (runner, pairs, layer)
}

/// SIGKILLs the sidecar of `rc` and waits for its successor.
pub async fn kill_rclone(rc: &Rclone) {
    let pid_of = || match rc.supervisor.state() {
        rcmd_core::types::SidecarState::Ready { pid, .. } => Some(pid),
        _ => None,
    };
    let pid = pid_of().expect("rclone ready");
    kill9(pid);
    let start = std::time::Instant::now();
    while pid_of().is_none_or(|p| p == pid) {
        assert!(start.elapsed() < Duration::from_secs(30), "rclone did not come back");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

pub fn kill9(pid: u32) {
    let ok = std::process::Command::new("kill")
        .args(["-9", &pid.to_string()])
        .status()
        .unwrap();
    assert!(ok.success(), "kill -9 {pid}");
}
