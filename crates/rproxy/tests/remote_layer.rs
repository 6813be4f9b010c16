//! The app's layer over a server link (what the desktop app uses in remote mode): browsing,
//! usage, folder creation, a copied file (an async job through rproxy's job model) and a
//! deletion through rproxy; then the server dies: calls fail at once with "server offline,
//! retrying in N s", a listing seen before is served from the cache marked stale, and the
//! link recovers by itself when the server is back.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::{server_on, Proxy};
use rcmd_core::{
    events::EventBus,
    remote_path::{RemoteName, RemotePath},
    resilience::layer::{ResilienceConfig, Resilient},
    rproxy_client::{
        events::Start,
        link::{Health, Link},
    },
    Error,
};
use tokio_util::sync::CancellationToken;

async fn until_health(link: &Link, want: impl Fn(&Health) -> bool) {
    let mut w = link.watch();
    let reached = tokio::time::timeout(Duration::from_secs(20), w.wait_for(|h| want(h))).await;
    assert!(reached.is_ok(), "health did not change: still {:?}", link.health());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn file_work_through_a_server_link_and_an_outage() {
    let p = Proxy::start().await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}/");
    let first = server_on(&p, port);
    let rc = rcmd_core::rc::RcClient::for_server(url.parse().unwrap(), ("oper".into(), p.tokens["oper"].clone()), None)
        .unwrap();
    let (link, _events) = Link::start("srv", rc, Start::Now);
    until_health(&link, |h| *h == Health::Connected).await;
    let layer = Resilient::new(link.clone(), ResilienceConfig::default(), EventBus::default());
    let cancel = CancellationToken::new();

    let remotes = layer.list_remotes(&cancel).await.unwrap();
    assert_eq!(remotes, ["local", "other"]);
    let root = RemotePath::new("local", "").unwrap();
    let listed = layer.list(&root, &cancel).await.unwrap();
    assert!(
        listed.stale_ms.is_none() && listed.value.iter().any(|e| e.name == "hello.txt"),
        "{listed:?}"
    );
    let usage = layer
        .about(&RemoteName::parse("local").unwrap(), &cancel)
        .await
        .unwrap();
    assert!(usage.value.total.is_some() || usage.value.free.is_some(), "{usage:?}");
    layer
        .mkdir(&RemotePath::new("local", "made").unwrap(), &cancel)
        .await
        .unwrap();
    assert!(p.dir.path().join("data/made").is_dir());
    let (src, dst) = (
        RemotePath::new("local", "hello.txt").unwrap(),
        RemotePath::new("local", "made/copy.txt").unwrap(),
    );
    layer.copy_file(&src, &dst, &cancel).await.unwrap();
    assert_eq!(
        std::fs::read(p.dir.path().join("data/made/copy.txt")).unwrap(),
        b"hello"
    );
    layer.delete_file(&dst, &cancel).await.unwrap();
    assert!(!p.dir.path().join("data/made/copy.txt").exists());

    // the server dies
    first.shutdown_background();
    until_health(&link, |h| matches!(h, Health::Offline { .. })).await;
    let t = std::time::Instant::now();
    let err = layer
        .mkdir(&RemotePath::new("local", "again").unwrap(), &cancel)
        .await
        .unwrap_err();
    assert!(
        t.elapsed() < Duration::from_secs(1),
        "an offline server must fail fast, took {:?}",
        t.elapsed()
    );
    assert!(matches!(err, Error::ServerOffline { .. }), "{err}");
    assert!(
        err.to_string().contains("server srv offline") && err.to_string().contains("retrying in"),
        "{err}"
    );
    let stale = layer.list(&root, &cancel).await.unwrap();
    assert!(
        stale.stale_ms.is_some() && stale.value.iter().any(|e| e.name == "hello.txt"),
        "{stale:?}"
    );
    assert!(
        layer
            .list(&RemotePath::new("local", "never-listed").unwrap(), &cancel)
            .await
            .is_err(),
        "no cache, no answer"
    );

    // back on the same port: the link recovers by itself, fresh answers again
    let second = server_on(&p, port);
    until_health(&link, |h| *h == Health::Connected).await;
    let fresh = layer.list(&root, &cancel).await.unwrap();
    assert!(fresh.stale_ms.is_none(), "{fresh:?}");
    layer
        .mkdir(&RemotePath::new("local", "again").unwrap(), &cancel)
        .await
        .unwrap();
    link.stop();
    second.shutdown_background();
}

