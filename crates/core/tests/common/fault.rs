//! Fault injection on loopback: a real `rclone serve webdav` behind a small reverse proxy of
//! ours that can be scripted per request to answer with a status (and Retry-After), reset the
//! connection, truncate the reply, delay, or hang; the serve process can be killed, frozen
//! (SIGSTOP) and restarted. rclone's `flaky:` remote points at the proxy.

#![allow(dead_code, clippy::unwrap_used)]

use std::{
    collections::VecDeque,
    net::SocketAddr,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, Mutex,
    },
    time::{Duration, Instant},
};

use bytes::Bytes;
use http_body_util::{combinators::BoxBody, BodyExt, Full, StreamBody};
use hyper::{body::Frame, Request, Response};

/// What the proxy does with one request.
#[derive(Clone, Debug, PartialEq)]
pub enum Fault {
    /// Forward it.
    Pass,
    /// Answer with this status (and a `Retry-After` in seconds) without forwarding.
    Status { code: u16, retry_after: Option<u64> },
    /// Close the connection without an answer.
    Reset,
    /// Forward, but cut the reply body in half and close.
    Truncate,
    /// Wait, then forward.
    Delay(Duration),
    /// Never answer (and stop reading the request).
    Hang,
}

struct State {
    upstream: Mutex<SocketAddr>,
    default: Mutex<Fault>,
    queue: Mutex<VecDeque<Fault>>,
    by_method: Mutex<std::collections::HashMap<String, Fault>>,
    /// Faults for requests whose path contains the key.
    by_path: Mutex<Vec<(String, Fault)>>,
    /// PUT requests per path.
    puts: Mutex<std::collections::HashMap<String, u32>>,
    requests: AtomicU64,
    /// When the upstream is down: hang (a black-holed host) instead of answering 502.
    blackhole_when_down: Mutex<bool>,
    client: reqwest::Client,
}

/// The proxy; stops with the test's runtime.
pub struct FaultProxy {
    pub addr: SocketAddr,
    state: Arc<State>,
}

type Body = BoxBody<Bytes, std::io::Error>;

impl FaultProxy {
    pub async fn start(upstream: SocketAddr) -> FaultProxy {
        let state = Arc::new(State {
            upstream: Mutex::new(upstream),
            default: Mutex::new(Fault::Pass),
            queue: Mutex::new(VecDeque::new()),
            by_method: Mutex::new(Default::default()),
            by_path: Mutex::new(Vec::new()),
            puts: Mutex::new(Default::default()),
            requests: AtomicU64::new(0),
            blackhole_when_down: Mutex::new(false),
            client: reqwest::Client::builder().no_proxy().build().unwrap(),
        });
        let st = state.clone();
        let addr = super::serve_http(move |req| handle(st.clone(), req)).await;
        FaultProxy { addr, state }
    }

    /// The fault for every request from now on.
    pub fn set(&self, fault: Fault) {
        *self.state.default.lock().unwrap() = fault;
    }

    /// The fault for every request with this HTTP method (e.g. "PUT"), before the default.
    pub fn set_for(&self, method: &str, fault: Option<Fault>) {
        let mut m = self.state.by_method.lock().unwrap();
        match fault {
            Some(f) => m.insert(method.to_owned(), f),
            None => m.remove(method),
        };
    }

    /// The fault for every request whose path contains `fragment`, before all others.
    pub fn fail_paths(&self, fragment: &str, fault: Fault) {
        self.state.by_path.lock().unwrap().push((fragment.to_owned(), fault));
    }

    pub fn clear_path_faults(&self) {
        self.state.by_path.lock().unwrap().clear();
    }

    /// How many PUTs each path received.
    pub fn puts(&self) -> std::collections::HashMap<String, u32> {
        self.state.puts.lock().unwrap().clone()
    }

    /// Faults for the next requests, before the default applies again.
    pub fn push(&self, faults: impl IntoIterator<Item = Fault>) {
        self.state.queue.lock().unwrap().extend(faults);
    }

