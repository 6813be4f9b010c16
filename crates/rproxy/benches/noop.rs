//! `rc/noop` through rproxy (auth, policy, audit, forwarding over rcd's unix socket) against
//! rcd directly with `--rc-user/--rc-pass` on TCP, at 1 and 16 connections, in the same run;
//! only ratios and differences are reported (the machine is noisy).
//!
//!     cargo bench -p rproxy --bench noop [-- seconds rounds]

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

/// Requests answered, latencies (only kept at one connection) and CPU seconds of this process.
struct Run {
    rps: f64,
    p50: Duration,
    cpu_per_req: Duration,
}

fn cpu_now() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat.rsplit(')').next().unwrap_or("").split_whitespace().collect();
    let ticks: u64 = fields.get(11).and_then(|u| u.parse().ok()).unwrap_or(0)
        + fields.get(12).and_then(|s| s.parse().ok()).unwrap_or(0);
    Duration::from_millis(ticks * 10)
}

async fn load(url: &str, user: &str, pass: &str, conns: usize, secs: u64) -> Run {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(conns)
        .build()
        .expect("client");
    let end = Instant::now() + Duration::from_secs(secs);
    let cpu0 = cpu_now();
    let mut tasks = vec![];
    for _ in 0..conns {
        let (client, url, user, pass) = (
            client.clone(),
            format!("{url}rc/noop"),
            user.to_owned(),
            pass.to_owned(),
        );
        tasks.push(tokio::spawn(async move {
            let mut lat = vec![];
            while Instant::now() < end {
                let t = Instant::now();
                let r = client
                    .post(&url)
                    .basic_auth(&user, Some(&pass))
                    .json(&serde_json::json!({}))
                    .send()
                    .await
                    .expect("request");
                assert!(r.status().is_success(), "{}", r.status());
                r.bytes().await.expect("body");
                lat.push(t.elapsed());
            }
            lat
        }));
    }
    let mut all = vec![];
    for t in tasks {
        all.extend(t.await.expect("task"));
    }
    let cpu = cpu_now() - cpu0;
    all.sort();
    let n = all.len().max(1);
    Run {
        rps: n as f64 / secs as f64,
        p50: all[n / 2],
        cpu_per_req: cpu / n as u32,
    }
}

fn main() {
    let args: Vec<u64> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let secs = args.first().copied().unwrap_or(3);
    let rounds = args.get(1).copied().unwrap_or(3) as usize;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(run(secs, rounds));
}

async fn run(secs: u64, rounds: usize) {
    let dir = tempfile::tempdir().expect("tempdir");
    let rclone =
        locate_rclone(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")).expect("rclone: run scripts/setup.sh");
    // the baseline: rcd with basic auth on TCP
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("port")
        .local_addr()
        .expect("addr")
        .port();
    let mut direct = Command::new(&rclone)
        .args([
            "rcd",
            "--rc-addr",
            &format!("127.0.0.1:{port}"),
            "--rc-user",
            "bench",
            "--rc-pass",
            "bench-pass",
            "--config",
            "/dev/null",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("rcd");
    let direct_url = format!("http://127.0.0.1:{port}/");
    // rproxy over its own supervised rcd, rate limit off for the measurement
    let users = Users::open(&dir.path().join("rproxy.db")).await.expect("db");
    let (_, token) = users.add("bench", Role::Operator, &[]).await.expect("user");
    let engine = Engine::start(
        BinaryLauncher { path: rclone },
        EngineConfig::new(dir.path().join("engine"), SidecarConfig::default()),
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
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let proxy_url = format!("http://{}/", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, router(Arc::new(state))).await });
    // both answer before measuring
    for _ in 0..100 {
        if reqwest::Client::new()
            .post(format!("{direct_url}rc/noop"))
            .basic_auth("bench", Some("bench-pass"))
            .json(&serde_json::json!({}))
            .send()
            .await
            .is_ok()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    load(&proxy_url, "bench", token.expose(), 1, 1).await;
    load(&direct_url, "bench", "bench-pass", 1, 1).await;

    println!("rc/noop, {secs} s per run, median of {rounds} rounds (alternating order)");
    for conns in [1usize, 16] {
        let (mut via, mut base) = (vec![], vec![]);
        for round in 0..rounds {
            for which in if round % 2 == 0 { [0, 1] } else { [1, 0] } {
                if which == 0 {
                    via.push(load(&proxy_url, "bench", token.expose(), conns, secs).await);
                } else {
                    base.push(load(&direct_url, "bench", "bench-pass", conns, secs).await);
                }
            }
        }
        let med = |v: &mut Vec<Run>| {
            v.sort_by(|a, b| a.rps.total_cmp(&b.rps));
            v.remove(v.len() / 2)
        };
        let (v, b) = (med(&mut via), med(&mut base));
        println!(
            "  {conns:>2} connection(s): rproxy {:>7.0} req/s, rcd {:>7.0} req/s, ratio {:.2}x; p50 {:.3} ms vs {:.3} ms (+{:.3} ms); this process's CPU per request {:.0} us vs {:.0} us",
            v.rps,
            b.rps,
            v.rps / b.rps,
            v.p50.as_secs_f64() * 1e3,
            b.p50.as_secs_f64() * 1e3,
            (v.p50.as_secs_f64() - b.p50.as_secs_f64()) * 1e3,
            v.cpu_per_req.as_secs_f64() * 1e6,
            b.cpu_per_req.as_secs_f64() * 1e6,
        );
    }
    engine.shutdown().await;
    let _ = direct.kill();
    let _ = direct.wait();
}
