//! Three `rproxy serve` processes on one PostgreSQL (each with its own rclone and data folder),
//! 3,000 `_async` copyfile calls sent round-robin to all three; once the copying is under way
//! the instance holding the most running calls is `kill -9`ed. The others take its groups over
//! and every call completes: each file at the destination once with the right content, every
//! job finished successfully, `job/status` of a job answered by an instance that did not take
//! it, and an event stream that followed the killed instance continues on another with
//! `Last-Event-ID`: no gap, no duplicate.
//!
//! It needs no environment of its own (it starts its PostgreSQL), so it runs once: in the
//! SQLite pass of the suite, not again in the `RPROXY_TEST_DB=postgres` pass.

#![allow(clippy::unwrap_used)]

mod common;

use std::{
    path::Path,
    process::Command,
    time::{Duration, Instant},
};

use common::{fleet, pg::Pg};
use futures_util::StreamExt;
use serde_json::{json, Value};

const FILES: usize = 3000;

/// Reads SSE frames with ids from `resp` into `ids` until the stream ends or `until` is seen.
async fn read_ids(resp: reqwest::Response, ids: &mut Vec<i64>, until: Option<i64>, within: Duration) {
    let mut body = resp.bytes_stream();
    let mut text = String::new();
    let end = tokio::time::Instant::now() + within;
    loop {
        if until.is_some_and(|u| ids.last().is_some_and(|l| *l >= u)) {
            return;
        }
        let chunk = match tokio::time::timeout_at(end, body.next()).await {
            Ok(Some(Ok(c))) => c,
            // the instance died (or the stream ended)
            Ok(Some(Err(_))) | Ok(None) => return,
            Err(_) => panic!(
                "no event for {within:?}; last id {:?}, waiting for {until:?}",
                ids.last()
            ),
        };
        text.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(i) = text.find("\n\n") {
            let frame: String = text.drain(..i + 2).collect();
            if let Some(id) = frame.lines().find_map(|l| l.strip_prefix("id: ")) {
                ids.push(id.parse().unwrap());
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_instances_one_killed_every_call_done_once_and_events_follow() {
    if std::env::var("RPROXY_TEST_DB").as_deref() == Ok("postgres") {
        eprintln!("runs once, in the suite's SQLite pass (it starts its own PostgreSQL)");
        return;
    }
    let pg = Pg::start().await;
    let db = pg.pool(4).await;
    let dir = tempfile::tempdir().unwrap();
    let (_, dst, conf) = fleet::tree(dir.path(), FILES);
    let http = reqwest::Client::new();
    let (mut servers, token) = fleet::start(
        &http,
        Path::new(env!("CARGO_BIN_EXE_rproxy")),
        &common::rclone(),
        &pg.url,
        dir.path(),
        &conf,
        3,
    )
    .await;
    let ports: Vec<u16> = servers.iter().map(|s| s.port).collect();
    let pids: Vec<u32> = servers.iter().map(|s| s.child.id()).collect();

    // an event stream on every instance, from the start of the log
    let mut streams = vec![];
    for port in &ports {
        let resp = http
            .get(format!("http://127.0.0.1:{port}/rproxy/events"))
            .basic_auth("admin", Some(&token))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        streams.push(tokio::spawn(async move {
            let mut ids = vec![];
            read_ids(resp, &mut ids, None, Duration::from_secs(600)).await;
            ids
        }));
    }

    let count = |sql: &'static str| {
        let db = db.clone();
        async move { sqlx::query_scalar::<_, i64>(sql).fetch_one(&db).await.unwrap() }
    };
    // kill -9 (by its pid) the instance holding the most running calls once 300 calls are
    // done, while calls are still arriving
    let killer = {
        let (db, pids) = (db.clone(), pids.clone());
        tokio::spawn(async move {
            let end = Instant::now() + Duration::from_secs(120);
            loop {
                let held: Vec<(String, i64)> = sqlx::query_as(
                    "SELECT g.owner, COUNT(*) FROM queue q JOIN queue_groups g ON q.group_id = g.id WHERE q.state = 'running' GROUP BY g.owner ORDER BY COUNT(*) DESC",
                )
                .fetch_all(&db)
                .await
                .unwrap();
                let done: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM queue WHERE state = 'done'")
                    .fetch_one(&db)
                    .await
                    .unwrap();
                let target = held.iter().find_map(|(owner, n)| {
                    let pid: u32 = owner.rsplit(':').nth(1)?.parse().ok()?;
                    pids.iter().position(|p| *p == pid).map(|i| (i, *n))
                });
                if let (Some((i, n)), true) = (target, done >= 300) {
                    let killed = Command::new("kill")
                        .args(["-9", &pids[i].to_string()])
                        .status()
                        .unwrap();
                    assert!(killed.success());
                    eprintln!(
                        "killed instance {i} (pid {}) holding {n} running calls; {done} calls done before",
                        pids[i]
                    );
                    return (i, n, done);
                }
                assert!(
                    done < FILES as i64,
                    "every call finished before an instance could be killed mid-run"
                );
                assert!(Instant::now() < end, "no instance held running calls");
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
    };

    // 3,000 calls, round-robin over the instances, 24 at a time
    let t0 = Instant::now();
    let jobs = fleet::copy_calls(&http, &token, &ports, FILES, 24).await;
    assert_eq!(jobs.len(), FILES);
    let resent = jobs.values().filter(|(_, t)| *t > 1).count();
    eprintln!(
        "3 instances: {FILES} calls accepted in {:.1} s ({resent} sent again to another instance)",
        t0.elapsed().as_secs_f64()
    );
    let (victim, in_flight, done_at_kill) = killer.await.unwrap();
    servers[victim].child.wait().unwrap();
    assert!(done_at_kill < FILES as i64);
    let survivor = (victim + 1) % 3;

    // the killed instance's stream ended; the client goes on from its last id on a survivor
    let mut seen = streams.remove(victim).await.unwrap();
    let last = *seen.last().expect("the killed instance's stream sent nothing");
    let resumed = http
        .get(format!("http://127.0.0.1:{}/rproxy/events", ports[survivor]))
        .basic_auth("admin", Some(&token))
        .header("Last-Event-ID", last.to_string())
        .send()
        .await
        .unwrap();

    // every call ends, on the surviving instances
    let end = Instant::now() + Duration::from_secs(120);
    while count("SELECT COUNT(*) FROM queue WHERE state IN ('queued', 'running')").await > 0 {
        assert!(Instant::now() < end, "calls left unfinished after the kill");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let elapsed = t0.elapsed();
    assert_eq!(
        count("SELECT COUNT(*) FROM queue WHERE state = 'failed'").await,
        0,
        "failed calls"
    );
    // every accepted call (a call the killed instance accepted but could not answer was
    // sent again by the client: two calls) ended exactly once
    let accepted = count("SELECT COUNT(*) FROM queue").await;
    assert!(
        accepted >= FILES as i64 && accepted <= (FILES + resent) as i64,
        "accepted calls: {accepted}"
    );
    assert_eq!(count("SELECT COUNT(*) FROM queue WHERE state = 'done'").await, accepted);
    let finals: Vec<String> = sqlx::query_scalar("SELECT final FROM jobs WHERE queued AND final IS NOT NULL")
        .fetch_all(&db)
        .await
        .unwrap();
    assert_eq!(finals.len() as i64, accepted, "jobs without an end");
    assert!(
        finals
            .iter()
            .all(|f| serde_json::from_str::<Value>(f).unwrap()["success"] == json!(true)),
        "a job did not succeed"
    );
    // the destination: each file once, with its content, and nothing else
    let mut found = 0;
    for d in std::fs::read_dir(&dst).unwrap() {
        for f in std::fs::read_dir(d.unwrap().path()).unwrap() {
            let f = f.unwrap();
            let name = f.file_name().to_string_lossy().into_owned();
            let i: usize = name
                .strip_prefix('f')
                .and_then(|n| n.strip_suffix(".txt"))
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("stray file {name}"));
            assert_eq!(std::fs::read_to_string(f.path()).unwrap(), format!("file {i}\n"));
            found += 1;
        }
    }
    assert_eq!(found, FILES, "files at the destination");
    // a job taken by the killed instance, answered by a survivor
    let (_, (job, _)) = jobs
        .iter()
        .find(|(i, (_, tries))| *i % 3 == victim && *tries == 1)
        .unwrap();
    let r = http
        .post(format!("http://127.0.0.1:{}/job/status", ports[survivor]))
        .basic_auth("admin", Some(&token))
        .json(&json!({ "jobid": job }))
        .send()
        .await
        .unwrap();
    let status: Value = r.json().await.unwrap();
    assert_eq!(
        (status["finished"].clone(), status["success"].clone()),
        (json!(true), json!(true)),
        "{status}"
    );

    // the resumed stream: everything after the last id, up to the newest event, once
    let newest = count("SELECT MAX(id) FROM events").await;
    let mut after = vec![];
    read_ids(resumed, &mut after, Some(newest), Duration::from_secs(60)).await;
    seen.extend(after);
    let all: Vec<i64> = sqlx::query_scalar("SELECT id FROM events WHERE id <= $1 ORDER BY id")
        .bind(newest)
        .fetch_all(&db)
        .await
        .unwrap();
    let dups = seen.len() - seen.iter().collect::<std::collections::BTreeSet<_>>().len();
    assert_eq!(dups, 0, "duplicate events across the move");
    assert_eq!(
        seen, all,
        "the stream that moved instances has a gap or is out of order"
    );
    eprintln!(
        "3 instances, one killed: {FILES} calls done in {:.1} s ({:.0} calls/s); {in_flight} calls were running on the killed instance \
         (at most these could be copied twice), {done_at_kill} done before the kill; {} events followed across the move, 0 lost, 0 repeated",
        elapsed.as_secs_f64(),
        FILES as f64 / elapsed.as_secs_f64(),
        seen.len()
    );
    for s in streams {
        s.abort();
    }
    drop(servers);
}

/// An rclone job (not a queued call) started on instance A: instance B answers `job/status`
/// from A's snapshot while it runs, and `job/stop` asked on B stops it on A; a job whose
/// instance is `kill -9`ed reads as failed, with the reason, on B.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_rclone_job_is_seen_and_stopped_from_another_instance() {
    if std::env::var("RPROXY_TEST_DB").as_deref() == Ok("postgres") {
        eprintln!("runs once, in the suite's SQLite pass (it starts its own PostgreSQL)");
        return;
    }
    let pg = Pg::start().await;
    let dir = tempfile::tempdir().unwrap();
    let (src, _dst, conf) = common::fleet::src_dst(dir.path());
    for name in ["big1.bin", "big2.bin"] {
        std::fs::write(src.join(name), vec![7u8; 24 << 20]).unwrap();
    }
    let http = reqwest::Client::new();
    let (mut servers, token) = fleet::start(
        &http,
        Path::new(env!("CARGO_BIN_EXE_rproxy")),
        &common::rclone(),
        &pg.url,
        dir.path(),
        &conf,
        2,
    )
    .await;
    let b = servers.pop().unwrap();
    let mut a = servers.pop().unwrap();
    let call = |port: u16, path: &'static str, body: Value| fleet::call(&http, &token, port, path, body);
    // A's rclone copies at 1 MiB/s: a 24 MiB file takes long enough to watch and stop
    call(a.port, "core/bwlimit", json!({ "rate": "1M" })).await;
    let start = |name: &'static str| {
        call(
            a.port,
            "operations/copyfile",
            json!({ "srcFs": "src:", "srcRemote": name, "dstFs": "dst:", "dstRemote": format!("copy-{name}"), "_async": true }),
        )
    };
    let job = start("big1.bin").await["jobid"].as_i64().unwrap();
    let status_on_b = |job: i64| call(b.port, "job/status", json!({ "jobid": job }));
    // B answers from A's snapshot (A writes it every second): running
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_millis(700)).await;
        let s = status_on_b(job).await;
        assert_eq!(
            (s["finished"].clone(), s["id"].clone()),
            (json!(false), json!(job)),
            "{s}"
        );
    }
    let snapshot: Option<String> = sqlx::query_scalar("SELECT snapshot FROM jobs WHERE id = $1")
        .bind(job)
        .fetch_one(&pg.pool(1).await)
        .await
        .unwrap();
    assert!(
        snapshot.is_some_and(|s| s.contains("\"finished\":false")),
        "A keeps no snapshot"
    );
    // stopped from B: it ends on A, failed
    let asked = Instant::now();
    assert_eq!(call(b.port, "job/stop", json!({ "jobid": job })).await, json!({}));
    let end = Instant::now() + Duration::from_secs(20);
    let stopped = loop {
        let s = status_on_b(job).await;
        if s["finished"] == json!(true) {
            break s;
        }
        assert!(Instant::now() < end, "job/stop asked on B did not stop the job on A");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let stop_ms = asked.elapsed().as_millis();
    assert_eq!(stopped["success"], json!(false), "{stopped}");
    assert!(!stopped["error"].as_str().unwrap_or("").is_empty(), "{stopped}");
    // A dies with a job running: B reports it failed, with the reason
    let job2 = start("big2.bin").await["jobid"].as_i64().unwrap();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    a.child.kill().unwrap();
    a.child.wait().unwrap();
    let end = Instant::now() + Duration::from_secs(40);
    let gone = loop {
        let s = status_on_b(job2).await;
        if s["finished"] == json!(true) {
            break s;
        }
        assert!(
            Instant::now() < end,
            "the job of a killed instance still reads as running: {s}"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    };
    assert_eq!(gone["success"], json!(false));
    assert!(gone["error"].as_str().unwrap().contains("stopped"), "{gone}");
    eprintln!(
        "rclone job across instances: status from the snapshot; stopped from the other instance ({}), seen there as ended after {stop_ms} ms; after kill -9: {}",
        stopped["error"], gone["error"]
    );
}

/// A server batch (`rproxy/batch/*`) created on instance A: its id is from A's own range (B's
/// batches have other ids), B lists it and reports it from A's kept report, and `pause` and
/// `resume` asked on B are carried out on A; the batch completes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_batch_is_listed_and_steered_from_another_instance() {
    if std::env::var("RPROXY_TEST_DB").as_deref() == Ok("postgres") {
        eprintln!("runs once, in the suite's SQLite pass (it starts its own PostgreSQL)");
        return;
    }
    let pg = Pg::start().await;
    let dir = tempfile::tempdir().unwrap();
    let (src, _, conf) = fleet::tree(dir.path(), 0);
    for i in 0..4 {
        std::fs::write(src.join(format!("big{i}.bin")), vec![i as u8; 3 << 20]).unwrap();
    }
    std::fs::create_dir_all(src.join("small")).unwrap();
    std::fs::write(src.join("small/one.txt"), b"one").unwrap();
    let http = reqwest::Client::new();
    let (servers, token) = fleet::start(
        &http,
        Path::new(env!("CARGO_BIN_EXE_rproxy")),
        &common::rclone(),
        &pg.url,
        dir.path(),
        &conf,
        2,
    )
    .await;
    let (a, b) = (servers[0].port, servers[1].port);
    let call = |port: u16, path: &'static str, body: Value| fleet::call(&http, &token, port, path, body);
    // A copies at 1 MiB/s: 12 MiB take long enough to steer the batch from B
    call(a, "core/bwlimit", json!({ "rate": "1M" })).await;
    let on_a = call(a, "rproxy/batch/create", json!({ "kind": "copy", "srcFs": "src:", "dstFs": "dst:big", "names": ["big0.bin", "big1.bin", "big2.bin", "big3.bin"] })).await;
    let on_b = call(
        b,
        "rproxy/batch/create",
        json!({ "kind": "copy", "srcFs": "src:small", "dstFs": "dst:small" }),
    )
    .await;
    let (ida, idb) = (on_a["id"].as_i64().unwrap(), on_b["id"].as_i64().unwrap());
    assert!(
        ida >> 32 >= 1 && idb >> 32 >= 1 && ida >> 32 != idb >> 32,
        "ids from the same range: {ida} {idb}"
    );
    // B lists both, A's from A's report
    let listed = call(b, "rproxy/batch/list", json!({})).await;
    let ids: Vec<i64> = listed["batches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["id"].as_i64().unwrap())
        .collect();
    assert!(ids.contains(&ida) && ids.contains(&idb), "{listed}");
    let report = call(b, "rproxy/batch/get", json!({ "id": ida })).await;
    assert_eq!(report["batch"]["id"], json!(ida), "{report}");
    // paused from B, seen paused on A
    let paused = call(b, "rproxy/batch/pause", json!({ "id": ida })).await;
    assert_eq!(paused["status"], json!("paused"), "{paused}");
    let seen = call(a, "rproxy/batch/get", json!({ "id": ida })).await;
    assert_eq!(seen["batch"]["status"], json!("paused"), "{seen}");
    // resumed from B: it completes on A, and B's report says so
    let resumed = call(b, "rproxy/batch/resume", json!({ "id": ida })).await;
    assert_eq!(resumed["status"], json!("running"), "{resumed}");
    let end = Instant::now() + Duration::from_secs(90);
    let done = loop {
        let r = call(b, "rproxy/batch/get", json!({ "id": ida })).await;
        if r["batch"]["status"] != json!("running") {
            break r;
        }
        assert!(Instant::now() < end, "the batch resumed from B did not end: {r}");
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    assert_eq!(done["batch"]["status"], json!("completed"), "{done}");
    assert_eq!(done["batch"]["counts"]["done"], json!(4), "{done}");
    for i in 0..4 {
        assert_eq!(
            std::fs::read(dir.path().join(format!("dst/big/big{i}.bin")))
                .unwrap()
                .len(),
            3 << 20
        );
    }
    eprintln!("server batch {ida} created on A, paused and resumed from B, completed; B's own batch {idb}");
    drop(servers);
}
