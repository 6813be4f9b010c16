//! Several `rproxy serve` processes on one PostgreSQL, each with its own data folder and
//! rclone, over `src:` and `dst:` remotes (aliases of two folders): what the scale-out test and
//! the instances benchmark share. Every process is killed by its own PID on drop.

#![allow(clippy::unwrap_used, dead_code)]

use std::{
    io::{BufRead, BufReader},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use futures_util::StreamExt;
use serde_json::{json, Value};

pub struct Server {
    pub child: Child,
    pub port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `src`/`dst` folders with `files` small files (`d<i%30>/f<i>.txt`, content `file <i>\n`) and
/// the rclone.conf naming them; returns (src, dst, rclone.conf).
pub fn tree(dir: &Path, files: usize) -> (PathBuf, PathBuf, PathBuf) {
    let (src, dst, conf) = src_dst(dir);
    for i in 0..files {
        let f = src.join(format!("d{}/f{i}.txt", i % 30));
        std::fs::create_dir_all(f.parent().unwrap()).unwrap();
        std::fs::write(f, format!("file {i}\n")).unwrap();
    }
    (src, dst, conf)
}

/// Empty `src` and `dst` folders in `dir` and the rclone.conf naming them as alias remotes
/// `src:` and `dst:`; returns (src, dst, rclone.conf).
pub fn src_dst(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let (src, dst) = (dir.join("src"), dir.join("dst"));
    std::fs::create_dir_all(&src).unwrap();
    std::fs::create_dir_all(&dst).unwrap();
    let conf = dir.join("rclone.conf");
    std::fs::write(
        &conf,
        format!(
            "[src]\ntype = alias\nremote = {}\n\n[dst]\ntype = alias\nremote = {}\n",
            src.display(),
            dst.display()
        ),
    )
    .unwrap();
    (src, dst, conf)
}

/// Starts `rproxy` (the binary at `exe`) on database `db` (`""`: its own SQLite in the data
/// folder) with data folder `data`.
pub fn serve(exe: &Path, rclone: &Path, db: &str, data: &Path, conf: &Path) -> Server {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let db_args: &[&str] = if db.is_empty() { &[] } else { &["--db", db] };
    let child = Command::new(exe)
        .arg("serve")
        .args(db_args)
        .args([
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--rclone-config",
            conf.to_str().unwrap(),
        ])
        // one user sends the whole load here: the per-user rate limit (1,000/s) is not measured
        .args(["--rate-limit", "100000"])
        .env("RPROXY_DATA_DIR", data)
        .env("RCMD_RCLONE", rclone)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    Server { child, port }
}

/// `n` instances in `dir` (data folders `i0`, `i1`, …), each answering; the admin token the
/// first one printed.
pub async fn start(
    http: &reqwest::Client,
    exe: &Path,
    rclone: &Path,
    db: &str,
    dir: &Path,
    conf: &Path,
    n: usize,
) -> (Vec<Server>, String) {
    let mut servers = vec![serve(exe, rclone, db, &dir.join("i0"), conf)];
    let mut lines = BufReader::new(servers[0].child.stdout.take().unwrap()).lines();
    assert!(lines.next().unwrap().unwrap().contains("created user admin"));
    let token = lines.next().unwrap().unwrap();
    wait_up(http, &servers[0], &token).await;
    for i in 1..n {
        servers.push(serve(exe, rclone, db, &dir.join(format!("i{i}")), conf));
        wait_up(http, servers.last().unwrap(), &token).await;
    }
    (servers, token)
}

pub async fn wait_up(http: &reqwest::Client, s: &Server, token: &str) {
    let end = Instant::now() + Duration::from_secs(60);
    loop {
        let r = http
            .post(format!("http://127.0.0.1:{}/rc/noop", s.port))
            .basic_auth("admin", Some(token))
            .json(&json!({}))
            .send()
            .await;
        if r.is_ok_and(|r| r.status() == 200) {
            return;
        }
        assert!(Instant::now() < end, "instance on port {} did not answer", s.port);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// POSTs `body` to `path` on the instance at `port` as admin; asserts a 200 and returns the
/// reply.
pub async fn call(http: &reqwest::Client, token: &str, port: u16, path: &str, body: Value) -> Value {
    let r = http
        .post(format!("http://127.0.0.1:{port}/{path}"))
        .basic_auth("admin", Some(token))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = r.status();
    let v = r.json::<Value>().await.unwrap();
    assert_eq!(status, 200, "{path}: {v}");
    v
}

/// Sends `_async` copyfile calls for files `0..files` round-robin over `ports`, `concurrency`
/// at a time; a call whose instance is gone goes to the next one (as a load balancer would).
/// Returns file → (job id, tries).
pub async fn copy_calls(
    http: &reqwest::Client,
    token: &str,
    ports: &[u16],
    files: usize,
    concurrency: usize,
) -> std::collections::BTreeMap<usize, (i64, usize)> {
    let calls = futures_util::stream::iter(0..files).map(|i| {
        let (http, token, ports) = (http.clone(), token.to_owned(), ports.to_vec());
        async move {
            let rel = format!("d{}/f{i}.txt", i % 30);
            let body = json!({ "srcFs": "src:", "srcRemote": rel, "dstFs": "dst:", "dstRemote": rel, "_async": true });
            for k in 0..ports.len() {
                let port = ports[(i + k) % ports.len()];
                if let Ok(r) = http
                    .post(format!("http://127.0.0.1:{port}/operations/copyfile"))
                    .basic_auth("admin", Some(&token))
                    .json(&body)
                    .send()
                    .await
                {
                    assert_eq!(r.status(), 200, "call {i}");
                    let v: Value = r.json().await.unwrap();
                    return (i, (v["jobid"].as_i64().unwrap(), k + 1));
                }
            }
            panic!("call {i}: no instance answered");
        }
    });
    calls.buffer_unordered(concurrency).collect().await
}