    pub fn set_upstream(&self, upstream: SocketAddr) {
        *self.state.upstream.lock().unwrap() = upstream;
    }

    pub fn blackhole_when_down(&self, on: bool) {
        *self.state.blackhole_when_down.lock().unwrap() = on;
    }

    /// Requests received so far.
    pub fn requests(&self) -> u64 {
        self.state.requests.load(Ordering::SeqCst)
    }

    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }
}

async fn handle(st: Arc<State>, req: Request<hyper::body::Incoming>) -> Result<Response<Body>, std::io::Error> {
    st.requests.fetch_add(1, Ordering::SeqCst);
    if req.method() == hyper::Method::PUT {
        *st.puts.lock().unwrap().entry(req.uri().path().to_owned()).or_default() += 1;
    }
    let by_path = st
        .by_path
        .lock()
        .unwrap()
        .iter()
        .find(|(f, _)| req.uri().path().contains(f.as_str()))
        .map(|(_, f)| f.clone());
    let next = by_path.or_else(|| st.queue.lock().unwrap().pop_front());
    let by_method = st.by_method.lock().unwrap().get(req.method().as_str()).cloned();
    let fault = next.or(by_method).unwrap_or_else(|| st.default.lock().unwrap().clone());
    match &fault {
        Fault::Reset => return Err(std::io::Error::other("injected reset")),
        Fault::Hang => std::future::pending::<()>().await,
        Fault::Status { code, retry_after } => {
            let reason = hyper::StatusCode::from_u16(*code).unwrap();
            let mut resp = Response::builder().status(*code).header("content-type", "text/plain");
            if let Some(s) = retry_after {
                resp = resp.header("retry-after", s.to_string());
            }
            let text = format!("{} {}\n", code, reason.canonical_reason().unwrap_or(""));
            return Ok(resp.body(full(Bytes::from(text))).unwrap());
        }
        Fault::Delay(d) => tokio::time::sleep(*d).await,
        Fault::Pass | Fault::Truncate => {}
    }
    let upstream = *st.upstream.lock().unwrap();
    let (parts, body) = req.into_parts();
    // stream the request body: a server that stops reading stalls the client mid-upload
    let body = reqwest::Body::wrap_stream(http_body_util::BodyDataStream::new(body));
    let url = format!(
        "http://{upstream}{}",
        parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/")
    );
    let method = reqwest::Method::from_bytes(parts.method.as_str().as_bytes()).unwrap();
    let mut out = st.client.request(method, url).body(body);
    for (name, value) in parts.headers.iter() {
        // keep Host and Content-Length as sent (signing backends check Host)
        if name != "connection" && name != "transfer-encoding" {
            out = out.header(name.as_str(), value.as_bytes());
        }
    }
    let resp = match out.send().await {
        Ok(r) => r,
        Err(_) if *st.blackhole_when_down.lock().unwrap() => std::future::pending().await,
        Err(e) => {
            let resp = Response::builder()
                .status(502)
                .body(full(Bytes::from(format!("502 Bad Gateway: {e}\n"))));
            return Ok(resp.unwrap());
        }
    };
    let mut builder = Response::builder().status(resp.status().as_u16());
    for (name, value) in resp.headers().iter() {
        if name != "connection" && name != "transfer-encoding" {
            builder = builder.header(name.as_str(), value.as_bytes());
        }
    }
    let bytes = resp.bytes().await.map_err(std::io::Error::other)?;
    if fault == Fault::Truncate {
        let half = bytes.slice(..bytes.len() / 2);
        let frames: Vec<Result<Frame<Bytes>, std::io::Error>> =
            vec![Ok(Frame::data(half)), Err(std::io::Error::other("injected truncation"))];
        let body = StreamBody::new(futures_util::stream::iter(frames));
        builder = builder.header("content-length", bytes.len().to_string());
        return Ok(builder.body(BodyExt::boxed(body)).unwrap());
    }
    Ok(builder.body(full(bytes)).unwrap())
}

