//! Harness for end-to-end tests of the real RCMD app: a private Xvfb display, the app binary,
//! tauri-driver + WebKitWebDriver for WebDriver sessions, and a fixture rclone config whose
//! `e2e:` remote is a local folder.
//!
//! Every process started here is stopped by its own PID when its guard drops.

#![allow(clippy::unwrap_used)]

use std::{
    io::{BufRead, BufReader},
    net::{TcpListener, TcpStream},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use anyhow::{bail, Context, Result};

pub mod server;
pub mod visual;
pub mod window;

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").canonicalize().unwrap()
}

/// Where tests put screenshots and logs: `artifacts/e2e/` in the workspace.
pub fn artifacts() -> PathBuf {
    let dir = root().join("artifacts/e2e");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The built app: `$RCMD_APP_BINARY`, else `<target dir>/debug/rcmd`.
pub fn app_binary() -> Result<PathBuf> {
    let path = match std::env::var_os("RCMD_APP_BINARY") {
        Some(p) => PathBuf::from(p),
        None => {
            let target = std::env::var_os("CARGO_TARGET_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| root().join("target"));
            target.join("debug/rcmd")
        }
    };
    path.canonicalize()
        .with_context(|| format!("app not built at {}: cargo build -p rcmd", path.display()))
}

/// The headless command line: `<target dir>/debug/rcmd-cli` (next to the app).
pub fn cli_binary() -> Result<PathBuf> {
    let path = app_binary()?.with_file_name("rcmd-cli");
    path.canonicalize()
        .with_context(|| format!("command line not built at {}: cargo build -p rcmd-cli", path.display()))
}

/// Sends `signal` (e.g. "TERM", "KILL") to `pid`.
pub fn signal(pid: u32, signal: &str) {
    let _ = Command::new("kill")
        .args([&format!("-{signal}"), &pid.to_string()])
        .status();
}

/// True while `pid` exists and is not a zombie.
pub fn alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => !stat.rsplit(')').next().unwrap_or("").trim_start().starts_with('Z'),
        Err(_) => false,
    }
}

