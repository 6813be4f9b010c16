//! The server's own notifications: with a webhook configured (its URL a secret in the data
//! folder), the end of a user's server batch is posted to a real HTTP receiver on loopback;
//! the queue's internal engine batches (20 queued copyfile calls) are not news.

#![allow(clippy::unwrap_used)]

mod common;

use std::{
    io::{Read, Write},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use common::Proxy;
use rcmd_core::{
    notify::settings::{NotifySettings, KEY_WEBHOOK_URL},
    rproxy_client::batches,
    secret::Secret,
    types::BatchKind,
};

/// A webhook receiver: every request's body, answered 200.
fn receiver() -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let s2 = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(64).flatten() {
            let mut s = stream;
            s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
            let mut buf = Vec::new();
            let mut chunk = [0u8; 8192];
            // headers, then as much body as Content-Length says
            loop {
                let n = s.read(&mut chunk).unwrap_or(0);
                if n == 0 {
                    break;
                }
                buf.extend_from_slice(&chunk[..n]);
                let text = String::from_utf8_lossy(&buf).to_string();
                if let Some((head, body)) = text.split_once("\r\n\r\n") {
                    let len = head
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length:")
                                .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                        })
                        .unwrap_or(0);
                    if body.len() >= len {
                        s2.lock().unwrap().push(body.to_owned());
                        break;
                    }
                }
            }
            let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        }
    });
    (port, seen)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_batch_end_is_posted_and_queue_batches_are_not() {
    let p = Proxy::start().await;
    let tree = p.dir.path().join("data/tree");
    std::fs::create_dir_all(&tree).unwrap();
    for i in 0..30 {
        std::fs::write(tree.join(format!("f{i:02}.bin")), vec![3u8; 1024]).unwrap();
    }
    let (port, seen) = receiver();
    let secrets = rproxy::notify::secrets(&p.dir.path().join("server-data"));
    std::fs::create_dir_all(p.dir.path().join("server-data")).unwrap();
    secrets
        .set(
            KEY_WEBHOOK_URL,
            Some(&Secret::new(format!("http://127.0.0.1:{port}/hook"))),
        )
        .unwrap();
    let mut settings = NotifySettings::default();
    settings.webhook.toggle.enabled = true;
    let notifier = rproxy::notify::start(&settings, &secrets, &p.engine.bus, p.db.clone());

    // 20 copyfile calls in one job/batch, queued at once: the queue makes one engine batch of
    // them (more than 16), which must not notify
    let http = reqwest::Client::new();
    let inputs: Vec<serde_json::Value> = (0..20)
        .map(|i| serde_json::json!({ "_path": "operations/copyfile", "srcFs": "local:tree", "srcRemote": format!("f{i:02}.bin"), "dstFs": "other:q", "dstRemote": format!("f{i:02}.bin") }))
        .collect();
    let r = http
        .post(format!("{}job/batch", p.url))
        .basic_auth("oper", Some(p.tokens["oper"].expose()))
        .json(&serde_json::json!({ "inputs": inputs }))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{:?}", r.text().await);
    let queue_batches: i64 = rproxy::on_pool!(&p.db, db => sqlx::query_scalar("SELECT COUNT(*) FROM queue_groups WHERE batch_id IS NOT NULL").fetch_one(db).await.unwrap());
    assert_eq!(queue_batches, 1, "the queued calls did not make an engine batch");
    // a user's server batch
    let rc =
        rcmd_core::rc::RcClient::for_server(p.url.parse().unwrap(), ("oper".into(), p.tokens["oper"].clone()), None)
            .unwrap();
    let info = batches::create(
        &rc,
        BatchKind::Copy,
        "local:tree",
        Some("other:copy"),
        &[],
        Default::default(),
    )
    .await
    .unwrap();
    let end = Instant::now() + Duration::from_secs(60);
    loop {
        let posted = seen.lock().unwrap().clone();
        if posted
            .iter()
            .any(|b| b.contains(&format!("\"id\":{}", info.id)) || b.contains("local:tree → other:copy"))
        {
            break;
        }
        assert!(
            Instant::now() < end,
            "no notification for the server batch; posted: {posted:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // give the notifier time to send anything else
    tokio::time::sleep(Duration::from_secs(4)).await;
    let posted = seen.lock().unwrap().clone();
    let about_queue: Vec<&String> = posted
        .iter()
        .filter(|b| b.contains("rproxy-queue") || b.contains("other:q"))
        .collect();
    assert!(
        about_queue.is_empty(),
        "the queue's internal batch was notified: {about_queue:?}"
    );
    assert!(
        posted.iter().all(|b| !b.contains(&format!("127.0.0.1:{port}"))),
        "the webhook URL (a secret) is in a message"
    );
    notifier.stop();
}
