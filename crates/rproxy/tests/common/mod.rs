//! What rproxy's integration tests share: a proxy over a real supervised rcd with users of
//! every role, and the real `rclone rc` client to drive it.

#![allow(clippy::unwrap_used, dead_code)]

pub mod fleet;
pub mod pg;
pub mod raw;

use std::{
    collections::HashMap,
    path::{Path, PathBuf},
    process::{Command, Output},
    sync::Arc,
    time::Duration,
};

use rcmd_core::{
    engine::{Engine, EngineConfig},
    secret::Secret,
    sidecar::{locate_rclone, BinaryLauncher, SidecarConfig},
    types::SidecarState,
};
use rproxy::{auth::Users, policy::Role, router, AppState};
use serde_json::Value;

pub fn rclone() -> PathBuf {
    locate_rclone(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."))
        .expect("no rclone in bin/: run scripts/setup.sh")
}

pub struct Proxy {
    /// The proxy's database (SQLite, or PostgreSQL with RPROXY_TEST_DB=postgres).
    pub db: rproxy::db::Pool,
    /// What `Users::connect` takes to open the same database again (a path or a URL).
    pub db_spec: String,
    /// The PostgreSQL cluster, kept running as long as the proxy.
    pub pg: Option<pg::Pg>,
    pub url: String,
    pub tokens: HashMap<&'static str, Secret>,
    pub engine: Engine,
    pub dir: tempfile::TempDir,
    /// The server's state (its `Users`, queue, ...).
    pub state: Arc<AppState>,
}

impl Proxy {
    /// The proxy's database opened again, as a restarted rproxy would.
    pub async fn reopen(&self) -> Users {
        Users::connect(&self.db_spec).await.unwrap()
    }

    pub async fn start() -> Proxy {
        Proxy::start_with(false).await
    }

    /// With `tcp`, rcd listens on a loopback port (so a test can also call it directly).
    pub async fn start_with(tcp: bool) -> Proxy {
        Proxy::start_opts(tcp, rclone()).await
    }

    /// rcd behind the recording proxy `examples/rcd_tap.rs`: [`Proxy::tapped`] reads what rcd
    /// really received.
    pub async fn start_tapped() -> Proxy {
        Proxy::start_opts(false, tap_binary()).await
    }

    /// Every request rcd received so far (through the tap): `(target, body)`.
    pub fn tapped(&self) -> Vec<(String, String)> {
        let socket = match self.engine.supervisor.state() {
            SidecarState::Ready { endpoint, .. } => endpoint.strip_prefix("unix:").unwrap().to_owned(),
            s => panic!("{s:?}"),
        };
        let text = std::fs::read_to_string(format!("{socket}.tap.jsonl")).unwrap_or_default();
        // the tap may be writing a line right now: only whole lines count
        let text = &text[..text.rfind('\n').map_or(0, |i| i + 1)];
        text.lines()
            .map(|l| {
                let v: Value = serde_json::from_str(l).unwrap();
                (
                    v["target"].as_str().unwrap().to_owned(),
                    v["body"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    }

    async fn start_opts(tcp: bool, launcher: PathBuf) -> Proxy {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        std::fs::create_dir_all(&data).unwrap();
        std::fs::write(data.join("hello.txt"), b"hello").unwrap();
        let conf = dir.path().join("rclone.conf");
        std::fs::write(
            &conf,
            format!(
                "[local]\ntype = alias\nremote = {}\n\n[other]\ntype = memory\n",
                data.display()
            ),
        )
        .unwrap();
        // RPROXY_TEST_DB=postgres: the same suite on a throwaway PostgreSQL
        let pg = match std::env::var("RPROXY_TEST_DB").as_deref() {
            Ok("postgres") => Some(pg::Pg::start().await),
            _ => None,
        };
        let db_spec = match &pg {
            Some(pg) => pg.url.clone(),
            None => dir.path().join("rproxy.db").display().to_string(),
        };
        let users = Users::connect(&db_spec).await.unwrap();
        let db = users.pool().clone();
        assert_eq!(
            matches!(db, rproxy::db::Pool::Pg(_)),
            pg.is_some(),
            "the suite runs on the database it was asked for"
        );
        let mut tokens = HashMap::new();
        for (name, role, remotes) in [
            ("admin", Role::Admin, vec![]),
            ("oper", Role::Operator, vec![]),
            ("view", Role::Viewer, vec![]),
            ("limited", Role::Operator, vec!["local".to_owned()]),
        ] {
            let (_, token) = users.add(name, role, &remotes).await.unwrap();
            tokens.insert(name, token);
        }
        let sidecar = SidecarConfig {
            rclone_config: Some(conf),
            listen_tcp: tcp,
            serve_files: true,
            ..SidecarConfig::default()
        };
        let engine = Engine::start(
            BinaryLauncher { path: launcher },
            EngineConfig::new(dir.path().join("engine"), sidecar),
        )
        .await
        .unwrap();
        engine.supervisor.wait_ready(Duration::from_secs(30)).await.unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap());
        let state = Arc::new(AppState::new(users, &engine).await.unwrap());
        let app = router(state.clone());
        // served as `rproxy serve` serves (client addresses, limits)
        tokio::spawn(rproxy::serve::serve(
            listener,
            None,
            app,
            rproxy::serve::Limits::default(),
            std::future::pending(),
        ));
        Proxy {
            url,
            tokens,
            engine,
            dir,
            db,
            db_spec,
            pg,
            state,
        }
    }

    /// `rclone rc --url <rproxy> --user <user> --pass <token> <args>`.
    pub async fn rc(&self, user: &str, args: &[&str]) -> Output {
        let pass = self
            .tokens
            .get(user)
            .map(|t| t.expose().to_owned())
            .unwrap_or_else(|| "wrong".into());
        self.rc_with(user, &pass, args).await
    }

    pub async fn rc_with(&self, user: &str, pass: &str, args: &[&str]) -> Output {
        let mut cmd = Command::new(rclone());
        cmd.args([
            "rc",
            "--config",
            "/dev/null",
            "--url",
            &self.url,
            "--user",
            user,
            "--pass",
            pass,
        ])
        .args(args);
        tokio::task::spawn_blocking(move || cmd.output().unwrap())
            .await
            .unwrap()
    }

    /// `job/status` of job `id` as `user` sees it, asked every 50 ms until it says finished or
    /// `within` has passed; the last answer either way.
    pub async fn job_end(&self, user: &str, id: i64, within: Duration) -> Value {
        let end = tokio::time::Instant::now() + within;
        loop {
            let status = json_out(&self.rc(user, &["job/status", &format!("jobid={id}")]).await);
            if status["finished"] == true || tokio::time::Instant::now() >= end {
                return status;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// rcd's per-launch password (read from its environment).
    pub fn rcd_pass(&self) -> String {
        let pid = match self.engine.supervisor.state() {
            SidecarState::Ready { pid, .. } => pid,
            s => panic!("{s:?}"),
        };
        let env = std::fs::read(format!("/proc/{pid}/environ")).unwrap();
        let v = env
            .split(|b| *b == 0)
            .find_map(|kv| kv.strip_prefix(b"RCLONE_RC_PASS="))
            .unwrap();
        String::from_utf8_lossy(v).into_owned()
    }

    /// rcd's own URL when it listens on TCP ([`Proxy::start_with`]).
    pub fn rcd_url(&self) -> String {
        match self.engine.supervisor.state() {
            SidecarState::Ready { port, .. } if port != 0 => format!("http://127.0.0.1:{port}/"),
            s => panic!("rcd is not on TCP: {s:?}"),
        }
    }

    /// The same call straight to the sidecar rcd over its unix socket.
    pub async fn rc_direct(&self, pass: &str, args: &[&str]) -> Output {
        let socket = match self.engine.supervisor.state() {
            SidecarState::Ready { endpoint, .. } => endpoint.strip_prefix("unix:").unwrap().to_owned(),
            s => panic!("{s:?}"),
        };
        let mut cmd = Command::new(rclone());
        cmd.args([
            "rc",
            "--config",
            "/dev/null",
            "--unix-socket",
            &socket,
            "--url",
            "http://localhost/",
            "--user",
            "rcmd",
            "--pass",
            pass,
        ])
        .args(args);
        tokio::task::spawn_blocking(move || cmd.output().unwrap())
            .await
            .unwrap()
    }
}

/// A child process (an `rproxy serve`) stopped by its own pid when dropped.
pub struct Server(pub std::process::Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `examples/rcd_tap` (built with the tests: `cargo build --all-targets`).
pub fn tap_binary() -> PathBuf {
    // tests live in target/<profile>/deps; examples in target/<profile>/examples
    let deps = std::env::current_exe().unwrap().parent().unwrap().to_owned();
    let bin = deps.parent().unwrap().join("examples/rcd_tap");
    assert!(
        bin.is_file(),
        "build the example first (cargo build -p rproxy --examples): {}",
        bin.display()
    );
    bin
}

pub fn json_out(o: &Output) -> Value {
    assert!(
        o.status.success(),
        "rclone rc failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).unwrap()
}

/// rclone's log prefix (date, time, level) removed: the message itself.
pub fn message(o: &Output) -> String {
    let err = String::from_utf8_lossy(&o.stderr);
    err.lines()
        .filter_map(|l| l.split_once(": ").map(|(_, m)| m.to_owned()))
        .collect::<Vec<_>>()
        .join("\n")
}

/// An rproxy server on `port` over the proxy's database and engine, in a runtime of its own,
/// so that dropping the runtime kills it with all its connections (like a crash).
pub fn server_on(p: &Proxy, port: u16) -> tokio::runtime::Runtime {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let (db, engine) = (p.db_spec.clone(), p.engine.clone());
    rt.spawn(async move {
        let users = Users::connect(&db).await.unwrap();
        let app = router(Arc::new(AppState::new(users, &engine).await.unwrap()));
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await.unwrap();
        axum::serve(listener, app).await
    });
    rt
}