/// Polls `check` every 50 ms until it returns `Some`, or fails after `timeout`.
pub fn wait_until<T>(timeout: Duration, what: &str, mut check: impl FnMut() -> Option<T>) -> Result<T> {
    let end = Instant::now() + timeout;
    loop {
        if let Some(v) = check() {
            return Ok(v);
        }
        if Instant::now() >= end {
            bail!("timed out after {timeout:?} waiting for {what}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A child process killed (by its PID) and reaped on drop.
pub struct Proc {
    pub child: Child,
    stop_signal: &'static str,
}

impl Proc {
    /// Owns `child`: on drop it gets SIGTERM (then SIGKILL after 5 s), so a failing test
    /// leaves nothing running.
    pub fn new(child: Child) -> Proc {
        Proc {
            child,
            stop_signal: "TERM",
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            signal(self.child.id(), self.stop_signal);
            let end = Instant::now() + Duration::from_secs(5);
            while Instant::now() < end {
                if let Ok(Some(_)) = self.child.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A private X display.
pub struct Display {
    pub name: String,
    _xvfb: Proc,
}

impl Display {
    pub fn start() -> Result<Display> {
        // pick a free display number; Xvfb creates /tmp/.X11-unix/X<n> once it listens
        let base = 200 + (std::process::id() % 500);
        for n in base..base + 50 {
            if Path::new(&format!("/tmp/.X11-unix/X{n}")).exists() || Path::new(&format!("/tmp/.X{n}-lock")).exists() {
                continue;
            }
            let child = Command::new("Xvfb")
                .args([&format!(":{n}"), "-screen", "0", "1280x800x24", "-nolisten", "tcp"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .context("Xvfb not found: run scripts/setup.sh --test")?;
            let mut xvfb = Proc {
                child,
                stop_signal: "TERM",
            };
            let socket = format!("/tmp/.X11-unix/X{n}");
            let up = wait_until(Duration::from_secs(10), "Xvfb", || {
                if Path::new(&socket).exists() {
                    return Some(true);
                }
                matches!(xvfb.child.try_wait(), Ok(Some(_))).then_some(false)
            });
            if let Ok(true) = up {
                return Ok(Display {
                    name: format!(":{n}"),
                    _xvfb: xvfb,
                });
            }
        }
        bail!("no free X display")
    }
}

/// Folder tree and rclone config for the app under test.
pub struct Fixture {
    pub dir: tempfile::TempDir,
    /// More environment for the app (see [`Fixture::set_env`]).
    extra: Vec<(String, String)>,
}

impl Fixture {
    /// `e2e:` (alias of a local folder) holding `readme.txt`, `photos/cat.jpg`,
    /// `photos/2024/trip.png`, and an empty `empty/`; a `mem:` remote; `broken:`, an alias of a
    /// folder that does not exist. `other.conf` holds only `other:` (alias of `photos/`).
    pub fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        std::fs::create_dir_all(data.join("photos/2024")).unwrap();
        std::fs::create_dir_all(data.join("empty")).unwrap();
        std::fs::write(data.join("readme.txt"), b"RCMD end-to-end test\n").unwrap();
        std::fs::write(data.join("photos/cat.jpg"), vec![1u8; 3 * 1024 * 1024 / 2]).unwrap();
        std::fs::write(data.join("photos/2024/trip.png"), vec![2u8; 2048]).unwrap();
        std::fs::write(
            dir.path().join("rclone.conf"),
            format!(
                "[e2e]\ntype = alias\nremote = {}\n\n[mem]\ntype = memory\n\n[broken]\ntype = alias\nremote = {}\n",
                data.display(),
                dir.path().join("no-such-folder").display()
            ),
        )
        .unwrap();
        // a second config, for choosing one in Settings
        std::fs::write(
            dir.path().join("other.conf"),
            format!("[other]\ntype = alias\nremote = {}\n", data.join("photos").display()),
        )
        .unwrap();
        Fixture { dir, extra: vec![] }
    }

    /// Environment for the app: the fixture's rclone config, private config/data dirs.
    pub fn env(&self, display: &Display) -> Vec<(String, String)> {
        let p = |s: &str| self.dir.path().join(s).display().to_string();
        vec![
            ("DISPLAY".into(), display.name.clone()),
            ("RCLONE_CONFIG".into(), p("rclone.conf")),
            ("XDG_CONFIG_HOME".into(), p("xdg-config")),
            ("XDG_DATA_HOME".into(), p("xdg-data")),
            ("XDG_CACHE_HOME".into(), p("xdg-cache")),
            ("NO_AT_BRIDGE".into(), "1".into()),
            ("NO_COLOR".into(), "1".into()),
            ("RUST_LOG".into(), "info".into()),
            // the app never reaches the machine's session bus (its keyring, its desktop): a
            // bus that does not exist, so keyring calls fall back to the fixture's file at once
            ("DBUS_SESSION_BUS_ADDRESS".into(), self.no_session_bus()),
            // WebKit's sandbox needs user namespaces that containers often lack
            ("WEBKIT_DISABLE_SANDBOX_THIS_IS_DANGEROUS".into(), "1".into()),
        ]
        .into_iter()
        .chain(self.extra.iter().cloned())
        .collect()
    }

    /// Adds an environment variable for the app (after, so winning over, the defaults).
    pub fn set_env(&mut self, key: &str, value: &str) {
        self.extra.push((key.to_owned(), value.to_owned()));
    }

    /// Makes the shell script `body` the app's "open with the system's program"
    /// (`$RCMD_OPENER`; the file to open is its `$1`).
    pub fn set_opener(&mut self, body: &str) -> std::io::Result<()> {
        use std::os::unix::fs::PermissionsExt;
        let script = self.path("opener.sh");
        std::fs::write(&script, format!("#!/bin/sh\n{body}"))?;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755))?;
        self.set_env("RCMD_OPENER", &script.display().to_string());
        Ok(())
    }
}

impl Fixture {
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// A D-Bus address where no bus listens (see [`Fixture::env`]).
    pub fn no_session_bus(&self) -> String {
        format!("unix:path={}", self.path("no-session-bus").display())
    }

    /// Starts a real `rclone serve webdav` of folder `webdav/` on a free loopback port that
    /// asks for `user` and `pass`; returns its guard and port.
    pub fn serve_webdav(&self, user: &str, pass: &str) -> Result<(Proc, u16)> {
        let rclone = app_binary()?.with_file_name("rcmd-rclone");
        let port = free_port();
        let served = self.path("webdav");
        std::fs::create_dir_all(&served)?;
        let child = Command::new(&rclone)
            .args([
                "serve",
                "webdav",
                served.to_str().unwrap(),
                "--addr",
                &format!("127.0.0.1:{port}"),
            ])
            .args(["--user", user, "--pass", pass, "--config", "/dev/null"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        let proc = Proc {
            child,
            stop_signal: "TERM",
        };
        wait_until(Duration::from_secs(15), "webdav server", || {
            TcpStream::connect(("127.0.0.1", port)).ok()
        })?;
        Ok((proc, port))
    }

    /// Starts a real `rclone serve webdav` that requires a password and adds remote `locked:`
    /// with the wrong one: every call to it fails with 401. Stops with the returned guard.
    pub fn add_locked_webdav(&self) -> Result<Proc> {
        let (proc, port) = self.serve_webdav("rcmd", "right-password")?;
        let rclone = app_binary()?.with_file_name("rcmd-rclone");
        let obscured = Command::new(&rclone).args(["obscure", "wrong-password"]).output()?;
        let obscured = String::from_utf8(obscured.stdout)?.trim().to_owned();
        let conf = self.path("rclone.conf");
        let mut text = std::fs::read_to_string(&conf)?;
        text.push_str(&format!(
            "\n[locked]\ntype = webdav\nurl = http://127.0.0.1:{port}/\nvendor = other\nuser = rcmd\npass = {obscured}\n"
        ));
        std::fs::write(&conf, text)?;
        Ok(proc)
    }
}

impl Default for Fixture {
    fn default() -> Self {
        Fixture::new()
    }
}

/// The app started directly (no WebDriver), with its log collected line by line.
pub struct RunningApp {
    pub proc: Proc,
    pub log: Arc<Mutex<Vec<String>>>,
}

impl RunningApp {
    pub fn start(fixture: &Fixture, display: &Display) -> Result<RunningApp> {
        RunningApp::start_with_env(fixture, display, &[])
    }

    /// Like [`RunningApp::start`], with extra environment variables (applied last).
    pub fn start_with_env(fixture: &Fixture, display: &Display, extra: &[(&str, &str)]) -> Result<RunningApp> {
        let mut cmd = Command::new(app_binary()?);
        cmd.envs(fixture.env(display))
            .envs(extra.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().context("start app")?;
        let log = Arc::new(Mutex::new(Vec::new()));
        let stderr = child.stderr.take().unwrap();
        let sink = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                sink.lock().unwrap().push(line);
            }
        });
        Ok(RunningApp {
            proc: Proc {
                child,
                stop_signal: "TERM",
            },
            log,
        })
    }

    /// Sends SIGTERM and waits for the app to exit; returns its status and whole log.
    pub fn terminate(mut self, timeout: Duration) -> Result<(std::process::ExitStatus, String)> {
        signal(self.proc.pid(), "TERM");
        let status = wait_until(timeout, "app exit", || self.proc.child.try_wait().ok().flatten())?;
        // the log reader thread ends with the pipe; give it a moment to drain
        std::thread::sleep(Duration::from_millis(100));
        Ok((status, self.log_text()))
    }

    pub fn log_text(&self) -> String {
        self.log.lock().unwrap().join("\n")
    }

    /// Waits for the log line of a ready sidecar whose pid is not in `except`; returns
    /// (rclone pid, ms from supervisor start to ready).
    pub fn wait_ready(&self, timeout: Duration, except: &[u32]) -> Result<(u32, u64)> {
        wait_until(timeout, "sidecar ready in the app log", || {
            self.log
                .lock()
                .unwrap()
                .iter()
                .filter_map(|l| parse_ready(l))
                .find(|(pid, _)| !except.contains(pid))
        })
        .with_context(|| format!("app log:\n{}", self.log_text()))
    }
}

/// Parses `... sidecar state state=Ready { pid: 123, port: 456, version: "v1", ready_after_ms: 789 }`.
pub fn parse_ready(line: &str) -> Option<(u32, u64)> {
    let rest = line.split("state=Ready { pid: ").nth(1)?;
    let pid = rest.split(',').next()?.trim().parse().ok()?;
    let ms = rest
        .split("ready_after_ms: ")
        .nth(1)?
        .split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()?;
    Some((pid, ms))
}

/// tauri-driver on free ports, stopped with SIGTERM (which also stops WebKitWebDriver).
pub struct Driver {
    pub port: u16,
    _proc: Proc,
}

impl Driver {
    pub fn start(fixture: &Fixture, display: &Display) -> Result<Driver> {
        let port = free_port();
        let native = free_port();
        let tools = std::env::var_os("RCMD_CACHE")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(std::env::var("HOME").unwrap_or_default()).join(".cache/rcmd"))
            .join("tools/bin/tauri-driver");
        let exe = if tools.exists() {
            tools
        } else {
            PathBuf::from("tauri-driver")
        };
        let log = std::fs::File::create(artifacts().join(format!("tauri-driver-{port}.log")))?;
        let child = Command::new(exe)
            .args(["--port", &port.to_string(), "--native-port", &native.to_string()])
            .envs(fixture.env(display))
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .context("tauri-driver not found: run scripts/setup.sh --test")?;
        let proc = Proc {
            child,
            stop_signal: "TERM",
        };
        // tauri-driver opens its port before its WebKitWebDriver child opens the native one;
        // a session request in between is refused, so wait for both.
        for (p, what) in [(port, "tauri-driver port"), (native, "WebKitWebDriver port")] {
            wait_until(Duration::from_secs(15), what, || {
                TcpStream::connect(("127.0.0.1", p)).ok()
            })?;
        }
        Ok(Driver { port, _proc: proc })
    }

    /// A new WebDriver session that launches the app.
    pub async fn session(&self) -> Result<fantoccini::Client> {
        let mut caps = serde_json::Map::new();
        caps.insert(
            "tauri:options".into(),
            serde_json::json!({ "application": app_binary()?.display().to_string() }),
        );
        caps.insert("browserName".into(), "wry".into());
        let client = fantoccini::ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{}", self.port))
            .await
            .context("new WebDriver session")?;
        Ok(client)
    }
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// The pids of the direct children of `parent` named `comm`.
pub fn children_named(parent: u32, comm: &str) -> Vec<u32> {
    let Ok(procs) = std::fs::read_dir("/proc") else {
        return vec![];
    };
    procs
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            // "pid (comm) state ppid ..."
            let name = stat.split('(').nth(1).and_then(|s| s.rsplit_once(')')).map(|(n, _)| n);
            let ppid = stat
                .rsplit(')')
                .next()
                .and_then(|s| s.split_whitespace().nth(1))
                .and_then(|p| p.parse::<u32>().ok());
            name == Some(comm) && ppid == Some(parent)
        })
        .collect()
}

/// A tiny HTTP server on loopback that records requests (request line, headers, body) and
/// answers 200 `{"ok":true}`, or the Telegram-style 401 for paths containing "/botBAD".
pub struct HttpSink {
    pub port: u16,
    pub seen: Arc<Mutex<Vec<String>>>,
}

impl HttpSink {
    pub fn start() -> HttpSink {
        use std::io::{Read, Write};
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let seen: Arc<Mutex<Vec<String>>> = Arc::default();
        let s2 = seen.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let seen = s2.clone();
                std::thread::spawn(move || {
                    let mut stream = stream;
                    let mut buf = Vec::new();
                    let mut chunk = [0u8; 4096];
                    // read the head, then the body by Content-Length
                    let body_start = loop {
                        let Ok(n) = stream.read(&mut chunk) else { return };
                        if n == 0 {
                            return;
                        }
                        buf.extend_from_slice(&chunk[..n]);
                        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                            break i + 4;
                        }
                    };
                    let head = String::from_utf8_lossy(&buf[..body_start]).to_string();
                    let len = head
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length:")
                                .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                        })
                        .unwrap_or(0);
                    while buf.len() < body_start + len {
                        let Ok(n) = stream.read(&mut chunk) else { return };
                        if n == 0 {
                            break;
                        }
                        buf.extend_from_slice(&chunk[..n]);
                    }
                    let text = String::from_utf8_lossy(&buf).to_string();
                    let bad = head.starts_with("POST /botBAD");
                    seen.lock().unwrap().push(text);
                    let (status, body) = if bad {
                        (
                            "401 Unauthorized",
                            r#"{"ok":false,"error_code":401,"description":"Unauthorized"}"#,
                        )
                    } else {
                        ("200 OK", r#"{"ok":true,"result":{}}"#)
                    };
                    let _ = write!(stream, "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}", body.len());
                });
            }
        });
        HttpSink { port, seen }
    }
}