/// Remote setup in server mode: an admin creates, reads (without secrets), tests and deletes
/// a remote on the server through the same calls the app makes locally; an operator is
/// refused with rclone's error shape and nothing changes.
#[tokio::test]
async fn remote_setup_through_the_server_is_for_admins() {
    let p = Proxy::start().await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}/");
    let server = server_on(&p, port);
    for _ in 0..200 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let client = |user: &str| {
        rcmd_core::rc::RcClient::for_server(url.parse().unwrap(), (user.into(), p.tokens[user].clone()), None).unwrap()
    };
    let (admin, oper) = (client("admin"), client("oper"));
    let params: std::collections::BTreeMap<String, String> =
        [("remote".to_owned(), p.dir.path().join("data").display().to_string())].into();

    let refused = rcmd_core::remote_config::create(&oper, "made", "alias", &params)
        .await
        .unwrap_err();
    assert!(
        refused.to_string().contains("403") || refused.to_string().to_lowercase().contains("admin"),
        "{refused}"
    );
    let conf = || std::fs::read_to_string(p.dir.path().join("rclone.conf")).unwrap();
    assert!(!conf().contains("[made]"));

    let step = rcmd_core::remote_config::create(&admin, "made", "alias", &params)
        .await
        .unwrap();
    assert!(step.is_done(), "{step:?}");
    assert!(conf().contains("[made]"));
    assert_eq!(
        rcmd_core::remote_config::test(&admin, "made").await.unwrap(),
        1,
        "hello.txt"
    );
    let shown = rcmd_core::remote_config::get(&admin, "made").await.unwrap();
    assert_eq!(shown.kind, "alias");
    assert!(
        rcmd_core::remote_config::delete(&oper, "made").await.is_err(),
        "an operator cannot delete"
    );
    rcmd_core::remote_config::delete(&admin, "made").await.unwrap();
    assert!(!conf().contains("[made]"));
    server.shutdown_background();
}

/// What an operator meets in remote mode: a call only admins may make is "not permitted"
/// (its own class, never retried, not a temporary error); a token revoked mid-session turns
/// the link "refused" at the first refused call (the event stream may still be open), and
/// without any call once the server ends the stream at its re-check.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_only_call_is_not_permitted_and_a_revoked_token_refuses_the_link() {
    use rcmd_core::{rc::RcClient, resilience::retry::Classify, types::FailureReason};
    let p = Proxy::start().await;
    let cancel = CancellationToken::new();
    let connect = |token| async {
        let rc = RcClient::for_server(p.url.parse().unwrap(), ("oper".into(), token), None).unwrap();
        let (link, events) = Link::start("srv", rc, Start::Now);
        until_health(&link, |h| *h == Health::Connected).await;
        let layer = Resilient::new(link.clone(), ResilienceConfig::default(), EventBus::default());
        (link, events, layer)
    };

    let (_, token) = p.state.users.create_token("oper", "first", None).await.unwrap();
    let (link, _events, layer) = connect(token).await;
    let err = layer
        .call(&[], &cancel, |rc| async move {
            Ok(rcmd_core::ops::bwlimit(&rc, Some("1M")).await?)
        })
        .await
        .unwrap_err();
    let f = err.failure();
    assert_eq!(f.reason, FailureReason::NotPermitted, "{err}");
    assert!(!f.retryable && f.info().suggestion_en.contains("admin"), "{f:?}");
    assert_eq!(
        link.health(),
        Health::Connected,
        "a refusal of one call is not the link's"
    );

    // revoked from another connection to the database (as `rproxy token revoke` does): the
    // next call is refused, and the link with it at once
    let (id, token) = p.state.users.create_token("oper", "second", None).await.unwrap();
    let (link, mut events, layer) = connect(token).await;
    assert!(p.reopen().await.revoke_token(id).await.unwrap());
    let err = loop {
        // the server's verification cache learns of the revocation within its watch (1 s)
        match layer.list_remotes(&cancel).await {
            Ok(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            Err(e) => break e,
        }
    };
    assert_eq!(err.failure().reason, FailureReason::RcRefused, "{err}");
    assert_eq!(
        link.health(),
        Health::Refused { expired: false },
        "the link right after the refused call"
    );
    let told = tokio::time::timeout(Duration::from_secs(5), async {
        while let Some(f) = events.recv().await {
            if let rcmd_core::rproxy_client::events::Followed::Refused { expired } = f {
                return Some(expired);
            }
        }
        None
    })
    .await
    .expect("the connection is told");
    assert_eq!(told, Some(false));

    // an expired token with no call at all: the server ends the stream, the reconnection is
    // refused (long enough to connect first on a loaded machine's PostgreSQL: 2 s was not)
    let (_, token) = p
        .state
        .users
        .create_token("oper", "short", Some(Duration::from_secs(8)))
        .await
        .unwrap();
    let (link, _events, _layer) = connect(token).await;
    until_health(&link, |h| *h == Health::Refused { expired: true }).await;
}
