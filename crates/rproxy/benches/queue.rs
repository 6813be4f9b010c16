//! Many small-file `operations/copyfile` calls, four ways, in the same run: through rproxy's
//! queue (`_async` calls from 8 clients, timed until every call's file is done), the same
//! calls as synchronous `job/batch` requests of 250 inputs through the queue, the same calls
//! straight to rcd (8 clients, synchronous, rcd's own per-call work), and one `rclone copy` of
//! the tree (the baseline). Also synchronous calls through the queue (8
//! clients, each waiting for its file) on a tenth of the files. Only ratios are compared.
//!
//! Each way runs `rounds` times, alternating; medians are compared. The file trees live in
//! /dev/shm when there is one (disk writeback made `rclone copy` vary 0.8-5 s here); rproxy's
//! and the engine's databases stay on disk.
//!
//!     cargo bench -p rproxy --bench queue [-- files [rounds]]      (default 10000 3)
//!
//! With 0 rounds only the synchronous comparison runs (on all `files`), e.g. for profiling.

// A benchmark program: its report on stdout is its output.
#![allow(clippy::print_stdout)]

use std::{
    path::Path,
    process::{Command, Stdio},
    sync::Arc,
    time::{Duration, Instant},
};

use rcmd_core::{
    engine::{Engine, EngineConfig},
    sidecar::{locate_rclone, BinaryLauncher, SidecarConfig},
};
use rproxy::{auth::Users, limit::RateLimit, policy::Role, router, AppState};
use serde_json::json;

const CLIENTS: usize = 8;

fn main() {
    let args: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let files = args.first().copied().unwrap_or(10_000);
    let rounds = args.get(1).copied().unwrap_or(3);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(run(files, rounds));
}

/// The relative path of file `i`: 100 files per folder.
fn rel(i: usize) -> String {
    format!("d{:03}/f{i:05}.txt", i / 100)
}

/// `n` copyfile calls (files `range`) from `CLIENTS` tasks to `url`, to `dst_fs`.
async fn calls(
    url: &str,
    user: &str,
    pass: &str,
    range: std::ops::Range<usize>,
    dst_fs: &str,
    async_: bool,
) -> Vec<i64> {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(CLIENTS)
        .build()
        .expect("client");
    let mut tasks = vec![];
    for c in 0..CLIENTS {
        let (client, url, user, pass, dst_fs) = (
            client.clone(),
            format!("{url}operations/copyfile"),
            user.to_owned(),
            pass.to_owned(),
            dst_fs.to_owned(),
        );
        let range = range.clone();
        tasks.push(tokio::spawn(async move {
            let mut ids = vec![];
            for i in range.skip(c).step_by(CLIENTS) {
                let mut body = json!({ "srcFs": "src:", "srcRemote": rel(i), "dstFs": dst_fs, "dstRemote": rel(i) });
                if async_ {
                    body["_async"] = json!(true);
                }
                let r = client
                    .post(&url)
                    .basic_auth(&user, Some(&pass))
                    .json(&body)
                    .send()
                    .await
                    .expect("request");
                assert!(
                    r.status().is_success(),
                    "{}: {}",
                    r.status(),
                    r.text().await.unwrap_or_default()
                );
                let v: serde_json::Value = r.json().await.expect("json");
                if let Some(id) = v["jobid"].as_i64() {
                    ids.push(id);
                }
            }
            ids
        }));
    }
    let mut ids = vec![];
    for t in tasks {
        ids.extend(t.await.expect("task"));
    }
    ids
}

/// Inputs per `job/batch` request.
const BATCH: usize = 250;