/// Files below `dir`, at any depth (0 when it does not exist).
pub fn count_files(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| if e.path().is_dir() { count_files(&e.path()) } else { 1 })
                .sum()
        })
        .unwrap_or(0)
}

/// The app's log files (`rcmd*.log`) anywhere below `dir`.
pub fn app_logs(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut out = vec![];
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(app_logs(&p));
        } else if p
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with("rcmd") && n.ends_with(".log"))
        {
            out.push(p);
        }
    }
    out
}

/// The environment of the running app of the fixture in `dir` (for a second launch).
pub fn app_env(dir: &std::path::Path) -> anyhow::Result<Vec<(String, String)>> {
    let marker = format!("XDG_DATA_HOME={}", dir.join("xdg-data").display());
    for entry in std::fs::read_dir("/proc")?.flatten() {
        let Ok(environ) = std::fs::read(entry.path().join("environ")) else {
            continue;
        };
        let Ok(exe) = std::fs::read_link(entry.path().join("exe")) else {
            continue;
        };
        if exe.file_name().is_some_and(|n| n == "rcmd") && environ.split(|b| *b == 0).any(|v| v == marker.as_bytes()) {
            return Ok(environ
                .split(|b| *b == 0)
                .filter_map(|v| {
                    String::from_utf8_lossy(v)
                        .split_once('=')
                        .map(|(k, v)| (k.to_owned(), v.to_owned()))
                })
                .collect());
        }
    }
    anyhow::bail!("no running app for {}", dir.display())
}
