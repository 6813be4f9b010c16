//! Login abuse and connection abuse against a real rproxy: failed logins back off (429 +
//! Retry-After) per user and per address without paying argon2, a cached user keeps working
//! through it, concurrent requests with one new token share one verification, revoking one
//! token keeps every other cached; slow headers, idle connections and unread bodies cannot
//! hold the server; an event stream ends when its token is revoked or its user removed.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::{Duration, Instant};

use common::{raw, Proxy};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn addr(p: &Proxy) -> String {
    p.url.trim_start_matches("http://").trim_end_matches('/').to_owned()
}

async fn noop(p: &Proxy, user: &str, pass: &str) -> raw::Reply {
    raw::send(
        &addr(p),
        "POST",
        "/rc/noop",
        Some((user, pass)),
        "application/json",
        b"{}",
    )
    .await
}

#[tokio::test]
async fn failed_logins_back_off_and_a_cached_user_keeps_working() {
    let p = Proxy::start().await;
    let users = &p.state.users;
    let view = p.tokens["view"].expose().to_owned();
    assert_eq!(noop(&p, "view", &view).await.status, 200, "view is verified and cached");
    let oper_id = p.tokens["oper"].expose().split('_').nth(1).unwrap().to_owned();
    let wrong = format!("rpx_{oper_id}_wrong");
    let mut statuses = vec![];
    let mut retry_after = 0;
    for _ in 0..6 {
        let r = noop(&p, "oper", &wrong).await;
        if r.status == 429 {
            let retry = r
                .headers
                .lines()
                .find_map(|l| l.to_ascii_lowercase().strip_prefix("retry-after: ").map(str::to_owned));
            retry_after = retry.map(|s| s.trim().parse::<u64>().unwrap()).unwrap_or(0);
            assert!(retry_after >= 1, "429 says when to retry: {}", r.headers);
        }
        statuses.push(r.status);
    }
    assert_eq!(
        statuses,
        [401, 401, 401, 401, 401, 429],
        "five free failures, then a wait"
    );
    // locked out (2 s): no argon2 is paid for further attempts, and the cached user is not slowed
    let checks = users.hash_checks();
    for _ in 0..10 {
        assert_eq!(noop(&p, "oper", &wrong).await.status, 429);
    }
    assert_eq!(users.hash_checks(), checks, "a locked-out attempt must not run argon2");
    let t = Instant::now();
    assert_eq!(noop(&p, "view", &view).await.status, 200);
    eprintln!("cached user answered in {:?} during the lockout", t.elapsed());
    // the wait runs out: the right token works again and clears the count
    tokio::time::sleep(Duration::from_millis(retry_after * 1000 + 200)).await;
    assert_eq!(noop(&p, "oper", p.tokens["oper"].expose()).await.status, 200);
    assert_eq!(
        noop(&p, "oper", &wrong).await.status,
        401,
        "the count starts again after a success"
    );

    // per address: many names, one address (20 free failures), then every uncached login from
    // it waits; a cached one still passes
    let mut locked_at = None;
    for i in 0..25 {
        let r = noop(&p, &format!("nobody{i}"), "rpx_1_x").await;
        if r.status == 429 {
            locked_at.get_or_insert(i);
        }
    }
    // oper's last wrong attempt above is the address's first failure
    assert_eq!(locked_at, Some(19), "the address is limited after 20 failures");
    assert_eq!(
        noop(&p, "view", &view).await.status,
        200,
        "a cached user from that address is served"
    );
    p.engine.shutdown().await;
}

#[tokio::test]
async fn one_verification_per_token_in_flight_and_revocation_per_token() {
    let p = Proxy::start().await;
    let users = p.state.users.clone();
    let view = p.tokens["view"].expose().to_owned();
    assert_eq!(noop(&p, "view", &view).await.status, 200);
    let (fresh_id, fresh) = users.create_token("oper", "burst", None).await.unwrap();
    let before = users.hash_checks();
    let calls = (0..60).map(|_| {
        let (a, t) = (addr(&p), fresh.expose().to_owned());
        tokio::spawn(async move {
            raw::send(&a, "POST", "/rc/noop", Some(("oper", &t)), "application/json", b"{}")
                .await
                .status
        })
    });
    let statuses: Vec<u16> = futures_util::future::join_all(calls)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    assert_eq!(
        users.hash_checks() - before,
        1,
        "60 concurrent requests with one new token: one argon2 verification"
    );
    // revoking another token (from another process's point of view: straight in the database)
    // drops only that token's cache entry
    let view_id: i64 = view.split('_').nth(1).unwrap().parse().unwrap();
    assert!(users.cached_tokens().contains(&view_id));
    let other = rproxy::auth::Users::connect(&p.db_spec).await.unwrap();
    assert!(other.revoke_token(fresh_id).await.unwrap());
    let t = Instant::now();
    while users.cached_tokens().contains(&fresh_id) && t.elapsed() < Duration::from_secs(5) {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        !users.cached_tokens().contains(&fresh_id),
        "the revoked token left the cache"
    );
    assert!(
        users.cached_tokens().contains(&view_id),
        "another user's verification stays cached"
    );
    assert_eq!(noop(&p, "oper", fresh.expose()).await.status, 401);
    let checks = users.hash_checks();
    assert_eq!(noop(&p, "view", &view).await.status, 200);
    assert_eq!(users.hash_checks(), checks, "view was served from the cache");
    p.engine.shutdown().await;
}

