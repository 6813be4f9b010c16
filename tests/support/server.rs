//! Servers for tests of remote mode: rproxy processes (fronting the bundled rclone) over a
//! source tree, a TLS test CA, a server that always answers 500, and raw HTTP helpers.

use std::{
    io::{BufRead, BufReader},
    process::{Command, Stdio},
    time::Duration,
};

use anyhow::{ensure, Context, Result};

use crate::{app_binary, free_port, wait_until, Proc};

pub fn rproxy() -> Result<std::path::PathBuf> {
    let p = app_binary()?.with_file_name("rproxy");
    ensure!(p.is_file(), "rproxy not built at {}", p.display());
    Ok(p)
}

pub fn rclone() -> std::path::PathBuf {
    app_binary().unwrap().with_file_name("rcmd-rclone")
}

/// One HTTP/1.1 POST (JSON body, Bearer token) on a fresh connection: status and body.
pub fn post(port: u16, token: &str, path: &str, body: &serde_json::Value) -> std::io::Result<(u16, String)> {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port))?;
    s.set_read_timeout(Some(Duration::from_secs(60)))?;
    let body = body.to_string();
    write!(
        s,
        "POST /{path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    let mut reply = String::new();
    s.read_to_string(&mut reply)?;
    let status = reply
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("no status in {reply:?}")))?;
    let body = reply
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    Ok((status, body))
}

/// The stored events (`GET /rproxy/events?since=0`) read until the stream is quiet for 2 s.
pub fn stored_events(port: u16, token: &str) -> Result<Vec<(String, serde_json::Value)>> {
    Ok(stored_events_with_ids(port, token)?
        .into_iter()
        .map(|(_, k, d)| (k, d))
        .collect())
}

/// Like [`stored_events`], with each event's id.
pub fn stored_events_with_ids(port: u16, token: &str) -> Result<Vec<(i64, String, serde_json::Value)>> {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port))?;
    s.set_read_timeout(Some(Duration::from_secs(2)))?;
    write!(
        s,
        "GET /rproxy/events?since=0 HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n\r\n"
    )?;
    let mut raw = Vec::new();
    let mut buf = [0u8; 65536];
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while std::time::Instant::now() < deadline {
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => raw.extend_from_slice(&buf[..n]),
            Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => break,
            Err(e) => return Err(e.into()),
        }
    }
    let text = String::from_utf8_lossy(&raw);
    let mut out = Vec::new();
    for frame in text.split("\n\n") {
        let field = |name: &str| frame.lines().find_map(|l| l.strip_prefix(name).map(str::to_owned));
        if let (Some(kind), Some(data)) = (field("event: "), field("data: ")) {
            let id = field("id: ").and_then(|i| i.trim().parse().ok()).unwrap_or(0);
            out.push((id, kind, serde_json::from_str(&data).unwrap_or_default()));
        }
    }
    Ok(out)
}

pub fn start_rproxy(data: &std::path::Path, conf: &std::path::Path, port: u16) -> Result<std::process::Child> {
    // its log, appended across restarts, with the test's artifacts (for a failure's report)
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(crate::artifacts().join(format!("rproxy-{port}.log")))?;
    Ok(Command::new(rproxy()?)
        .args([
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--rclone-config",
            conf.to_str().unwrap(),
        ])
        .env("RPROXY_DATA_DIR", data)
        .env("RCMD_RCLONE", rclone())
        .env("RUST_LOG", "info")
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(log)
        .spawn()?)
}

/// A test CA and a certificate for 127.0.0.1 signed by it: (ca.pem, cert.pem, key.pem).
pub fn test_certificates(
    dir: &std::path::Path,
) -> Result<(std::path::PathBuf, std::path::PathBuf, std::path::PathBuf)> {
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new())?;
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let ca_key = rcgen::KeyPair::generate()?;
    let ca = ca_params.self_signed(&ca_key)?;
    let key = rcgen::KeyPair::generate()?;
    let cert = rcgen::CertificateParams::new(vec!["127.0.0.1".to_owned()])?.signed_by(&key, &ca, &ca_key)?;
    let (ca_pem, cert_pem, key_pem) = (dir.join("ca.pem"), dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&ca_pem, ca.pem())?;
    std::fs::write(&cert_pem, cert.pem())?;
    std::fs::write(&key_pem, key.serialize_pem())?;
    Ok((ca_pem, cert_pem, key_pem))
}

/// A server that answers every request with a 500 in rcd's error shape.
pub fn failing_server() -> Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    let port = listener.local_addr()?.port();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(16).flatten() {
            use std::io::{Read, Write};
            let mut s = stream;
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf);
            let body = r#"{"error":"database is locked","input":{},"path":"rproxy/whoami","status":500}"#;
            let _ = write!(s, "HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len());
        }
    });
    Ok(port)
}

