//! The Rust-side event follower (`rcmd_core::rproxy_client::events::follow`, what the app uses in
//! remote mode) against a real rproxy that crashes and comes back on the same port: the
//! follower reports the outage, reconnects by itself with `Last-Event-ID`, and receives every
//! stored event it may see exactly once: none lost across the restart, none repeated.

#![allow(clippy::unwrap_used)]

mod common;

use std::{collections::BTreeSet, time::Duration};

use common::{server_on, Proxy};
use rcmd_core::rproxy_client::events::{follow, Followed, Start};
use tokio_util::sync::CancellationToken;

async fn async_job(http: &reqwest::Client, url: &str, token: &str) -> i64 {
    let v: serde_json::Value = http
        .post(format!("{url}rc/noop"))
        .basic_auth("oper", Some(token))
        .json(&serde_json::json!({ "_async": true }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    v["jobid"].as_i64().unwrap()
}

/// Reads followed items until `done` says so (20 s at most).
async fn until(
    rx: &mut tokio::sync::mpsc::Receiver<Followed>,
    seen: &mut Vec<Followed>,
    done: impl Fn(&[Followed]) -> bool,
) {
    let end = tokio::time::Instant::now() + Duration::from_secs(20);
    while !done(seen) {
        let item = tokio::time::timeout_at(end, rx.recv())
            .await
            .expect("the follower went quiet")
            .expect("the follower stopped");
        seen.push(item);
    }
}

fn finished(seen: &[Followed]) -> BTreeSet<i64> {
    seen.iter()
        .filter_map(|f| match f {
            Followed::Event(e) if e.kind == "job_finished" => e.data["id"].as_i64(),
            _ => None,
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_follower_resumes_after_a_server_crash_without_losing_events() {
    let p = Proxy::start().await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}/");
    let token = p.tokens["oper"].expose().to_owned();
    let http = reqwest::Client::new();
    let first = server_on(&p, port);
    let rc = rcmd_core::rc::RcClient::for_server(url.parse().unwrap(), ("oper".into(), p.tokens["oper"].clone()), None)
        .unwrap();
    let stop = CancellationToken::new();
    let mut rx = follow(rc, Start::Kept, stop.clone());
    let mut seen = vec![];
    until(&mut rx, &mut seen, |s| {
        s.iter().any(|f| matches!(f, Followed::Connected { .. }))
    })
    .await;

    // two jobs while connected
    let (a, b) = (
        async_job(&http, &url, &token).await,
        async_job(&http, &url, &token).await,
    );
    until(&mut rx, &mut seen, |s| finished(s).is_superset(&[a, b].into())).await;

    // the server dies; three jobs run (through another server on the same database)
    first.shutdown_background();
    until(&mut rx, &mut seen, |s| {
        s.iter().any(|f| matches!(f, Followed::Offline { .. }))
    })
    .await;
    let mut missed = BTreeSet::new();
    for _ in 0..3 {
        missed.insert(async_job(&http, &p.url, &token).await);
    }
    tokio::time::sleep(Duration::from_millis(2500)).await; // the watch records their ends

    // it comes back on the same port: the follower reconnects by itself and catches up
    let restarted = std::time::Instant::now();
    let before = seen.len();
    let second = server_on(&p, port);
    until(&mut rx, &mut seen, |s| {
        s[before..].iter().any(|f| matches!(f, Followed::Connected { .. }))
    })
    .await;
    let reconnect = restarted.elapsed();
    until(&mut rx, &mut seen, |s| finished(s).is_superset(&missed)).await;
    let c = async_job(&http, &url, &token).await;
    until(&mut rx, &mut seen, |s| finished(s).contains(&c)).await;

    // exactly the stored events oper may see, each once, in order
    let ids: Vec<i64> = seen
        .iter()
        .filter_map(|f| match f {
            Followed::Event(e) => e.id,
            _ => None,
        })
        .collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "ids repeat or go back: {ids:?}");
    let stored: Vec<i64> = rproxy::on_pool!(&p.db, db => {
        let oper: i64 = sqlx::query_scalar("SELECT id FROM users WHERE name = 'oper'").fetch_one(db).await.unwrap();
        sqlx::query_scalar("SELECT id FROM events WHERE id >= $1 AND id <= $2 AND (user_id IS NULL OR user_id = $3) ORDER BY id")
            .bind(ids[0])
            .bind(*ids.last().unwrap())
            .bind(oper)
            .fetch_all(db)
            .await
            .unwrap()
    });
    assert_eq!(ids, stored, "events lost or extra across the restart");
    let outage = seen
        .iter()
        .rev()
        .find_map(|f| match f {
            Followed::Connected { after } => Some(*after),
            _ => None,
        })
        .unwrap();
    eprintln!(
        "follower: {} events, 0 lost, 0 repeated; reconnected {:.0} ms after the server came back (down {:.1} s)",
        ids.len(),
        reconnect.as_secs_f64() * 1e3,
        outage.as_secs_f64()
    );
    stop.cancel();
    second.shutdown_background();
    p.engine.shutdown().await;
}

/// A link started "from now" replays nothing older than its first connection, then hands on
/// a server batch's stored state changes and its transient progress frames, and the link's
/// health says connected.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_link_from_now_sees_a_server_batch_state_and_progress() {
    use rcmd_core::rproxy_client::{
        batches,
        events::Start,
        link::{Health, Link},
    };
    let p = Proxy::start().await;
    let data = p.dir.path().join("data/tree");
    for i in 0..40 {
        std::fs::create_dir_all(&data).unwrap();
        std::fs::write(data.join(format!("f{i:02}.bin")), vec![7u8; 4096]).unwrap();
    }
    let rc =
        rcmd_core::rc::RcClient::for_server(p.url.parse().unwrap(), ("oper".into(), p.tokens["oper"].clone()), None)
            .unwrap();
    // something older, which "from now" must not replay
    let http = reqwest::Client::new();
    let old = async_job(&http, &p.url, p.tokens["oper"].expose()).await;
    p.job_end("oper", old, Duration::from_secs(10)).await;
    let (link, mut rx) = Link::start("t", rc.clone(), Start::Now);
    let mut seen = vec![];
    until(&mut rx, &mut seen, |s| {
        s.iter().any(|f| matches!(f, Followed::Connected { .. }))
    })
    .await;
    assert_eq!(link.health(), Health::Connected);
    let (status, _) = (p.rc("admin", &["core/bwlimit", "rate=20k"]).await.status, ());
    assert!(status.success());
    let info = batches::create(
        &rc,
        rcmd_core::types::BatchKind::Copy,
        "local:tree",
        Some("other:copy"),
        &[],
        Default::default(),
    )
    .await
    .unwrap();
    let ended = |s: &[Followed]| {
        s.iter().any(|f| matches!(f, Followed::Event(e) if e.kind == "batch_state" && e.data["id"].as_i64() == Some(info.id) && e.data["status"] == "completed"))
    };
    let end = tokio::time::Instant::now() + Duration::from_secs(60);
    while !ended(&seen) {
        seen.push(
            tokio::time::timeout_at(end, rx.recv())
                .await
                .expect("the batch did not end")
                .unwrap(),
        );
    }
    let kinds: Vec<&str> = seen
        .iter()
        .filter_map(|f| {
            if let Followed::Event(e) = f {
                Some(e.kind.as_str())
            } else {
                None
            }
        })
        .collect();
    assert!(
        !finished(&seen).contains(&old),
        "an event from before the link was replayed: {kinds:?}"
    );
    assert!(kinds.contains(&"batch_progress"), "no progress frame: {kinds:?}");
    let progress = seen.iter().find_map(|f| match f {
        Followed::Event(e) if e.kind == "batch_progress" => {
            serde_json::from_value::<rcmd_core::types::BatchProgress>(e.data.clone()).ok()
        }
        _ => None,
    });
    assert_eq!(progress.map(|p| (p.id, p.items_total)), Some((info.id, 40)));
    // files are counted as they land, not when their chunk has been verified
    let done: Vec<u64> = seen
        .iter()
        .filter_map(|f| match f {
            Followed::Event(e) if e.kind == "batch_progress" => e.data["items_done"].as_u64(),
            _ => None,
        })
        .collect();
    assert!(
        done.iter().any(|d| *d > 0 && *d < 40),
        "the progress frames counted no file until the end: {done:?}"
    );
    link.stop();
}

/// A follower resuming from an id of another event store (the server was reinstalled and its
/// ids started again) starts from now instead, so new events are not hidden below the old id;
/// resuming in the same store replays what came after the id.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_old_id_of_another_store_is_not_trusted() {
    let p = Proxy::start().await;
    let rc =
        rcmd_core::rc::RcClient::for_server(p.url.parse().unwrap(), ("oper".into(), p.tokens["oper"].clone()), None)
            .unwrap();
    let http = reqwest::Client::new();
    let store_of = |seen: &[Followed]| {
        seen.iter().find_map(|f| {
            if let Followed::Store { store, from } = f {
                Some((store.clone(), *from))
            } else {
                None
            }
        })
    };

    // another store's id, far above this server's ids
    let stop = CancellationToken::new();
    let mut rx = follow(
        rc.clone(),
        Start::After {
            id: 1_000_000,
            store: Some("another-store".into()),
        },
        stop.clone(),
    );
    let mut seen = vec![];
    until(&mut rx, &mut seen, |s| {
        s.iter().any(|f| matches!(f, Followed::Connected { .. }))
    })
    .await;
    let (store, from) = store_of(&seen).expect("the store was not told");
    assert!(from < 1_000_000, "started from the old id {from}");
    let job = async_job(&http, &p.url, p.tokens["oper"].expose()).await;
    until(&mut rx, &mut seen, |s| finished(s).contains(&job)).await;
    stop.cancel();

    // the same store: what came after the id is replayed
    let stop = CancellationToken::new();
    let mut rx = follow(
        rc,
        Start::After {
            id: from,
            store: Some(store.clone()),
        },
        stop.clone(),
    );
    let mut again = vec![];
    until(&mut rx, &mut again, |s| finished(s).contains(&job)).await;
    assert_eq!(store_of(&again), Some((store, from)));
    stop.cancel();
}