/// Reads `stream` until it ends; `None` if it is still open after `within`.
async fn ended_within(mut resp: reqwest::Response, within: Duration) -> Option<Duration> {
    let t = Instant::now();
    loop {
        match tokio::time::timeout(within.saturating_sub(t.elapsed()), resp.chunk()).await {
            Ok(Ok(Some(_))) => continue,
            Ok(_) => return Some(t.elapsed()),
            Err(_) => return None,
        }
    }
}

#[tokio::test]
async fn an_event_stream_ends_when_its_token_is_revoked_or_its_user_removed() {
    let p = Proxy::start().await;
    let http = reqwest::Client::new();
    let (tid, token) = p.state.users.create_token("oper", "stream", None).await.unwrap();
    let stream = http
        .get(format!("{}rproxy/events", p.url))
        .basic_auth("oper", Some(token.expose()))
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);
    // revoked by another process (the command line), straight in the database
    let other = rproxy::auth::Users::connect(&p.db_spec).await.unwrap();
    other.revoke_token(tid).await.unwrap();
    let took = ended_within(stream, Duration::from_secs(5)).await;
    assert!(took.is_some(), "the stream of a revoked token must end within 5 s");
    eprintln!("revoked token's stream ended after {took:?}");
    // a removed user
    let (_, temp) = p
        .state
        .users
        .add("temp", rproxy::policy::Role::Viewer, &[])
        .await
        .unwrap();
    let stream = http
        .get(format!("{}rproxy/events", p.url))
        .basic_auth("temp", Some(temp.expose()))
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);
    // an admin's call removes it
    let r = http
        .post(format!("{}rproxy/user/remove", p.url))
        .basic_auth("admin", Some(p.tokens["admin"].expose()))
        .json(&json!({ "name": "temp" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let took = ended_within(stream, Duration::from_secs(5)).await;
    assert!(took.is_some(), "the stream of a removed user must end within 5 s");
    // a live user's stream stays open
    let live = http
        .get(format!("{}rproxy/events", p.url))
        .basic_auth("view", Some(p.tokens["view"].expose()))
        .send()
        .await
        .unwrap();
    assert!(
        ended_within(live, Duration::from_secs(5)).await.is_none(),
        "a valid stream is not ended"
    );
    p.engine.shutdown().await;
}

/// A server over the proxy's router with `limits`, on its own port.
async fn serve_with(p: &Proxy, limits: rproxy::serve::Limits) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let a = listener.local_addr().unwrap().to_string();
    tokio::spawn(rproxy::serve::serve(
        listener,
        None,
        rproxy::router(p.state.clone()),
        limits,
        std::future::pending(),
    ));
    a
}

/// Whether the server closed `s` within `within` (read returns end or an error).
async fn closed_within(s: &mut tokio::net::TcpStream, within: Duration) -> bool {
    let mut buf = [0u8; 1024];
    let end = Instant::now() + within;
    loop {
        match tokio::time::timeout(end.saturating_duration_since(Instant::now()), s.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            Ok(Ok(_)) => continue,
            Err(_) => return false,
        }
    }
}

#[tokio::test]
async fn slow_headers_idle_connections_and_unread_bodies_cannot_hold_the_server() {
    let p = Proxy::start().await;
    let limits = rproxy::serve::Limits {
        max_connections: 4,
        header_read: Duration::from_secs(1),
        idle: Duration::from_secs(1),
        ..Default::default()
    };
    let a = serve_with(&p, limits).await;
    // a slow client that never finishes its headers is closed
    let mut slow = tokio::net::TcpStream::connect(&a).await.unwrap();
    slow.write_all(b"POST /rc/noop HTTP/1.1\r\nHost: x\r\n").await.unwrap();
    assert!(
        closed_within(&mut slow, Duration::from_secs(4)).await,
        "slow headers must be cut off"
    );
    // every slot taken by idle connections: a real client still gets in once they time out
    let mut idle = vec![];
    for _ in 0..4 {
        idle.push(tokio::net::TcpStream::connect(&a).await.unwrap());
    }
    let t = Instant::now();
    let r = raw::send(
        &a,
        "POST",
        "/rc/noop",
        Some(("view", p.tokens["view"].expose())),
        "application/json",
        b"{}",
    )
    .await;
    assert_eq!(r.status, 200);
    assert!(t.elapsed() < Duration::from_secs(8), "served after {:?}", t.elapsed());
    for mut c in idle {
        assert!(
            closed_within(&mut c, Duration::from_secs(4)).await,
            "idle connections are closed"
        );
    }
    // a body is not read before the caller is known: a request announcing 8 MB without
    // credentials is answered 401 at once, without the body ever being sent
    let mut s = tokio::net::TcpStream::connect(&a).await.unwrap();
    s.write_all(
        b"POST /rc/noop HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 8000000\r\n\r\n",
    )
    .await
    .unwrap();
    let mut buf = vec![0u8; 4096];
    let n = tokio::time::timeout(Duration::from_secs(3), s.read(&mut buf))
        .await
        .expect("answered without the body")
        .unwrap();
    assert!(
        String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 401"),
        "{}",
        String::from_utf8_lossy(&buf[..n])
    );

    // at the real defaults (10 s for headers), a slow client is cut off too
    let d = serve_with(&p, rproxy::serve::Limits::default()).await;
    let mut slow = tokio::net::TcpStream::connect(&d).await.unwrap();
    slow.write_all(b"POST /rc/noop HTTP/1.1\r\n").await.unwrap();
    let t = Instant::now();
    assert!(
        closed_within(&mut slow, Duration::from_secs(15)).await,
        "slow headers at the defaults"
    );
    eprintln!("default header timeout closed a slow client after {:?}", t.elapsed());
    p.engine.shutdown().await;
}