/// All files as synchronous `job/batch` requests of `BATCH` copyfile inputs, from `CLIENTS`
/// tasks.
async fn batch_calls(url: &str, pass: &str, files: usize, dst_fs: &str) {
    let client = reqwest::Client::new();
    let chunks: Vec<Vec<usize>> = (0..files)
        .collect::<Vec<_>>()
        .chunks(BATCH)
        .map(<[usize]>::to_vec)
        .collect();
    let mut tasks = vec![];
    for c in 0..CLIENTS {
        let mine: Vec<Vec<usize>> = chunks.iter().skip(c).step_by(CLIENTS).cloned().collect();
        let (client, url, pass, dst_fs) = (
            client.clone(),
            format!("{url}job/batch"),
            pass.to_owned(),
            dst_fs.to_owned(),
        );
        tasks.push(tokio::spawn(async move {
            for chunk in mine {
                let inputs: Vec<serde_json::Value> = chunk
                    .iter()
                    .map(|i| json!({ "_path": "operations/copyfile", "srcFs": "src:", "srcRemote": rel(*i), "dstFs": dst_fs, "dstRemote": rel(*i) }))
                    .collect();
                let r = client.post(&url).basic_auth("bench", Some(&pass)).json(&json!({ "inputs": inputs })).send().await.expect("request");
                assert!(r.status().is_success(), "{}", r.status());
                let v: serde_json::Value = r.json().await.expect("json");
                assert!(v["results"].as_array().is_some_and(|a| a.iter().all(|x| x == &json!({}))), "{v}");
            }
        }));
    }
    for t in tasks {
        t.await.expect("task");
    }
}

fn count_files(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| if e.path().is_dir() { count_files(&e.path()) } else { 1 })
                .sum()
        })
        .unwrap_or(0)
}