fn full(b: Bytes) -> Body {
    Full::new(b).map_err(|never| match never {}).boxed()
}

/// `rclone serve webdav` of a folder, on a fixed loopback port so it can be restarted there.
pub struct WebdavServer {
    pub dir: PathBuf,
    pub addr: SocketAddr,
    child: Option<Child>,
    /// More flags: `--user`/`--pass` when the server asks for a login, VFS options.
    login: Vec<String>,
}

impl WebdavServer {
    pub fn start(dir: &Path) -> WebdavServer {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut s = WebdavServer {
            dir: dir.to_owned(),
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
            child: None,
            login: Vec::new(),
        };
        s.restart();
        s
    }

    /// Like [`WebdavServer::start`], asking for `user` and `pass` (basic auth).
    pub fn start_with_login(dir: &Path, user: &str, pass: &str) -> WebdavServer {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let login = vec!["--user".into(), user.into(), "--pass".into(), pass.into()];
        let mut s = WebdavServer {
            dir: dir.to_owned(),
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
            child: None,
            login,
        };
        s.restart();
        s
    }

    /// Like [`WebdavServer::start`] with more `rclone serve webdav` flags.
    pub fn start_with_flags(dir: &Path, flags: &[&str]) -> WebdavServer {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let login = flags.iter().map(|f| f.to_string()).collect();
        let mut s = WebdavServer {
            dir: dir.to_owned(),
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
            child: None,
            login,
        };
        s.restart();
        s
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().map(|c| c.id()).unwrap_or(0)
    }

    /// Starts the server (again) on the same address and waits until it accepts connections.
    pub fn restart(&mut self) {
        self.kill();
        let child = Command::new(super::rclone_binary())
            .args([
                "serve",
                "webdav",
                self.dir.to_str().unwrap(),
                "--addr",
                &self.addr.to_string(),
            ])
            .args(["--config", "/dev/null", "--log-level", "ERROR"])
            .args(&self.login)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        self.child = Some(child);
        let end = Instant::now() + Duration::from_secs(15);
        while std::net::TcpStream::connect(self.addr).is_err() {
            assert!(Instant::now() < end, "webdav server did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// SIGKILL, by PID.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            super::kill9(c.id());
            let _ = c.wait();
        }
    }

    /// SIGSTOP / SIGCONT: a frozen server keeps its connections open and answers nothing.
    pub fn freeze(&self, frozen: bool) {
        let sig = if frozen { "-STOP" } else { "-CONT" };
        Command::new("kill")
            .args([sig, &self.pid().to_string()])
            .status()
            .unwrap();
    }
}

impl Drop for WebdavServer {
    fn drop(&mut self) {
        if self.child.is_some() {
            self.freeze(false);
        }
        self.kill();
    }
}

/// A fault-injection setup: webdav server, proxy, and a supervised rclone whose `flaky:`
/// remote goes through the proxy, with rclone's own retries turned down so each scenario is
/// short.
pub struct Faulty {
    pub rc: super::Rclone,
    pub server: WebdavServer,
    pub proxy: FaultProxy,
    _served: tempfile::TempDir,
}

pub async fn start() -> Faulty {
    super::init_tracing();
    let served_dir = tempfile::tempdir().unwrap();
    let served = served_dir.path().to_owned();
    std::fs::create_dir_all(served.join("dir")).unwrap();
    std::fs::write(served.join("dir/a.txt"), b"alpha").unwrap();
    let server = WebdavServer::start(&served);
    let proxy = FaultProxy::start(server.addr).await;
    let url = proxy.url();
    let rc = super::start_with_remotes(&format!("[flaky]\ntype = webdav\nurl = {url}\nvendor = other\n"), |c| {
        c.extra_args = [
            "--low-level-retries=1",
            "--retries=1",
            "--timeout=10s",
            "--contimeout=2s",
        ]
        .map(String::from)
        .to_vec();
    })
    .await;
    Faulty {
        rc,
        server,
        proxy,
        _served: served_dir,
    }
}