/// A source tree of `files` files (`file(i)`: relative path and content), an empty
/// destination, an rclone.conf with `src:` and `dst:` aliases for them, and rproxy serving on
/// a free port, answering, with the admin token its first start printed.
pub struct TreeServer {
    pub dir: tempfile::TempDir,
    pub src: std::path::PathBuf,
    pub dst: std::path::PathBuf,
    pub data: std::path::PathBuf,
    pub conf: std::path::PathBuf,
    pub port: u16,
    pub server: Proc,
    pub token: String,
}

impl TreeServer {
    pub fn start(files: usize, file: impl Fn(usize) -> (String, Vec<u8>)) -> Result<TreeServer> {
        let dir = tempfile::tempdir()?;
        let (src, dst) = (dir.path().join("src"), dir.path().join("dst"));
        for i in 0..files {
            let (rel, content) = file(i);
            let f = src.join(rel);
            std::fs::create_dir_all(f.parent().unwrap())?;
            std::fs::write(&f, content)?;
        }
        std::fs::create_dir_all(&dst)?;
        let conf = dir.path().join("rclone.conf");
        std::fs::write(
            &conf,
            format!(
                "[src]\ntype = alias\nremote = {}\n\n[dst]\ntype = alias\nremote = {}\n",
                src.display(),
                dst.display()
            ),
        )?;
        let data = dir.path().join("data");
        let port = free_port();
        let mut server = Proc::new(start_rproxy(&data, &conf, port)?);
        let mut lines = BufReader::new(server.child.stdout.take().unwrap()).lines();
        lines.next().context("no output")??;
        let token = lines.next().context("no token")??;
        wait_until(Duration::from_secs(30), "rproxy to answer", || {
            post(port, &token, "rc/noop", &serde_json::json!({}))
                .ok()
                .filter(|r| r.0 == 200)
        })?;
        Ok(TreeServer {
            dir,
            src,
            dst,
            data,
            conf,
            port,
            server,
            token,
        })
    }
}

/// rproxy over HTTPS with a certificate from a test CA, on a free port: the guard, the port,
/// the admin token its first start printed, and the CA file a client must trust.
pub fn start_tls_rproxy(dir: &std::path::Path) -> Result<(Proc, u16, String, std::path::PathBuf)> {
    let (ca, cert, key) = test_certificates(dir)?;
    let port = free_port();
    let mut server = Proc::new(
        Command::new(rproxy()?)
            .args([
                "serve",
                "--listen",
                &format!("127.0.0.1:{port}"),
                "--tls-cert",
                cert.to_str().unwrap(),
                "--tls-key",
                key.to_str().unwrap(),
            ])
            .env("RPROXY_DATA_DIR", dir.join("tls-data"))
            .env("RCMD_RCLONE", rclone())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()?,
    );
    let mut lines = BufReader::new(server.child.stdout.take().unwrap()).lines();
    lines.next().context("no output")??;
    let token = lines.next().context("no token")??;
    Ok((server, port, token, ca))
}

/// `rproxy ARGS` on the data folder `data`, as an administrator runs it from a shell while
/// the server runs: its standard output.
fn rproxy_admin(data: &std::path::Path, args: &[&str]) -> Result<String> {
    let out = Command::new(rproxy()?)
        .args(args)
        .env("RPROXY_DATA_DIR", data)
        .output()?;
    ensure!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(String::from_utf8(out.stdout)?)
}

/// The token a `rproxy` command printed on its last line.
fn printed_token(text: &str) -> Result<String> {
    Ok(text.lines().last().context("no token printed")?.trim().to_owned())
}

/// `rproxy token create USER --expires-in LIFETIME` on the data folder `data`: the new token.
pub fn expiring_token(data: &std::path::Path, user: &str, lifetime: &str) -> Result<String> {
    printed_token(&rproxy_admin(
        data,
        &["token", "create", user, "--expires-in", lifetime],
    )?)
}

/// `rproxy user add NAME --role ROLE` on the data folder `data`: the new user's token.
pub fn add_user(data: &std::path::Path, name: &str, role: &str) -> Result<String> {
    printed_token(&rproxy_admin(data, &["user", "add", name, "--role", role])?)
}

/// `rproxy token list USER` then `rproxy token revoke ID` of its newest live token, as an
/// administrator does from a shell while the server runs.
pub fn revoke_newest_token(data: &std::path::Path, user: &str) -> Result<()> {
    let listed = rproxy_admin(data, &["token", "list", user])?;
    let id = listed
        .lines()
        .filter(|l| l.split('\t').nth(2) == Some("live"))
        .filter_map(|l| l.split('\t').next())
        .next_back()
        .with_context(|| format!("no live token of {user}: {listed}"))?
        .to_owned();
    rproxy_admin(data, &["token", "revoke", &id])?;
    Ok(())
}

/// Lines of rproxy's log (the one [`start_rproxy`] writes for `port`) that contain all of
/// `words`.
pub fn rproxy_log_lines(port: u16, words: &[&str]) -> usize {
    std::fs::read_to_string(crate::artifacts().join(format!("rproxy-{port}.log")))
        .unwrap_or_default()
        .lines()
        .filter(|l| words.iter().all(|w| l.contains(w)))
        .count()
}