async fn run(files: usize, rounds: usize) {
    // databases on disk (as deployed); the file trees in memory (/dev/shm) when there is one,
    // so that disk writeback of tens of thousands of small files does not swamp the numbers
    let dir = tempfile::tempdir().expect("tempdir");
    let trees = match Path::new("/dev/shm").is_dir() {
        true => tempfile::tempdir_in("/dev/shm").expect("tempdir in /dev/shm"),
        false => tempfile::tempdir().expect("tempdir"),
    };
    let (src, dst) = (trees.path().join("src"), trees.path().join("dst"));
    for i in 0..files {
        let f = src.join(rel(i));
        std::fs::create_dir_all(f.parent().expect("parent")).expect("mkdir");
        std::fs::write(&f, format!("file {i}\n").repeat(10)).expect("write");
    }
    let conf = dir.path().join("rclone.conf");
    std::fs::write(
        &conf,
        format!(
            "[src]\ntype = alias\nremote = {}\n\n[dst]\ntype = alias\nremote = {}\n",
            src.display(),
            dst.display()
        ),
    )
    .expect("conf");
    let rclone =
        locate_rclone(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")).expect("rclone: run scripts/setup.sh");

    let rcd_port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("port")
        .local_addr()
        .expect("addr")
        .port();
    let mut direct = Command::new(&rclone)
        .args([
            "rcd",
            "--rc-addr",
            &format!("127.0.0.1:{rcd_port}"),
            "--rc-user",
            "bench",
            "--rc-pass",
            "bench-pass",
            "--config",
        ])
        .arg(&conf)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("rcd");
    let direct_url = format!("http://127.0.0.1:{rcd_port}/");
    for _ in 0..100 {
        if reqwest::Client::new()
            .post(format!("{direct_url}rc/noop"))
            .basic_auth("bench", Some("bench-pass"))
            .json(&json!({}))
            .send()
            .await
            .is_ok()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let users = Users::open(&dir.path().join("rproxy.db")).await.expect("db");
    let (_, token) = users.add("bench", Role::Operator, &[]).await.expect("user");
    let sidecar = SidecarConfig {
        rclone_config: Some(conf.clone()),
        ..SidecarConfig::default()
    };
    let engine = Engine::start(
        BinaryLauncher { path: rclone.clone() },
        EngineConfig::new(dir.path().join("engine"), sidecar),
    )
    .await
    .expect("engine");
    engine
        .supervisor
        .wait_ready(Duration::from_secs(30))
        .await
        .expect("ready");
    let mut state = AppState::new(users, &engine).await.expect("state");
    state.limit = RateLimit::new(0.0, 1.0);
    let state = Arc::new(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let proxy_url = format!("http://{}/", listener.local_addr().expect("addr"));
    tokio::spawn({
        let state = state.clone();
        async move { axum::serve(listener, router(state)).await }
    });

    let (mut copy, mut per_call, mut queued, mut accepted, mut batched) = (vec![], vec![], vec![], vec![], vec![]);
    for round in 0..rounds {
        // baseline: rclone copy of the tree
        let t = Instant::now();
        let ok = Command::new(&rclone)
            .args(["copy", "src:", &format!("dst:copy{round}"), "--config"])
            .arg(&conf)
            .status()
            .expect("rclone copy")
            .success();
        copy.push(t.elapsed());
        assert!(
            ok && count_files(&dst.join(format!("copy{round}"))) == files,
            "rclone copy"
        );

        // the same calls straight to rcd
        let t = Instant::now();
        calls(
            &direct_url,
            "bench",
            "bench-pass",
            0..files,
            &format!("dst:direct{round}"),
            false,
        )
        .await;
        per_call.push(t.elapsed());
        assert_eq!(
            count_files(&dst.join(format!("direct{round}"))),
            files,
            "direct copyfile"
        );

        // through rproxy's queue, until every call's file is done
        let t = Instant::now();
        let ids = calls(
            &proxy_url,
            "bench",
            token.expose(),
            0..files,
            &format!("dst:queue{round}"),
            true,
        )
        .await;
        accepted.push(t.elapsed());
        assert_eq!(ids.len(), files);
        let deadline = Instant::now() + Duration::from_secs(3600);
        while state.queue.pending().await.expect("queue") > 0 && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        queued.push(t.elapsed());
        assert_eq!(
            count_files(&dst.join(format!("queue{round}"))),
            files,
            "queued copyfile"
        );

        // the same calls as job/batch requests of BATCH inputs, through the queue
        let t = Instant::now();
        batch_calls(&proxy_url, token.expose(), files, &format!("dst:batch{round}")).await;
        batched.push(t.elapsed());
        assert_eq!(
            count_files(&dst.join(format!("batch{round}"))),
            files,
            "job/batch copyfile"
        );
    }
    let median = |v: &mut Vec<Duration>| {
        v.sort();
        v.get(v.len() / 2).copied().unwrap_or_default()
    };
    let (copy, per_call, queued, accepted, batched) = (
        median(&mut copy),
        median(&mut per_call),
        median(&mut queued),
        median(&mut accepted),
        median(&mut batched),
    );
    let batches = engine.store.list().await.expect("batches").len();

    // synchronous calls through the queue, on a tenth of the files, against direct calls
    let sync_n = if rounds == 0 { files } else { (files / 10).max(1) };
    let t = Instant::now();
    calls(&proxy_url, "bench", token.expose(), 0..sync_n, "dst:sync", false).await;
    let sync = t.elapsed();
    assert_eq!(count_files(&dst.join("sync")), sync_n, "sync queued copyfile");

    // the same number of synchronous calls straight to rcd, when the rounds did not time them
    let per_call = if rounds == 0 {
        let t = Instant::now();
        calls(&direct_url, "bench", "bench-pass", 0..files, "dst:sync-direct", false).await;
        t.elapsed()
    } else {
        per_call
    };
    let s = |d: Duration| d.as_secs_f64();
    if rounds > 0 {
        println!("{files} small files, {CLIENTS} clients, median of {rounds} rounds");
        println!("  rclone copy of the tree (baseline)     {:>8.2} s  1.00x", s(copy));
        println!(
            "  copyfile calls straight to rcd         {:>8.2} s  {:.2}x",
            s(per_call),
            s(per_call) / s(copy)
        );
        println!(
        "  copyfile _async through rproxy's queue {:>8.2} s  {:.2}x  (all accepted after {:.2} s; {batches} engine batches in all rounds)",
        s(queued),
        s(queued) / s(copy),
        s(accepted)
    );
        println!(
            "  the same calls as job/batch of {BATCH}     {:>8.2} s  {:.2}x",
            s(batched),
            s(batched) / s(copy)
        );
    }
    let direct_rate = if rounds == 0 { sync_n } else { files } as f64 / s(per_call);
    let sync_rate = sync_n as f64 / s(sync);
    println!(
        "  synchronous copyfile through the queue: {sync_rate:.0} calls/s vs {direct_rate:.0} calls/s direct ({:.2}x)",
        sync_rate / direct_rate
    );
    engine.shutdown().await;
    let _ = direct.kill();
    let _ = direct.wait();
}
