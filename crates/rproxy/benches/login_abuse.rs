//! A login flood against the real `rproxy serve` binary (this build's profile: release under
//! `cargo bench`): 64 concurrent clients, each from its own loopback address, send 10,000 wrong logins (wrong tokens for real users
//! and made-up user names, over fresh and kept-alive connections) while a valid, cached user
//! keeps calling `rc/noop`. Reported: the server's peak and final RSS, how the flood was
//! answered (401 after a verification, 429 from the limits), and the valid user's latency
//! during the flood as a ratio to its latency measured just before it in the same run.
//!
//!     cargo bench -p rproxy --bench login_abuse [-- attempts clients]

// A benchmark program: its report on stdout is its output.
#![allow(clippy::print_stdout, clippy::unwrap_used)]

use std::{
    io::BufRead,
    process::{Command, Stdio},
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

fn rss_kib(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

fn pct(sorted: &[Duration], p: f64) -> Duration {
    sorted
        .get(((sorted.len() as f64 - 1.0) * p).round() as usize)
        .copied()
        .unwrap_or_default()
}

/// Calls `rc/noop` as `user` until `stop`, one at a time; the latencies.
async fn valid_user(url: String, token: String, stop: Arc<std::sync::atomic::AtomicBool>) -> Vec<Duration> {
    let http = reqwest::Client::new();
    let mut lat = vec![];
    while !stop.load(Ordering::SeqCst) {
        let t = Instant::now();
        let r = http
            .post(format!("{url}rc/noop"))
            .basic_auth("admin", Some(&token))
            .json(&serde_json::json!({}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        lat.push(t.elapsed());
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    lat.sort();
    lat
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect();
    let attempts: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(10_000);
    let clients: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(64);
    let rclone = rcmd_core::sidecar::locate_rclone(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."))
        .expect("rclone in bin/");
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = Command::new(env!("CARGO_BIN_EXE_rproxy"))
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .env("RPROXY_DATA_DIR", dir.path())
        .env("RCMD_RCLONE", &rclone)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let pid = server.id();
    let mut lines = std::io::BufReader::new(server.stdout.take().unwrap()).lines();
    lines.next();
    let token = lines.next().unwrap().unwrap();
    let url = format!("http://127.0.0.1:{port}/");
    let http = reqwest::Client::new();
    let t = Instant::now();
    while http
        .post(format!("{url}rc/noop"))
        .basic_auth("admin", Some(&token))
        .json(&serde_json::json!({}))
        .send()
        .await
        .map(|r| r.status() != 200)
        .unwrap_or(true)
    {
        assert!(t.elapsed() < Duration::from_secs(60), "rproxy did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let rss_idle = rss_kib(pid, "VmRSS:");
    // the valid user alone: the baseline
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let base = tokio::spawn(valid_user(url.clone(), token.clone(), stop.clone()));
    tokio::time::sleep(Duration::from_secs(3)).await;
    stop.store(true, Ordering::SeqCst);
    let base = base.await.unwrap();
    // the flood, with the valid user going on
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let during = tokio::spawn(valid_user(url.clone(), token.clone(), stop.clone()));
    let next = Arc::new(AtomicUsize::new(0));
    let (unauthorized, limited, other) = (
        Arc::new(AtomicUsize::new(0)),
        Arc::new(AtomicUsize::new(0)),
        Arc::new(AtomicUsize::new(0)),
    );
    let admin_id = token.split('_').nth(1).unwrap().to_owned();
    let started = Instant::now();
    let workers: Vec<_> = (0..clients)
        .map(|c| {
            let (url, next, unauthorized, limited, other, admin_id) = (
                url.clone(),
                next.clone(),
                unauthorized.clone(),
                limited.clone(),
                other.clone(),
                admin_id.clone(),
            );
            tokio::spawn(async move {
                // each client from its own loopback address (127.0.0.2, ...), so the per-address
                // limit lets each run its 20 verifications: argon2 runs under real concurrency;
                // half the clients keep their connection, half open a new one per attempt
                let from = std::net::IpAddr::from([127, 0, (c / 250) as u8, (c % 250 + 2) as u8]);
                let client = || reqwest::Client::builder().local_address(from).build().unwrap();
                let keep = client();
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    if i >= attempts {
                        break;
                    }
                    let (user, pass) = match i % 3 {
                        0 => ("admin".to_owned(), format!("rpx_{admin_id}_wrong{i}")),
                        1 => (format!("nobody{i}"), format!("rpx_{i}_x")),
                        _ => ("admin".to_owned(), "not-a-token".to_owned()),
                    };
                    let http = if c % 2 == 0 { keep.clone() } else { client() };
                    match http
                        .post(format!("{url}rc/noop"))
                        .basic_auth(&user, Some(&pass))
                        .json(&serde_json::json!({}))
                        .send()
                        .await
                        .map(|r| r.status().as_u16())
                    {
                        Ok(401) => unauthorized.fetch_add(1, Ordering::SeqCst),
                        Ok(429) => limited.fetch_add(1, Ordering::SeqCst),
                        _ => other.fetch_add(1, Ordering::SeqCst),
                    };
                }
            })
        })
        .collect();
    let sampler = {
        let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let d = done.clone();
        let h = tokio::spawn(async move {
            let mut peak = 0;
            while !d.load(Ordering::SeqCst) {
                peak = peak.max(rss_kib(pid, "VmRSS:"));
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            peak
        });
        (done, h)
    };
    for w in workers {
        w.await.unwrap();
    }
    let flood = started.elapsed();
    stop.store(true, Ordering::SeqCst);
    let during = during.await.unwrap();
    sampler.0.store(true, Ordering::SeqCst);
    let peak = sampler.1.await.unwrap();
    let hwm = rss_kib(pid, "VmHWM:");
    let rss_after = rss_kib(pid, "VmRSS:");
    let _ = Command::new("kill").args(["-TERM", &pid.to_string()]).status();
    let _ = server.wait();
    println!(
        "login flood: {attempts} wrong logins from {clients} concurrent clients in {:.1} s ({:.0}/s)",
        flood.as_secs_f64(),
        attempts as f64 / flood.as_secs_f64()
    );
    println!(
        "  answered: {} x 401 (verified), {} x 429 (limited, no verification), {} other",
        unauthorized.load(Ordering::SeqCst),
        limited.load(Ordering::SeqCst),
        other.load(Ordering::SeqCst)
    );
    println!(
        "  server RSS: idle {} MiB, peak sampled {} MiB, high-water mark {} MiB, after {} MiB",
        rss_idle / 1024,
        peak / 1024,
        hwm / 1024,
        rss_after / 1024
    );
    let (b50, b99, d50, d99) = (pct(&base, 0.5), pct(&base, 0.99), pct(&during, 0.5), pct(&during, 0.99));
    println!(
        "  valid cached user: {} calls before (p50 {:.2} ms, p99 {:.2} ms), {} during (p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms): p50 ratio {:.2}x, p99 ratio {:.2}x",
        base.len(),
        b50.as_secs_f64() * 1e3,
        b99.as_secs_f64() * 1e3,
        during.len(),
        d50.as_secs_f64() * 1e3,
        d99.as_secs_f64() * 1e3,
        during.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
        d50.as_secs_f64() / b50.as_secs_f64().max(1e-9),
        d99.as_secs_f64() / b99.as_secs_f64().max(1e-9),
    );
}
