//! SIGTERM while slow copies run: `rproxy serve` (its own SQLite) takes 120 `_async` per-file
//! copies at a 60 KiB/s limit, an event stream is open, and SIGTERM arrives mid-way. The
//! stream ends at once, rproxy exits 0 within its drain time, and no call is failed by the
//! stop; after a restart on the same data folder every call ends successfully exactly once
//! and every file is at the destination, whole.

#![allow(clippy::unwrap_used)]

mod common;

use common::Server;

use std::{
    io::BufRead,
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use serde_json::{json, Value};

fn serve(data: &std::path::Path, conf: &std::path::Path, port: u16, log: &std::path::Path) -> Server {
    Server(
        Command::new(env!("CARGO_BIN_EXE_rproxy"))
            .args([
                "serve",
                "--listen",
                &format!("127.0.0.1:{port}"),
                "--rclone-config",
                conf.to_str().unwrap(),
            ])
            .env("RPROXY_DATA_DIR", data)
            .env("RCMD_RCLONE", common::rclone())
            .env("RCMD_RCLONE_FLAGS", "--bwlimit 60k")
            .env("RUST_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(std::fs::OpenOptions::new().create(true).append(true).open(log).unwrap())
            .spawn()
            .unwrap(),
    )
}

/// `rproxy serve` on a free port, data folder and log in `dir`, first started: its admin
/// token (printed once), answering.
struct Started {
    server: Server,
    data: std::path::PathBuf,
    log: std::path::PathBuf,
    port: u16,
    url: String,
    token: String,
    http: reqwest::Client,
}

async fn first_start(dir: &std::path::Path, conf: &std::path::Path) -> Started {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (data, log) = (dir.join("data"), dir.join("rproxy.log"));
    let mut server = serve(&data, conf, port, &log);
    let mut lines = std::io::BufReader::new(server.0.stdout.take().unwrap()).lines();
    assert!(lines.next().unwrap().unwrap().contains("created user admin"));
    let token = lines.next().unwrap().unwrap();
    let url = format!("http://127.0.0.1:{port}/");
    let http = reqwest::Client::new();
    up(&http, &url, &token).await;
    Started {
        server,
        data,
        log,
        port,
        url,
        token,
        http,
    }
}

async fn up(http: &reqwest::Client, url: &str, token: &str) {
    let t = Instant::now();
    loop {
        if let Ok(r) = http
            .post(format!("{url}rc/noop"))
            .basic_auth("admin", Some(token))
            .json(&json!({}))
            .send()
            .await
        {
            if r.status() == 200 {
                return;
            }
        }
        assert!(t.elapsed() < Duration::from_secs(60), "rproxy did not come up");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_drains_and_no_copy_is_failed_by_the_stop() {
    if std::env::var("RPROXY_TEST_DB").as_deref() == Ok("postgres") {
        eprintln!("skipped in the PostgreSQL pass: this test runs the binary on its own SQLite");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (src, dst, conf) = common::fleet::src_dst(dir.path());
    const FILES: usize = 120;
    for i in 0..FILES {
        std::fs::write(src.join(format!("f{i:03}.bin")), format!("{i:03}").repeat(8000)).unwrap();
    }
    let Started {
        mut server,
        data,
        log,
        port,
        url,
        token,
        http,
    } = first_start(dir.path(), &conf).await;
    let mut jobs = vec![];
    for i in 0..FILES {
        let name = format!("f{i:03}.bin");
        let body = json!({ "srcFs": "src:", "srcRemote": name, "dstFs": "dst:", "dstRemote": name, "_async": true });
        let r: Value = http
            .post(format!("{url}operations/copyfile"))
            .basic_auth("admin", Some(&token))
            .json(&body)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        jobs.push(r["jobid"].as_i64().unwrap());
    }
    let events = http
        .get(format!("{url}rproxy/events"))
        .basic_auth("admin", Some(&token))
        .send()
        .await
        .unwrap();
    // mid-way: some files copied, many to go (120 × 24 KiB at 60 KiB/s is about 48 s)
    let t = Instant::now();
    while std::fs::read_dir(&dst).unwrap().count() < 10 {
        assert!(t.elapsed() < Duration::from_secs(60), "no copy started");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let pid = server.0.id();
    Command::new("kill").args(["-TERM", &pid.to_string()]).status().unwrap();
    let stopped_at = Instant::now();
    // the event stream ends at once (not after the drain)
    let mut events = events;
    let stream_end = tokio::time::timeout(Duration::from_secs(10), async {
        while let Ok(Some(_)) = events.chunk().await {}
    })
    .await;
    assert!(stream_end.is_ok(), "the event stream must end when the server stops");
    let status = loop {
        if let Some(s) = server.0.try_wait().unwrap() {
            break s;
        }
        assert!(
            stopped_at.elapsed() < Duration::from_secs(60),
            "rproxy did not exit within its drain time"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let took = stopped_at.elapsed();
    assert!(status.success(), "SIGTERM exits 0: {status:?}");
    eprintln!(
        "SIGTERM: exited after {took:?} with {} of {FILES} files copied",
        std::fs::read_dir(&dst).unwrap().count()
    );
    // nothing was failed by the stop: no queued call ended failed
    let db = rproxy::auth::Users::connect(data.join("rproxy.db").to_str().unwrap())
        .await
        .unwrap();
    let failed: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM queue WHERE state = 'failed'")
        .fetch_one(db.pool().sqlite().unwrap())
        .await
        .unwrap();
    assert_eq!(failed, 0, "a copy was failed by the stop");
    drop(db);
    // restarted on the same data folder: every call ends successfully, once
    let _again = serve(&data, &conf, port, &log);
    up(&http, &url, &token).await;
    for (i, job) in jobs.iter().enumerate() {
        let end = Instant::now() + Duration::from_secs(180);
        loop {
            let s: Value = http
                .post(format!("{url}job/status"))
                .basic_auth("admin", Some(&token))
                .json(&json!({ "jobid": job }))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            if s["finished"] == true {
                assert_eq!(s["success"], true, "call {i}: {s}");
                break;
            }
            assert!(Instant::now() < end, "call {i} never ended: {s}");
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }
    for i in 0..FILES {
        let name = format!("f{i:03}.bin");
        assert_eq!(
            std::fs::read(dst.join(&name)).unwrap(),
            std::fs::read(src.join(&name)).unwrap(),
            "{name}"
        );
    }
    let leftovers: Vec<_> = std::fs::read_dir(&dst)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.ends_with(".bin"))
        .collect();
    assert!(leftovers.is_empty(), "partial files left: {leftovers:?}");
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(text.contains("queue drained"), "{text}");
}

/// A synchronous per-file call runs at once (no dispatcher round) but is still a committed
/// row of the queue: rproxy killed with SIGKILL while the copy runs leaves it `running` in a
/// direct group of the dead instance, and the restarted server takes it over and copies the
/// file, whole; the caller saw its connection cut (as with rcd itself).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_synchronous_call_cut_by_kill_9_is_done_after_the_restart() {
    if std::env::var("RPROXY_TEST_DB").as_deref() == Ok("postgres") {
        eprintln!("skipped in the PostgreSQL pass: this test runs the binary on its own SQLite");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (src, dst, conf) = common::fleet::src_dst(dir.path());
    // 600 KB at 60 KiB/s: about 10 s in flight
    let body: Vec<u8> = (0..600_000u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(src.join("slow.bin"), &body).unwrap();
    let Started {
        mut server,
        data,
        log,
        port,
        url,
        token,
        http,
    } = first_start(dir.path(), &conf).await;
    let call = {
        let (http, url, token) = (http.clone(), url.clone(), token.clone());
        tokio::spawn(async move {
            let body = json!({ "srcFs": "src:", "srcRemote": "slow.bin", "dstFs": "dst:", "dstRemote": "slow.bin" });
            http.post(format!("{url}operations/copyfile"))
                .basic_auth("admin", Some(&token))
                .json(&body)
                .send()
                .await
        })
    };
    // the copy is under way: rclone writes its partial file
    let t = Instant::now();
    while std::fs::read_dir(&dst).unwrap().count() == 0 {
        assert!(t.elapsed() < Duration::from_secs(30), "the copy did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let pid = server.0.id();
    Command::new("kill").args(["-KILL", &pid.to_string()]).status().unwrap();
    let _ = server.0.wait();
    let answer = call.await.unwrap();
    assert!(
        answer.is_err() || !answer.as_ref().unwrap().status().is_success(),
        "the cut call cannot have answered success: {answer:?}"
    );
    // it was a committed row, running in a direct group of the dead instance
    let db = rproxy::auth::Users::connect(data.join("rproxy.db").to_str().unwrap())
        .await
        .unwrap();
    let row: (String, Option<i64>) = sqlx::query_as("SELECT state, group_id FROM queue WHERE item = 'slow.bin'")
        .fetch_one(db.pool().sqlite().unwrap())
        .await
        .unwrap();
    assert_eq!(row.0, "running", "{row:?}");
    assert!(row.1.is_some(), "a call run at once belongs to a group: {row:?}");
    drop(db);
    // restarted: the call is taken over and done; the file arrives whole
    let _again = serve(&data, &conf, port, &log);
    up(&http, &url, &token).await;
    let end = Instant::now() + Duration::from_secs(90);
    loop {
        if std::fs::read(dst.join("slow.bin")).is_ok_and(|b| b == body) {
            break;
        }
        assert!(Instant::now() < end, "the cut call was not done after the restart");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let db = rproxy::auth::Users::connect(data.join("rproxy.db").to_str().unwrap())
        .await
        .unwrap();
    let end = Instant::now() + Duration::from_secs(30);
    loop {
        let state: String = sqlx::query_scalar("SELECT state FROM queue WHERE item = 'slow.bin'")
            .fetch_one(db.pool().sqlite().unwrap())
            .await
            .unwrap();
        if state == "done" {
            break;
        }
        assert!(Instant::now() < end, "the call's row stayed {state}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(text.contains("queued group taken over"), "{text}");
}
