//! The route table and its layers, at every route: no credentials → rcd's 401; a spelling
//! that is not canonical → 400 before any handler; a method a route does not serve → rcd's
//! 404; an operator on the admin API → 403; nothing under `rproxy/` ever reaches rcd (the tap
//! records what rcd really received).

#![allow(clippy::unwrap_used)]

mod common;

use common::Proxy;
use reqwest::{Method, StatusCode};
use serde_json::Value;

/// One request: status and body (JSON when it is JSON).
async fn send(p: &Proxy, method: Method, user: Option<&str>, path: &str, body: &str) -> (StatusCode, Value, String) {
    let url = format!("{}{}", p.url, path);
    let mut req = reqwest::Client::new().request(method, url).body(body.to_owned());
    if !body.is_empty() {
        req = req.header("Content-Type", "application/json");
    }
    if let Some(u) = user {
        req = req.basic_auth(u, Some(p.tokens[u].expose()));
    }
    let resp = req.send().await.unwrap();
    let status = resp.status();
    let text = resp.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null), text)
}

/// A POST written by hand: a URL library would resolve `.` segments before sending.
async fn send_raw(p: &Proxy, user: &str, path: &str) -> (u16, Value) {
    use base64::Engine as _;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = p.url.trim_start_matches("http://").trim_end_matches('/');
    let auth = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{}", p.tokens[user].expose()));
    let mut conn = tokio::net::TcpStream::connect(addr).await.unwrap();
    let req = format!(
        "POST /{path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Basic {auth}\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{{}}"
    );
    conn.write_all(req.as_bytes()).await.unwrap();
    let mut reply = String::new();
    conn.read_to_string(&mut reply).await.unwrap();
    let status = reply.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = reply.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or_default();
    (status, serde_json::from_str(body).unwrap_or(Value::Null))
}

/// Every route of the table (and the fallback), as a caller names it.
const ROUTES: &[&str] = &[
    "rproxy/events",
    "rproxy/whoami",
    "rproxy/batch/list",
    "rproxy/admin/users",
    "rproxy/users",
    "rproxy/token/create",
    "core/version",
];

#[tokio::test]
async fn every_route_is_behind_the_layers_and_serves_only_its_methods() {
    let p = Proxy::start_tapped().await;
    for path in ROUTES {
        // no credentials, for every method: rcd's plain 401, whatever the path
        for method in [Method::GET, Method::POST, Method::PUT, Method::DELETE] {
            let (status, _, text) = send(&p, method.clone(), None, path, "{}").await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{method} {path}");
            assert_eq!(text, "401 Unauthorized\n", "{method} {path}");
        }
        // other spellings of the same route: refused before routing could matter
        let (first, rest) = path.split_once('/').unwrap();
        for spelled in [
            format!("{first}/./{rest}"),
            format!("{first}//{rest}"),
            format!("{path}/"),
            format!("{first}%2F{rest}"),
            format!("%{:02X}{}/{rest}", first.as_bytes()[0], &first[1..]),
        ] {
            let (status, body) = send_raw(&p, "admin", &spelled).await;
            assert_eq!(status, 400, "{spelled}: {body}");
            assert!(
                body["error"].as_str().unwrap().contains("canonical"),
                "{spelled}: {body}"
            );
        }
        // a method rcd does not serve: its 404 (GET of the event stream and of admin reads
        // are rproxy's own)
        if !matches!(*path, "rproxy/events" | "rproxy/admin/users") {
            let (status, _, text) = send(&p, Method::GET, Some("admin"), path, "").await;
            assert_eq!(
                (status, text.as_str()),
                (StatusCode::NOT_FOUND, "Not Found\n"),
                "GET {path}"
            );
        }
        let (status, _, text) = send(&p, Method::PUT, Some("admin"), path, "{}").await;
        assert_eq!(
            (status, text.as_str()),
            (StatusCode::NOT_FOUND, "Not Found\n"),
            "PUT {path}"
        );
    }

    // each route answers its own call
    let (status, who, _) = send(&p, Method::POST, Some("oper"), "rproxy/whoami", "{}").await;
    assert_eq!((status, who["user"].as_str()), (StatusCode::OK, Some("oper")), "{who}");
    let (status, list, _) = send(&p, Method::POST, Some("oper"), "rproxy/batch/list", "{}").await;
    assert_eq!(status, StatusCode::OK, "{list}");
    for (method, path, body) in [
        (Method::GET, "rproxy/admin/users", ""),
        (Method::POST, "rproxy/users", "{}"),
    ] {
        let (status, users, _) = send(&p, method.clone(), Some("admin"), path, body).await;
        assert_eq!(status, StatusCode::OK, "{method} {path}: {users}");
        assert!(users["users"].as_array().is_some_and(|u| u.len() >= 2), "{users}");
        let (status, refusal, _) = send(&p, method.clone(), Some("oper"), path, body).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "operator {method} {path}: {refusal}");
        assert_eq!(refusal["status"], 403, "{refusal}");
    }
    let (status, body, _) = send(&p, Method::POST, Some("oper"), "rproxy/events", "{}").await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "POST of the event stream is no call: {body}"
    );
    let (status, v, _) = send(&p, Method::POST, Some("oper"), "core/version", "{}").await;
    assert_eq!(status, StatusCode::OK, "the fallback forwards: {v}");
    assert!(v["version"].is_string(), "{v}");

    // deeper paths under rproxy/ are never rcd's, for any role
    for user in ["admin", "oper"] {
        for path in [
            "rproxy/batch/list/x",
            "rproxy/admin/users/x",
            "rproxy/nothing/here",
            "rproxy/whoami/x",
            "rproxy/events/x",
        ] {
            let (status, body, _) = send(&p, Method::POST, Some(user), path, "{}").await;
            assert!(status.is_client_error(), "{user} {path}: {status} {body}");
            let named = body["path"].as_str().unwrap_or_default();
            assert!(
                named.starts_with("rproxy/") && body["status"].is_number(),
                "rcd's error shape: {body}"
            );
        }
    }
    let reached: Vec<String> = p.tapped().into_iter().map(|(target, _)| target).collect();
    assert!(
        reached.iter().any(|t| t.contains("core/version")),
        "the tap sees rcd's calls: {reached:?}"
    );
    assert!(
        !reached.iter().any(|t| t.contains("rproxy")),
        "an rproxy path reached rcd: {reached:?}"
    );
    p.engine.shutdown().await;
}
