//! `rproxy.exe` as Windows runs it: built for x86_64-pc-windows-gnu and run under Wine by
//! `scripts/cross.sh windows`, with the Windows `rclone.exe`. A real `rclone rc` client lists a
//! drive-letter folder through it; its sidecar listens on a loopback port that refuses calls
//! without the per-launch credentials; `taskkill /F` of rproxy takes the sidecar with it (Job
//! Object); started again, rproxy answers with the same token (kept in its SQLite database).

#![cfg(windows)]
#![allow(clippy::unwrap_used)]

#[path = "../../cli/tests/common/windows.rs"]
mod sidecar;

use std::{
    io::{BufRead, BufReader, Read},
    net::SocketAddr,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use sidecar::{answers, in_a_job, status_without_credentials};

fn rclone() -> PathBuf {
    rcmd_core::sidecar::workspace_rclone(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."))
        .expect("no Windows rclone in bin/: run scripts/cross.sh windows")
}

/// A running `rproxy.exe serve`, its stderr collected; stopped with `taskkill /F` when dropped.
struct Rproxy {
    child: Child,
    log: Arc<Mutex<Vec<String>>>,
    stdout: Option<BufReader<std::process::ChildStdout>>,
}

impl Rproxy {
    fn start(dir: &Path, port: u16) -> Rproxy {
        std::fs::write(dir.join("rclone.conf"), "[local]\ntype = local\n").unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_rproxy"))
            .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--rclone-config"])
            .arg(dir.join("rclone.conf"))
            .env("RPROXY_DATA_DIR", dir.join("data"))
            .env("RCMD_RCLONE", rclone())
            .env("RUST_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let log = Arc::new(Mutex::new(Vec::new()));
        let (l, err) = (log.clone(), child.stderr.take().unwrap());
        std::thread::spawn(move || {
            for line in BufReader::new(err).lines().map_while(Result::ok) {
                l.lock().unwrap().push(line);
            }
        });
        let stdout = Some(BufReader::new(child.stdout.take().unwrap()));
        Rproxy { child, log, stdout }
    }

    /// The sidecar of this run (`spawned rclone rcd pid=… endpoint=…`), waited for.
    fn sidecar(&self) -> (u32, SocketAddr) {
        let end = Instant::now() + Duration::from_secs(60);
        loop {
            let log = self.log.lock().unwrap().clone();
            if let Some(found) = sidecar::sidecar(&log) {
                return found;
            }
            assert!(Instant::now() < end, "no sidecar in rproxy's log: {log:?}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn kill_hard(&mut self) {
        let out = Command::new("taskkill")
            .args(["/F", "/PID", &self.child.id().to_string()])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "taskkill: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        self.child.wait().unwrap();
    }
}

impl Drop for Rproxy {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn rc(port: u16, token: &str, args: &[&str]) -> std::process::Output {
    Command::new(rclone())
        .args(["rc", "--config", "NUL", "--url", &format!("http://127.0.0.1:{port}/")])
        .args(["--user", "admin", "--pass", token])
        .args(args)
        .output()
        .unwrap()
}

fn wait_until_answering(port: u16, token: &str) {
    let end = Instant::now() + Duration::from_secs(60);
    loop {
        let out = rc(port, token, &["rc/noop"]);
        if out.status.success() {
            return;
        }
        assert!(
            Instant::now() < end,
            "rproxy does not answer: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        std::thread::sleep(Duration::from_millis(300));
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn rproxy_on_windows_serves_rclone_rc_and_its_sidecar_dies_with_it() {
    let dir = tempfile::tempdir().unwrap();
    let files = dir.path().join("files");
    std::fs::create_dir_all(files.join("sub")).unwrap();
    std::fs::write(files.join("a.txt"), b"hello").unwrap();
    let port = free_port();
    let mut first = Rproxy::start(dir.path(), port);
    let mut lines = first.stdout.take().unwrap().lines();
    let created = lines.next().unwrap().unwrap();
    assert!(created.contains("created user admin"), "{created}");
    let token = lines.next().unwrap().unwrap();
    wait_until_answering(port, &token);

    // a drive-letter folder, written with backslashes and with slashes
    let win = files.display().to_string();
    assert!(win.contains(":\\"), "{win}");
    for fs in [format!("local:{win}"), format!("local:{}", win.replace('\\', "/"))] {
        let out = rc(port, &token, &["operations/list", &format!("fs={fs}"), "remote="]);
        let listed = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{fs}: {}", String::from_utf8_lossy(&out.stderr));
        assert!(
            listed.contains("\"a.txt\"") && listed.contains("\"sub\""),
            "{fs}: {listed}"
        );
    }
    // the token is what opens rproxy: a wrong one is refused
    assert!(!rc(port, "wrong", &["rc/noop"]).status.success());

    let (pid, addr) = first.sidecar();
    assert!(addr.ip().is_loopback(), "the sidecar listens on loopback only: {addr}");
    assert_ne!(addr.port(), port);
    assert!(!in_a_job(std::process::id()), "the test itself runs outside any job");
    assert!(in_a_job(pid), "the sidecar (pid {pid}) is not in the kill-on-close job");
    assert_eq!(
        status_without_credentials(addr),
        401,
        "rclone's RC answered without credentials"
    );

    first.kill_hard();
    let end = Instant::now() + Duration::from_secs(15);
    while answers(addr) {
        assert!(
            Instant::now() < end,
            "rclone (pid {pid}) still answers on {addr} 15 s after rproxy was killed"
        );
        std::thread::sleep(Duration::from_millis(100));
    }

    // started again: the same token (it is in rproxy's database), no second admin
    let mut again = Rproxy::start(dir.path(), port);
    wait_until_answering(port, &token);
    let mut out = String::new();
    again.kill_hard();
    again.stdout.take().unwrap().read_to_string(&mut out).unwrap();
    assert!(!out.contains("created user"), "a second admin was made: {out}");
}
