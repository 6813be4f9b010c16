//! The security suite: every admin-only path refused for operators and viewers, and every
//! other spelling of it (percent-encoded, extra slashes, `?`/`#` inside it) refused as not
//! canonical; every encoding of the
//! parameters (JSON, form, query, `job/batch` inputs); inline remotes in every fs-like
//! position; a viewer's writes refused; refused calls never reach rcd; 401/403/413 in rcd's
//! formats (429 with Retry-After: `rclone_rc.rs`); a refusal costs one argon2 verification whatever its cause (so an unknown
//! user cannot be told from a wrong token by timing).

#![allow(clippy::unwrap_used)]

mod common;

use common::Proxy;
use reqwest::StatusCode;
use serde_json::{json, Value};

/// Paths only admins reach, with parameters that would make them act.
const ADMIN_ONLY: &[(&str, &str)] = &[
    ("core/command", r#"{"command": "ls", "arg": ["local:"]}"#),
    ("core/quit", "{}"),
    ("core/gc", "{}"),
    ("core/memstats", "{}"),
    ("core/obscure", r#"{"clear": "x"}"#),
    ("options/set", r#"{"main": {"DryRun": true}}"#),
    ("config/dump", "{}"),
    ("config/get", r#"{"name": "local"}"#),
    (
        "config/create",
        r#"{"name": "evil", "type": "local", "parameters": {}}"#,
    ),
    ("config/update", r#"{"name": "local", "parameters": {"remote": "/"}}"#),
    ("config/delete", r#"{"name": "other"}"#),
    ("config/password", r#"{"name": "local", "parameters": {"pass": "x"}}"#),
    ("config/setpath", r#"{"path": "/tmp/x.conf"}"#),
    ("config/paths", "{}"),
    ("backend/command", r#"{"command": "noop", "fs": "local:"}"#),
    (
        "serve/start",
        r#"{"type": "http", "fs": "local:", "addr": "127.0.0.1:0"}"#,
    ),
    ("serve/list", "{}"),
    ("mount/mount", r#"{"fs": "local:", "mountPoint": "/tmp/m"}"#),
    ("mount/listmounts", "{}"),
    ("pluginsctl/listPlugins", "{}"),
    ("debug/set-gc-percent", r#"{"gc-percent": 10}"#),
    ("rc/error", "{}"),
    ("rc/panic", "{}"),
    ("rc/fatal", "{}"),
    ("rproxy/users", "{}"),
    ("rproxy/user/add", r#"{"name": "mallory", "role": "admin"}"#),
    ("rproxy/token/create", r#"{"user": "admin"}"#),
    ("rproxy/audit", "{}"),
    ("rproxy/instances", "{}"),
    // the server would fetch any URL (request forgery into its network)
    (
        "operations/copyurl",
        r#"{"fs": "local:", "remote": "got.txt", "url": "http://127.0.0.1:9/"}"#,
    ),
    // a server-wide setting: setting it is for admins (reading it is not)
    ("core/bwlimit", r#"{"rate": "1k"}"#),
];

/// Writes a viewer may not make.
const WRITES: &[(&str, &str)] = &[
    ("sync/copy", r#"{"srcFs": "local:", "dstFs": "other:v"}"#),
    ("sync/sync", r#"{"srcFs": "local:", "dstFs": "other:v"}"#),
    ("operations/mkdir", r#"{"fs": "other:", "remote": "v"}"#),
    (
        "operations/copyfile",
        r#"{"srcFs": "local:", "srcRemote": "hello.txt", "dstFs": "other:", "dstRemote": "hello.txt"}"#,
    ),
    (
        "operations/movefile",
        r#"{"srcFs": "local:", "srcRemote": "hello.txt", "dstFs": "other:", "dstRemote": "hello.txt"}"#,
    ),
    ("operations/deletefile", r#"{"fs": "local:", "remote": "hello.txt"}"#),
    ("operations/purge", r#"{"fs": "local:", "remote": ""}"#),
    ("operations/delete", r#"{"fs": "local:"}"#),
    ("core/bwlimit", r#"{"rate": "1k"}"#),
    ("job/stop", r#"{"jobid": 1}"#),
    ("job/batch", r#"{"inputs": []}"#),
];

/// The ways one path can be written that rcd reads as the same path.
fn spellings(path: &str) -> Vec<String> {
    let (a, b) = path.split_once('/').unwrap();
    let first = a.chars().next().unwrap();
    vec![
        path.to_owned(),
        format!("/{path}"),
        format!("{a}%2F{b}"),
        format!("{a}%2f{b}"),
        format!("%{:02X}{}/{b}", first as u32, &a[1..]),
        format!("{path}%3F"),
        format!("{path}%23"),
    ]
}

struct Sent {
    status: StatusCode,
    body: Value,
}

async fn post(p: &Proxy, user: &str, path: &str, content_type: &str, body: String, query: &str) -> Sent {
    let mut url = format!("{}{}", p.url, path.trim_start_matches('/'));
    if path.starts_with('/') {
        url = format!("{}/{}", p.url.trim_end_matches('/'), path);
    }
    if !query.is_empty() {
        url = format!("{url}?{query}");
    }
    let resp = reqwest::Client::new()
        .post(url)
        .basic_auth(user, Some(p.tokens[user].expose()))
        .header("Content-Type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = resp.status();
    Sent {
        status,
        body: resp.json().await.unwrap_or(Value::Null),
    }
}

/// JSON parameters as a form body or a query string.
fn form(params: &str) -> String {
    let v: serde_json::Map<String, Value> = serde_json::from_str(params).unwrap();
    v.iter()
        .map(|(k, v)| {
            let s = match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            format!(
                "{}={}",
                k,
                url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>()
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

fn refused(s: &Sent, what: &str) {
    assert_eq!(s.status, StatusCode::FORBIDDEN, "{what}: {:?}", s.body);
    assert_eq!(s.body["status"], 403, "{what}: {}", s.body);
    assert!(
        s.body["error"].as_str().is_some_and(|e| !e.is_empty()) && s.body["path"].is_string(),
        "{what}: {}",
        s.body
    );
}

/// A path not in canonical form: 400 in rcd's JSON shape, saying so.
fn not_canonical(s: &Sent, what: &str) {
    assert_eq!(s.status, StatusCode::BAD_REQUEST, "{what}: {:?}", s.body);
    assert!(
        s.body["error"].as_str().is_some_and(|e| e.contains("canonical")),
        "{what}: {}",
        s.body
    );
}

#[tokio::test]
async fn every_admin_path_is_refused_in_every_spelling_and_encoding() {
    let p = Proxy::start().await;
    let mut checked = 0;
    for (path, params) in ADMIN_ONLY {
        for user in ["oper", "view", "limited"] {
            for spelled in spellings(path) {
                let sent = post(&p, user, &spelled, "application/json", (*params).to_owned(), "").await;
                if spelled == *path {
                    refused(&sent, &format!("{user} {spelled} json"));
                } else {
                    // any other spelling is not canonical: refused before the policy
                    not_canonical(&sent, &format!("{user} {spelled} json"));
                }
                checked += 1;
            }
            refused(
                &post(&p, user, path, "application/x-www-form-urlencoded", form(params), "").await,
                &format!("{user} {path} form"),
            );
            refused(
                &post(
                    &p,
                    user,
                    path,
                    "application/x-www-form-urlencoded",
                    String::new(),
                    &form(params),
                )
                .await,
                &format!("{user} {path} query"),
            );
            // inside job/batch, at one and two levels
            let inner: Value = serde_json::from_str(params).unwrap();
            let mut input = inner.as_object().unwrap().clone();
            input.insert("_path".into(), json!(path));
            let batch = json!({ "inputs": [ { "_path": "rc/noop" }, input ] });
            let nested = json!({ "inputs": [ { "_path": "job/batch", "inputs": [ input ] } ] });
            if user != "view" {
                refused(
                    &post(&p, user, "job/batch", "application/json", batch.to_string(), "").await,
                    &format!("{user} {path} in job/batch"),
                );
                refused(
                    &post(&p, user, "job/batch", "application/json", nested.to_string(), "").await,
                    &format!("{user} {path} in nested job/batch"),
                );
            }
            checked += 3;
        }
    }
    for (path, params) in WRITES {
        for spelled in spellings(path) {
            let sent = post(&p, "view", &spelled, "application/json", (*params).to_owned(), "").await;
            if spelled == *path {
                refused(&sent, &format!("view {spelled}"));
            } else {
                not_canonical(&sent, &format!("view {spelled}"));
            }
            checked += 1;
        }
    }
    // nothing reached rcd: it still runs, no remote was created, the admin still works
    let admin = post(&p, "admin", "config/listremotes", "application/json", "{}".into(), "").await;
    assert_eq!(admin.body["remotes"], json!(["local", "other"]), "{}", admin.body);
    assert!(p.dir.path().join("data/hello.txt").exists(), "a refused delete ran");
    let bw = post(&p, "oper", "core/bwlimit", "application/json", "{}".into(), "").await;
    assert_eq!(
        (bw.status, bw.body["rate"].as_str()),
        (StatusCode::OK, Some("off")),
        "an operator reads the limit; no refused call set it: {}",
        bw.body
    );
    assert!(!p.dir.path().join("data/got.txt").exists(), "a refused copyurl ran");
    eprintln!("security: {checked} refused calls checked");
    p.engine.shutdown().await;
}

#[tokio::test]
async fn inline_remotes_are_refused_in_every_position_and_encoding() {
    let p = Proxy::start().await;
    let inline = [
        ":local:/etc",
        ":sftp,host=127.0.0.1:",
        "local,remote=/:",
        "/etc",
        "C:\\Windows",
        "alias{x}:",
    ];
    let mut checked = 0;
    for fs in inline {
        let calls = [
            ("operations/list", json!({ "fs": fs, "remote": "" })),
            ("sync/copy", json!({ "srcFs": fs, "dstFs": "other:x" })),
            ("sync/copy", json!({ "srcFs": "local:", "dstFs": fs })),
            (
                "operations/copyfile",
                json!({ "srcFs": fs, "srcRemote": "passwd", "dstFs": "other:", "dstRemote": "passwd" }),
            ),
            (
                "operations/movefile",
                json!({ "srcFs": "local:", "srcRemote": "hello.txt", "dstFs": fs, "dstRemote": "hello.txt" }),
            ),
            (
                "sync/bisync",
                json!({ "path1": "local:", "path2": "other:", "workdirFs": fs }),
            ),
            (
                "job/batch",
                json!({ "inputs": [ { "_path": "operations/list", "fs": fs, "remote": "" } ] }),
            ),
            (
                "job/batch",
                json!({ "inputs": [ { "_path": "job/batch", "inputs": [ { "_path": "sync/copy", "srcFs": fs, "dstFs": "other:" } ] } ] }),
            ),
        ];
        for (path, params) in calls {
            let text = params.to_string();
            refused(
                &post(&p, "oper", path, "application/json", text.clone(), "").await,
                &format!("{path} {fs} json"),
            );
            if path != "job/batch" {
                refused(
                    &post(&p, "oper", path, "application/x-www-form-urlencoded", form(&text), "").await,
                    &format!("{path} {fs} form"),
                );
                refused(
                    &post(
                        &p,
                        "oper",
                        path,
                        "application/x-www-form-urlencoded",
                        String::new(),
                        &form(&text),
                    )
                    .await,
                    &format!("{path} {fs} query"),
                );
            }
            checked += 3;
        }
    }
    // _config keys that run commands
    let cfg = json!({ "srcFs": "local:", "dstFs": "other:x", "_config": { "PasswordCommand": ["sh", "-c", "id"] } });
    refused(
        &post(&p, "oper", "sync/copy", "application/json", cfg.to_string(), "").await,
        "_config PasswordCommand",
    );
    let cfg_query = format!(
        "srcFs=local:&dstFs=other:x&_config={}",
        url::form_urlencoded::byte_serialize(br#"{"PasswordCommand":"id"}"#).collect::<String>()
    );
    refused(
        &post(
            &p,
            "oper",
            "sync/copy",
            "application/x-www-form-urlencoded",
            String::new(),
            &cfg_query,
        )
        .await,
        "_config in the query",
    );
    // a user limited to `local` cannot reach `other` in any position
    refused(
        &post(
            &p,
            "limited",
            "sync/copy",
            "application/json",
            json!({ "srcFs": "local:", "dstFs": "other:" }).to_string(),
            "",
        )
        .await,
        "limited dst",
    );
    refused(
        &post(
            &p,
            "limited",
            "operations/copyfile",
            "application/json",
            json!({ "srcFs": "other:", "srcRemote": "a", "dstFs": "local:", "dstRemote": "a" }).to_string(),
            "",
        )
        .await,
        "limited queued",
    );
    eprintln!("security: {checked} inline-remote calls refused");
    p.engine.shutdown().await;
}

#[tokio::test]
async fn refusals_have_rcds_formats() {
    let p = Proxy::start().await;
    let http = reqwest::Client::new();
    // 401 as rcd: no credentials, an unknown user, a wrong token, someone else's token, a
    // revoked-looking token id, a malformed header, a Bearer of garbage
    let oper_token = p.tokens["oper"].expose().to_owned();
    let admin_id = p.tokens["admin"].expose().split('_').nth(1).unwrap().to_owned();
    // what is tried, Basic credentials, a raw Authorization header
    type Attempt = (&'static str, Option<(String, String)>, Option<String>);
    let attempts: Vec<Attempt> = vec![
        ("none", None, None),
        ("unknown user", Some(("nobody".into(), "rpx_1_0000".into())), None),
        (
            "wrong token",
            Some(("oper".into(), format!("rpx_{admin_id}_deadbeef"))),
            None,
        ),
        ("another user's token", Some(("view".into(), oper_token.clone())), None),
        ("not a token", Some(("oper".into(), "password123".into())), None),
        ("bearer garbage", None, Some("Bearer rpx_999999_x".into())),
        ("malformed", None, Some("Basic !!!".into())),
    ];
    for (what, basic, header) in &attempts {
        let mut req = http.post(format!("{}rc/noop", p.url)).json(&json!({}));
        if let Some((u, pw)) = basic {
            req = req.basic_auth(u, Some(pw));
        }
        if let Some(h) = header {
            req = req.header("Authorization", h);
        }
        let r = req.send().await.unwrap();
        assert_eq!(r.status(), 401, "{what}");
        assert_eq!(r.headers()["www-authenticate"], "Basic realm=\"\"", "{what}");
        assert_eq!(r.headers()["content-type"], "text/plain", "{what}");
        assert_eq!(r.text().await.unwrap(), "401 Unauthorized\n", "{what}");
    }
    // 403: JSON shape
    let r = http
        .post(format!("{}config/dump", p.url))
        .basic_auth("oper", Some(&oper_token))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(r.headers()["content-type"], "application/json");
    let body: Value = r.json().await.unwrap();
    assert_eq!(
        (
            body["status"].as_u64(),
            body["path"].as_str(),
            body["input"].is_object()
        ),
        (Some(403), Some("config/dump"), true),
        "{body}"
    );
    // 413 above the body limit, in rcd's JSON error shape
    let big = format!("{{\"x\": \"{}\"}}", "a".repeat(rproxy::router::MAX_BODY + 1));
    let r = http
        .post(format!("{}rc/noop", p.url))
        .basic_auth("oper", Some(&oper_token))
        .header("Content-Type", "application/json")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["status"], 413, "{body}");
    p.engine.shutdown().await;
}

/// A refusal costs one argon2 verification whatever its cause, measured on the server's own
/// `Users`: an unknown user, a wrong token and a garbage Bearer each run exactly one.
#[tokio::test]
async fn an_unknown_user_costs_one_verification_like_a_wrong_token() {
    let dir = tempfile::tempdir().unwrap();
    let users = rproxy::auth::Users::open(&dir.path().join("rproxy.db")).await.unwrap();
    let (_, token) = users.add("alice", rproxy::policy::Role::Viewer, &[]).await.unwrap();
    let id = token.expose().split('_').nth(1).unwrap().to_owned();
    let secret = |s: &str| rcmd_core::secret::Secret::new(s);
    use rproxy::auth::Credentials::{Basic, Bearer};
    let cases = [
        (
            "unknown user",
            Basic {
                user: "nobody".into(),
                secret: secret(token.expose()),
            },
        ),
        (
            "wrong token",
            Basic {
                user: "alice".into(),
                secret: secret(&format!("rpx_{id}_0123")),
            },
        ),
        (
            "unknown token id",
            Basic {
                user: "alice".into(),
                secret: secret("rpx_424242_0123"),
            },
        ),
        (
            "not a token",
            Basic {
                user: "alice".into(),
                secret: secret("hunter2"),
            },
        ),
        ("garbage bearer", Bearer { token: secret("rpx_x") }),
    ];
    let mut times = vec![];
    for (what, creds) in &cases {
        let before = users.hash_checks();
        let t = std::time::Instant::now();
        assert_eq!(users.verify(creds).await, None, "{what}");
        times.push((what, t.elapsed()));
        assert_eq!(
            users.hash_checks() - before,
            1,
            "{what}: a refusal must cost exactly one verification"
        );
    }
    let right = Basic {
        user: "alice".into(),
        secret: token.clone(),
    };
    let before = users.hash_checks();
    assert!(users.verify(&right).await.is_some());
    assert!(users.verify(&right).await.is_some());
    assert_eq!(users.hash_checks() - before, 1, "a verified token is cached");
    // reported, not asserted (timings are noisy here)
    eprintln!("refusal times: {times:?}");
}

/// Transfer figures are per job for non-admins: `core/transferred` without a group (every
/// user's transfers, file names included) and both calls with someone else's job are refused;
/// `core/stats` without a group answers their own transfers only (below); with one of their
/// own jobs both answer; an admin sees everything.
#[tokio::test]
async fn non_admins_read_the_figures_of_their_own_jobs_only() {
    let p = Proxy::start().await;
    let started = post(
        &p,
        "oper",
        "rc/noop",
        "application/json",
        r#"{"_async": true}"#.into(),
        "",
    )
    .await;
    let mine = started.body["jobid"].as_i64().unwrap();
    let theirs = post(
        &p,
        "limited",
        "rc/noop",
        "application/json",
        r#"{"_async": true}"#.into(),
        "",
    )
    .await
    .body["jobid"]
        .as_i64()
        .unwrap();
    for path in ["core/stats", "core/transferred"] {
        if path == "core/transferred" {
            refused(
                &post(&p, "oper", path, "application/json", "{}".into(), "").await,
                &format!("oper {path} without a group"),
            );
            refused(
                &post(&p, "view", path, "application/json", "{}".into(), "").await,
                &format!("view {path} without a group"),
            );
        }
        let other = json!({ "group": format!("job/{theirs}") }).to_string();
        refused(
            &post(&p, "oper", path, "application/json", other, "").await,
            &format!("oper {path} of another user's job"),
        );
        let own = json!({ "group": format!("job/{mine}") }).to_string();
        let ok = post(&p, "oper", path, "application/json", own, "").await;
        assert_eq!(ok.status, StatusCode::OK, "oper {path} of its own job: {}", ok.body);
        let all = post(&p, "admin", path, "application/json", "{}".into(), "").await;
        assert_eq!(all.status, StatusCode::OK, "admin {path}: {}", all.body);
    }
}

/// `core/stats` without a group, for a non-admin, is the figures of their own transfers (the
/// app's header and Transfers view read it): the files in flight of their server batches and
/// none of another user's (their names would leak); a viewer with nothing running sees
/// nothing; an admin gets rcd's whole answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn core_stats_without_a_group_is_the_callers_own_transfers() {
    use rcmd_core::{rc::RcClient, rproxy_client::batches, types::BatchKind};
    let p = Proxy::start().await;
    for (dir, prefix) in [("mine", "m"), ("theirs", "t")] {
        let d = p.dir.path().join("data").join(dir);
        std::fs::create_dir_all(&d).unwrap();
        for i in 0..3 {
            std::fs::write(d.join(format!("{prefix}{i}.bin")), vec![1u8; 256 * 1024]).unwrap();
        }
    }
    assert!(p.rc("admin", &["core/bwlimit", "rate=40k"]).await.status.success());
    let client = |user: &str| {
        RcClient::for_server(p.url.parse().unwrap(), (user.to_owned(), p.tokens[user].clone()), None).unwrap()
    };
    batches::create(
        &client("oper"),
        BatchKind::Copy,
        "local:mine",
        Some("other:m"),
        &[],
        Default::default(),
    )
    .await
    .unwrap();
    batches::create(
        &client("limited"),
        BatchKind::Copy,
        "local:theirs",
        Some("local:t-copy"),
        &[],
        Default::default(),
    )
    .await
    .unwrap();
    let names = |s: &Sent| -> Vec<String> {
        assert_eq!(s.status, StatusCode::OK, "{}", s.body);
        s.body["transferring"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].as_str().unwrap().to_owned())
            .collect()
    };
    let stats = |user: &'static str| post(&p, user, "core/stats", "application/json", "{}".into(), "");
    // both batches in flight, as the admin sees them
    let end = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let all = names(&stats("admin").await);
        if all.iter().any(|n| n.starts_with('m')) && all.iter().any(|n| n.starts_with('t')) {
            break;
        }
        assert!(std::time::Instant::now() < end, "both batches in flight: {all:?}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let oper = stats("oper").await;
    let mine = names(&oper);
    assert!(
        !mine.is_empty() && mine.iter().all(|n| n.starts_with('m')),
        "oper sees {mine:?}"
    );
    assert!(
        oper.body["speed"].as_f64().is_some() && oper.body["bytes"].as_u64().is_some(),
        "{}",
        oper.body
    );
    for key in ["lastError", "elapsedTime"] {
        assert!(
            oper.body.get(key).is_none(),
            "the server's {key} is not an operator's: {}",
            oper.body
        );
    }
    let theirs = names(&stats("limited").await);
    assert!(
        !theirs.is_empty() && theirs.iter().all(|n| n.starts_with('t')),
        "limited sees {theirs:?}"
    );
    assert_eq!(
        names(&stats("view").await),
        Vec::<String>::new(),
        "the viewer runs nothing"
    );
    assert!(p.rc("admin", &["core/bwlimit", "rate=off"]).await.status.success());
}
