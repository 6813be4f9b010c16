//! Overhead of the resilience layer (breaker + retry + classification) on `rc/noop` against a
//! real rclone, with 1 and 16 concurrent callers, as a ratio to plain RC calls measured in the
//! same run. Rounds interleave, alternating which goes first, so machine noise hits both alike; the
//! reported figure is the median round.
//!
//!     cargo bench -p rcmd-core --bench resilience_overhead [-- calls_per_round rounds]

// A benchmark program: its report on stdout is its output.
#![allow(clippy::print_stdout)]

use std::{
    path::Path,
    sync::Arc,
    time::{Duration, Instant},
};

use rcmd_core::{
    events::EventBus,
    rc::{wire::Empty, RcClient},
    remote_path::RemoteName,
    resilience::layer::{ResilienceConfig, Resilient},
    sidecar::{locate_rclone, BinaryLauncher, SidecarConfig, Supervisor},
};
use serde_json::Value;
use tokio_util::sync::CancellationToken;

async fn plain(rc: RcClient, calls: usize) {
    for _ in 0..calls {
        let _: Value = rc.call("rc/noop", &Empty {}).await.expect("rc/noop");
    }
}

async fn layered(layer: Arc<Resilient>, calls: usize) {
    let remote = RemoteName::parse("bench").expect("name");
    let cancel = CancellationToken::new();
    for _ in 0..calls {
        let _: Value = layer
            .call(&[&remote], &cancel, |rc| async move {
                Ok(rc.call("rc/noop", &Empty {}).await?)
            })
            .await
            .expect("rc/noop through the layer");
    }
}

/// Runs `callers` tasks sharing `total` calls; returns the wall time.
async fn round<F, Fut>(callers: usize, total: usize, make: F) -> Duration
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let start = Instant::now();
    let tasks: Vec<_> = (0..callers).map(|_| tokio::spawn(make(total / callers))).collect();
    for t in tasks {
        t.await.expect("task");
    }
    start.elapsed()
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let args: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let calls = args.first().copied().unwrap_or(2000);
    let rounds = args.get(1).copied().unwrap_or(7);
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let rclone = locate_rclone(&workspace).expect("no rclone sidecar in bin/: run scripts/setup.sh");
    let dir = tempfile::tempdir().expect("tempdir");
    let conf = dir.path().join("rclone.conf");
    std::fs::write(&conf, "[bench]\ntype = memory\n").expect("config");
    let config = SidecarConfig {
        rclone_config: Some(conf),
        ..SidecarConfig::default()
    };
    let supervisor = Supervisor::start(BinaryLauncher { path: rclone }, config, EventBus::default());
    let rc = supervisor
        .wait_ready(Duration::from_secs(30))
        .await
        .expect("rclone ready");
    let layer = Arc::new(Resilient::new(
        Arc::new(rc.clone()),
        ResilienceConfig::default(),
        EventBus::default(),
    ));

    println!("rc/noop, {calls} calls per round, {rounds} rounds, median round:");
    for callers in [1usize, 16] {
        let (mut p, mut l) = (vec![], vec![]);
        // one warm-up round each
        round(callers, calls / 4, |n| plain(rc.clone(), n)).await;
        round(callers, calls / 4, |n| layered(layer.clone(), n)).await;
        for i in 0..rounds {
            // alternate which goes first, so warm-up and drift favour neither
            if i % 2 == 0 {
                p.push(round(callers, calls, |n| plain(rc.clone(), n)).await);
                l.push(round(callers, calls, |n| layered(layer.clone(), n)).await);
            } else {
                l.push(round(callers, calls, |n| layered(layer.clone(), n)).await);
                p.push(round(callers, calls, |n| plain(rc.clone(), n)).await);
            }
        }
        let (p, l) = (median(p), median(l));
        let rate = |d: Duration| calls as f64 / d.as_secs_f64();
        println!(
            "  {callers:>2} caller(s): plain {:>7.0} calls/s, with layer {:>7.0} calls/s, time ratio layer/plain = {:.3}",
            rate(p),
            rate(l),
            l.as_secs_f64() / p.as_secs_f64()
        );
    }
    supervisor.shutdown().await;
}
