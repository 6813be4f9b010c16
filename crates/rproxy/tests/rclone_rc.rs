//! rproxy against real processes on loopback: the real `rclone rc --url` client drives it
//! unchanged, errors read as they do against rcd itself, roles and inline remotes are
//! enforced, and the 401/403 replies have rcd's formats.

#![allow(clippy::unwrap_used)]

mod common;

use std::{
    process::{Command, Output},
    sync::Arc,
    time::Duration,
};

use common::{json_out, message, Proxy};
use rcmd_core::{secret::Secret, types::SidecarState};
use rproxy::{router, AppState};
use serde_json::Value;

#[tokio::test]
async fn the_rclone_rc_client_works_unchanged() {
    let p = Proxy::start().await;
    let out = json_out(&p.rc("admin", &["--json", r#"{"a": 1, "b": "x"}"#, "rc/noop"]).await);
    assert_eq!(out, serde_json::json!({ "a": 1, "b": "x" }));
    // -o (options) and -a (arguments) arrive as rclone rc sends them: `opt` and `arg`
    let out = json_out(
        &p.rc(
            "oper",
            &[
                "-o",
                "recurse=true",
                "-o",
                "k=v",
                "-a",
                "first",
                "-a",
                "second",
                "rc/noop",
                "x=1",
            ],
        )
        .await,
    );
    assert_eq!(
        out,
        serde_json::json!({ "x": "1", "opt": { "recurse": "true", "k": "v" }, "arg": ["first", "second"] }),
        "{out}"
    );
    let out = json_out(&p.rc("oper", &["operations/list", "fs=local:", "remote="]).await);
    let names: Vec<&str> = out["list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["Name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["hello.txt"]);
    // an async job, then its status, as rclone rc does it
    let job = json_out(
        &p.rc(
            "oper",
            &["sync/copy", "srcFs=local:", "dstFs=other:copy", "_async=true"],
        )
        .await,
    );
    let id = job["jobid"].as_i64().unwrap();
    let st = p.job_end("oper", id, Duration::from_secs(10)).await;
    assert!(st["finished"] == true, "job {id} did not finish");
    assert_eq!(st["success"], true, "{st}");
    let out = json_out(&p.rc("view", &["operations/list", "fs=other:copy", "remote="]).await);
    assert_eq!(out["list"][0]["Name"], "hello.txt");
    // a token also works as a Bearer token
    let resp = reqwest::Client::new()
        .post(format!("{}rc/noop", p.url))
        .bearer_auth(p.tokens["view"].expose())
        .json(&serde_json::json!({"k": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    p.engine.shutdown().await;
}

/// The same mistakes give the same exit code and message through rproxy as against rcd.
#[tokio::test]
async fn errors_read_as_they_do_against_rcd() {
    let p = Proxy::start().await;
    let pass = p.rcd_pass();
    let cases: &[&[&str]] = &[
        &["nope/nope"],
        &["operations/list"],
        &["operations/list", "fs=nosuchremote:", "remote="],
        &["operations/list", "fs=local:", "remote=missing-dir"],
        &["--json", "[1,2]", "rc/noop"],
        &["job/status", "jobid=987654"],
    ];
    for args in cases {
        let direct = p.rc_direct(&pass, args).await;
        let proxied = p.rc("admin", args).await;
        assert_eq!(direct.status.code(), proxied.status.code(), "{args:?}");
        assert_eq!(message(&direct), message(&proxied), "{args:?}");
        // the error body rclone rc prints: {error, input, path, status}
        let (d, x): (Value, Value) = (
            serde_json::from_slice(&direct.stdout).unwrap_or_default(),
            serde_json::from_slice(&proxied.stdout).unwrap_or_default(),
        );
        assert_eq!(d, x, "{args:?}");
        assert!(!direct.status.success(), "{args:?} should fail");
    }
    // wrong credentials: the same 401 handling in the client
    let direct = p.rc_direct("wrong-password", &["rc/noop"]).await;
    let proxied = p.rc_with("admin", "wrong-password", &["rc/noop"]).await;
    assert_eq!(direct.status.code(), proxied.status.code());
    assert_eq!(message(&direct), message(&proxied));
    assert!(message(&proxied).contains("401 Unauthorized"), "{}", message(&proxied));
    p.engine.shutdown().await;
}

#[tokio::test]
async fn roles_remotes_and_inline_remotes_are_enforced() {
    let p = Proxy::start().await;
    // rclone rc prints the error body on stdout and the message on stderr
    let denied = |o: &Output, what: &str| {
        let m = message(o);
        let body: Value = serde_json::from_slice(&o.stdout).unwrap_or_default();
        assert!(
            !o.status.success() && m.contains(what) && body["status"] == 403,
            "{m} / {body}"
        );
    };
    denied(
        &p.rc("oper", &["config/dump"]).await,
        "not allowed for the operator role",
    );
    denied(&p.rc("oper", &["core/command", "command=ls"]).await, "not allowed");
    denied(
        &p.rc("oper", &["operations/list", "fs=:local:/etc", "remote="]).await,
        "inline",
    );
    denied(
        &p.rc("oper", &["operations/list", "fs=/etc", "remote="]).await,
        "inline",
    );
    denied(
        &p.rc(
            "oper",
            &[
                "--json",
                r#"{"inputs": [{"_path": "operations/list", "fs": ":local:/", "remote": ""}]}"#,
                "job/batch",
            ],
        )
        .await,
        "inline",
    );
    denied(
        &p.rc("view", &["sync/copy", "srcFs=local:", "dstFs=other:x"]).await,
        "viewer",
    );
    denied(
        &p.rc("limited", &["operations/list", "fs=other:", "remote="]).await,
        "not among this user's remotes",
    );
    assert!(p
        .rc("limited", &["operations/list", "fs=local:", "remote="])
        .await
        .status
        .success());
    assert!(p.rc("admin", &["config/dump"]).await.status.success());
    assert!(p
        .rc("admin", &["operations/list", "fs=:local:/tmp", "remote="])
        .await
        .status
        .success());

    let http = reqwest::Client::new();
    // 401 exactly as rcd sends it
    let r = http
        .post(format!("{}rc/noop", p.url))
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(r.headers()["content-type"], "text/plain");
    assert_eq!(r.headers()["www-authenticate"], "Basic realm=\"\"");
    assert_eq!(r.text().await.unwrap(), "401 Unauthorized\n");
    // 403 in rclone's JSON error shape
    let r = http
        .post(format!("{}config/dump", p.url))
        .basic_auth("oper", Some(p.tokens["oper"].expose()))
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let body: Value = r.json().await.unwrap();
    assert_eq!(
        (body["status"].as_u64(), body["path"].as_str()),
        (Some(403), Some("config/dump"))
    );
    assert!(body["error"].as_str().unwrap().contains("operator"));
    // rc/list shows a viewer only what it may call
    let r = http
        .post(format!("{}rc/list", p.url))
        .basic_auth("view", Some(p.tokens["view"].expose()))
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap();
    let list: Value = r.json().await.unwrap();
    let paths: Vec<&str> = list["commands"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["Path"].as_str())
        .collect();
    assert!(
        paths.contains(&"operations/list") && !paths.contains(&"config/dump") && !paths.contains(&"sync/copy"),
        "{paths:?}"
    );
    // Prefer: respond-async → 202 + Preference-Applied + a job id
    let r = http
        .post(format!("{}rc/noop", p.url))
        .basic_auth("oper", Some(p.tokens["oper"].expose()))
        .header("Prefer", "respond-async")
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202);
    assert_eq!(r.headers()["preference-applied"], "respond-async");
    assert!(r.headers().contains_key("x-rclone-jobid"));
    let _ = &p.dir;
    p.engine.shutdown().await;
}

/// rproxy's job ids: given before rcd sees the call, stable when rcd restarts (its own ids
/// restart at 1) and when rproxy restarts; finished jobs stay queryable; a job whose rcd died
/// answers finished with a clear error; other users do not see it; unknown ids answer like rcd.
#[tokio::test]
async fn job_ids_are_rproxys_and_survive_restarts() {
    let p = Proxy::start().await;
    // a finished job, then one that is still running when rcd is killed
    let first = json_out(&p.rc("oper", &["rc/noop", "_async=true"]).await);
    let first_id = first["jobid"].as_i64().unwrap();
    let status = |id: i64, user: &'static str| {
        let p = &p;
        async move { p.rc(user, &["job/status", &format!("jobid={id}")]).await }
    };
    let done = p.job_end("oper", first_id, Duration::from_millis(2500)).await;
    assert_eq!(
        (
            done["finished"].as_bool(),
            done["success"].as_bool(),
            done["id"].as_i64()
        ),
        (Some(true), Some(true), Some(first_id)),
        "{done}"
    );
    assert_eq!(
        done["group"],
        format!("job/{first_id}"),
        "the stats group carries rproxy's id"
    );
    let execute_id = done["executeId"].as_str().unwrap().to_owned();
    // a long job: a copy under a low bandwidth limit; and a queued per-file copy, as long
    std::fs::create_dir_all(p.dir.path().join("data/big")).unwrap();
    std::fs::write(p.dir.path().join("data/big/big.bin"), vec![7u8; 4 << 20]).unwrap();
    std::fs::write(p.dir.path().join("data/queued.bin"), vec![9u8; 4 << 20]).unwrap();
    json_out(&p.rc("admin", &["core/bwlimit", "rate=100k"]).await);
    let long = json_out(
        &p.rc(
            "oper",
            &["sync/copy", "srcFs=local:big", "dstFs=other:big", "_async=true"],
        )
        .await,
    );
    let long_id = long["jobid"].as_i64().unwrap();
    assert!(long_id > first_id);
    let queued = json_out(
        &p.rc(
            "oper",
            &[
                "operations/copyfile",
                "srcFs=local:",
                "srcRemote=queued.bin",
                "dstFs=other:",
                "dstRemote=queued.bin",
                "_async=true",
            ],
        )
        .await,
    );
    let queued_id = queued["jobid"].as_i64().unwrap();
    assert_eq!(json_out(&status(long_id, "oper").await)["finished"], false);
    // another user does not see it; an unknown id answers like rcd
    let hidden = status(long_id, "view").await;
    assert!(
        !hidden.status.success() && message(&hidden).contains("job not found"),
        "{}",
        message(&hidden)
    );
    let listed = json_out(&p.rc("oper", &["job/list"]).await);
    assert_eq!(
        listed["jobids"],
        serde_json::json!([first_id, long_id, queued_id]),
        "{listed}"
    );
    assert_eq!(listed["executeId"], execute_id.as_str());
    tokio::time::sleep(Duration::from_millis(500)).await;

    // rcd dies: the supervisor starts a new one, whose ids start at 1 again
    let pid = match p.engine.supervisor.state() {
        SidecarState::Ready { pid, .. } => pid,
        s => panic!("{s:?}"),
    };
    Command::new("kill").args(["-9", &pid.to_string()]).status().unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    p.engine.supervisor.wait_ready(Duration::from_secs(30)).await.unwrap();
    let lost = json_out(&status(long_id, "oper").await);
    assert_eq!(
        (lost["finished"].as_bool(), lost["success"].as_bool()),
        (Some(true), Some(false)),
        "{lost}"
    );
    assert!(lost["error"].as_str().unwrap().contains("restarted"), "{lost}");
    let kept = json_out(&status(first_id, "oper").await);
    assert_eq!(
        kept["success"], true,
        "a finished job is answered from rproxy's database: {kept}"
    );
    // the queued copy is sent again to the new rcd and ends well
    let q = p.job_end("oper", queued_id, Duration::from_secs(30)).await;
    assert_eq!(
        (q["finished"].as_bool(), q["success"].as_bool()),
        (Some(true), Some(true)),
        "{q}"
    );
    let copied = json_out(
        &p.rc("view", &["operations/stat", "fs=other:", "remote=queued.bin"])
            .await,
    );
    assert_eq!(copied["item"]["Size"], 4 << 20, "{copied}");
    // a new job after the restart gets a new rproxy id, not rcd's fresh "1"
    let next = json_out(&p.rc("oper", &["rc/noop", "_async=true"]).await)["jobid"]
        .as_i64()
        .unwrap();
    assert!(next > long_id, "{next}");

    // rproxy itself restarts (a new server over the same database): the ids still answer
    let users = p.reopen().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    let state = Arc::new(AppState::new(users, &p.engine).await.unwrap());
    let app = router(state.clone());
    tokio::spawn(async move { axum::serve(listener, app).await });
    let again = Proxy {
        url,
        tokens: p.tokens.clone(),
        engine: p.engine.clone(),
        dir: tempfile::tempdir().unwrap(),
        db: p.db.clone(),
        db_spec: p.db_spec.clone(),
        pg: None,
        state,
    };
    let out = json_out(&again.rc("oper", &["job/status", &format!("jobid={first_id}")]).await);
    assert_eq!(
        (out["id"].as_i64(), out["executeId"].as_str()),
        (Some(first_id), Some(execute_id.as_str())),
        "{out}"
    );
    p.engine.shutdown().await;
}

/// Who did what is in the audit log (admins read it as `rproxy/audit`, with `rclone rc`
/// too); a body over the limit is 413 and a user over its rate 429 with `Retry-After`, both in
/// rclone's error shape.
#[tokio::test]
async fn audit_log_body_limit_and_rate_limit() {
    let p = Proxy::start().await;
    assert!(p
        .rc("oper", &["operations/list", "fs=local:", "remote="])
        .await
        .status
        .success());
    assert!(!p.rc("oper", &["config/dump"]).await.status.success());
    assert!(!p.rc_with("mallory", "guess", &["rc/noop"]).await.status.success());
    assert!(
        !p.rc("oper", &["rproxy/audit"]).await.status.success(),
        "only admins read the audit log"
    );
    let mut entries = Value::Null;
    for _ in 0..50 {
        entries = json_out(&p.rc("admin", &["rproxy/audit", "limit=20"]).await)["entries"].clone();
        if entries.as_array().is_some_and(|e| e.len() >= 4) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let has = |user: &str, path: &str, status: u64, remote: Option<&str>| {
        entries.as_array().unwrap().iter().any(|e| {
            e["user"] == user
                && e["path"] == path
                && e["status"].as_u64() == Some(status)
                && e["remote"].as_str() == remote
        })
    };
    assert!(has("oper", "operations/list", 200, Some("local")), "{entries}");
    assert!(has("oper", "config/dump", 403, None), "{entries}");
    assert!(has("-mallory", "rc/noop", 401, None), "{entries}");
    assert!(!entries.to_string().contains("guess"), "a secret in the audit log");

    let http = reqwest::Client::new();
    let big = vec![b' '; rproxy::router::MAX_BODY + 1];
    let r = http
        .post(format!("{}rc/noop", p.url))
        .basic_auth("oper", Some(p.tokens["oper"].expose()))
        .header("content-type", "application/json")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["status"], 413, "{body}");

    // a tight limit on a server of its own: 3 at once, then 429 with Retry-After
    let users = p.reopen().await;
    let mut state = AppState::new(users, &p.engine).await.unwrap();
    state.limit = rproxy::limit::RateLimit::new(1.0, 3.0);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router(Arc::new(state))).await });
    let mut statuses = vec![];
    let mut retry_after = None;
    for _ in 0..5 {
        let r = http
            .post(format!("{url}rc/noop"))
            .basic_auth("oper", Some(p.tokens["oper"].expose()))
            .json(&serde_json::json!({}))
            .send()
            .await
            .unwrap();
        statuses.push(r.status().as_u16());
        if r.status() == 429 {
            retry_after = r.headers().get("retry-after").map(|v| v.to_str().unwrap().to_owned());
        }
    }
    assert_eq!(statuses, [200, 200, 200, 429, 429]);
    assert_eq!(retry_after.as_deref(), Some("1"));
    p.engine.shutdown().await;
}

/// Reads SSE frames `(id, event, data)` from `resp` until `want` of them arrived (keep-alive
/// comments skipped), or fails after 20 s.
async fn sse_frames(resp: &mut reqwest::Response, want: usize) -> Vec<(i64, String, Value)> {
    let mut text = String::new();
    let mut frames = vec![];
    let end = tokio::time::Instant::now() + Duration::from_secs(20);
    while frames.len() < want {
        let chunk = tokio::time::timeout_at(end, resp.chunk())
            .await
            .expect("events did not come")
            .unwrap()
            .expect("stream ended");
        text.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(i) = text.find("\n\n") {
            let frame: String = text.drain(..i + 2).collect();
            let field = |name: &str| frame.lines().find_map(|l| l.strip_prefix(name)).map(str::to_owned);
            if let (Some(id), Some(event), Some(data)) = (field("id: "), field("event: "), field("data: ")) {
                frames.push((id.parse().unwrap(), event, serde_json::from_str(&data).unwrap()));
            }
        }
    }
    frames
}

/// The event stream: job starts and ends arrive as they happen; a client that drops and
/// reconnects with `Last-Event-ID` gets exactly what it missed, in order; a user sees only its
/// own jobs' events.
#[tokio::test]
async fn events_resume_with_last_event_id_without_gaps_or_duplicates() {
    let p = Proxy::start().await;
    let http = reqwest::Client::new();
    let open = |user: &'static str, last: Option<i64>| {
        let mut req = http
            .get(format!("{}rproxy/events", p.url))
            .basic_auth(user, Some(p.tokens[user].expose()));
        if let Some(id) = last {
            req = req.header("Last-Event-ID", id.to_string());
        }
        req.send()
    };
    let mut stream = open("oper", None).await.unwrap();
    assert_eq!(stream.headers()["content-type"], "text/event-stream");
    let job = |n: i64| {
        let p = &p;
        async move {
            json_out(
                &p.rc(
                    "oper",
                    &["--json", &format!(r#"{{"n": {n}, "_async": true}}"#), "rc/noop"],
                )
                .await,
            )["jobid"]
                .as_i64()
                .unwrap()
        }
    };
    // everything visible so far (rcd up), then a job's start and end as they happen
    let a = job(1).await;
    let frames = sse_frames(&mut stream, 3).await;
    let kinds: Vec<(&str, Option<i64>)> = frames.iter().map(|(_, k, d)| (k.as_str(), d["id"].as_i64())).collect();
    assert_eq!(
        kinds,
        [("rcd_state", None), ("job_started", Some(a)), ("job_finished", Some(a))],
        "{frames:?}"
    );
    let last = frames.last().unwrap().0;
    drop(stream);

    // while disconnected: two more jobs
    let (b, c) = (job(2).await, job(3).await);
    tokio::time::sleep(Duration::from_millis(2500)).await; // the watch sees them end
    let mut resumed = open("oper", Some(last)).await.unwrap();
    let frames = sse_frames(&mut resumed, 4).await;
    let mut seen: Vec<(&str, i64)> = frames
        .iter()
        .map(|(_, k, d)| (k.as_str(), d["id"].as_i64().unwrap()))
        .collect();
    assert!(
        frames.windows(2).all(|w| w[0].0 < w[1].0) && frames[0].0 > last,
        "ids not increasing after {last}: {frames:?}"
    );
    seen.sort_by_key(|(k, id)| (*id, *k != "job_started"));
    assert_eq!(
        seen,
        [
            ("job_started", b),
            ("job_finished", b),
            ("job_started", c),
            ("job_finished", c)
        ],
        "{frames:?}"
    );

    // the viewer sees none of the operator's job events, only the public rcd state
    let mut viewer = open("view", None).await.unwrap();
    let _ = job(4).await;
    let frames = sse_frames(&mut viewer, 1).await;
    assert_eq!(frames[0].1, "rcd_state");
    let more = tokio::time::timeout(Duration::from_millis(2500), viewer.chunk()).await;
    if let Ok(Ok(Some(chunk))) = more {
        assert!(
            !String::from_utf8_lossy(&chunk).contains("job_"),
            "a viewer saw another user's job"
        );
    }

    // retention deleted what a client missed: it gets a reset frame with a snapshot and the
    // newest id, then the stream goes on; resuming from that id needs no reset
    let pruned = rproxy::events::Events::new(p.db.clone())
        .prune(Duration::ZERO)
        .await
        .unwrap();
    assert!(pruned >= 7, "{pruned}");
    let mut stale = open("oper", Some(last)).await.unwrap();
    let frames = sse_frames(&mut stale, 1).await;
    assert_eq!(frames[0].1, "reset", "{frames:?}");
    assert!(
        frames[0].2["snapshot"]["runningIds"].is_array() && frames[0].2["snapshot"]["rcd"] == "up",
        "{frames:?}"
    );
    let reset_id = frames[0].0;
    assert!(reset_id > last);
    let d = job(5).await;
    let frames = sse_frames(&mut stale, 2).await;
    assert!(frames.iter().all(|f| f.0 > reset_id && f.2["id"] == d), "{frames:?}");
    drop(stale);
    let mut current = open("oper", Some(reset_id)).await.unwrap();
    let frames = sse_frames(&mut current, 1).await;
    assert_ne!(frames[0].1, "reset", "{frames:?}");
    p.engine.shutdown().await;
}

/// Users managed through RC-style admin paths with the real `rclone rc`: a new user's token
/// is in that one reply and works at once; removal takes effect; operators cannot do it.
#[tokio::test]
async fn users_are_managed_with_rclone_rc() {
    let mut p = Proxy::start().await;
    let added = json_out(
        &p.rc(
            "admin",
            &["rproxy/user/add", "name=carol", "role=viewer", "remotes=local"],
        )
        .await,
    );
    assert_eq!(
        (added["user"]["name"].as_str(), added["user"]["role"].as_str()),
        (Some("carol"), Some("viewer")),
        "{added}"
    );
    let token = added["token"].as_str().unwrap().to_owned();
    p.tokens.insert("carol", Secret::new(token.clone()));
    assert!(p
        .rc("carol", &["operations/list", "fs=local:", "remote="])
        .await
        .status
        .success());
    let users = json_out(&p.rc("admin", &["rproxy/users"]).await);
    let names: Vec<&str> = users["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"carol") && !users.to_string().contains(&token),
        "{users}"
    );
    let dup = p.rc("admin", &["rproxy/user/add", "name=carol"]).await;
    assert!(
        !dup.status.success() && message(&dup).contains("exists already"),
        "{}",
        message(&dup)
    );
    let denied = p.rc("oper", &["rproxy/user/add", "name=mallory", "role=admin"]).await;
    assert!(
        !denied.status.success() && message(&denied).contains("not allowed"),
        "{}",
        message(&denied)
    );
    // a second token for carol; revoking the first leaves the second working
    let made = json_out(
        &p.rc("admin", &["rproxy/token/create", "user=carol", "label=laptop"])
            .await,
    );
    let second = made["token"].as_str().unwrap().to_owned();
    let listed = json_out(&p.rc("admin", &["rproxy/tokens", "user=carol"]).await);
    assert!(
        !listed.to_string().contains(&second) && listed["tokens"].as_array().unwrap().len() == 2,
        "{listed}"
    );
    let first_id = listed["tokens"][0]["id"].as_i64().unwrap();
    json_out(&p.rc("admin", &["rproxy/token/revoke", &format!("id={first_id}")]).await);
    assert!(
        !p.rc("carol", &["rc/noop"]).await.status.success(),
        "a revoked token still works"
    );
    p.tokens.insert("carol", Secret::new(second));
    assert!(
        p.rc("carol", &["rc/noop"]).await.status.success(),
        "the second token does not work"
    );
    let missing = p.rc("admin", &["rproxy/token/revoke", &format!("id={first_id}")]).await;
    assert!(
        !missing.status.success() && message(&missing).contains("no live token"),
        "{}",
        message(&missing)
    );
    // the same admin API in its REST spelling
    let http = reqwest::Client::new();
    let rest: Value = http
        .get(format!("{}rproxy/admin/tokens?user=carol", p.url))
        .basic_auth("admin", Some(p.tokens["admin"].expose()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(rest["tokens"].as_array().map(Vec::len), Some(2), "{rest}");
    let denied = http
        .get(format!("{}rproxy/admin/users", p.url))
        .basic_auth("oper", Some(p.tokens["oper"].expose()))
        .send()
        .await
        .unwrap();
    assert_eq!(denied.status(), 403);
    json_out(&p.rc("admin", &["rproxy/user/remove", "name=carol"]).await);
    assert!(
        !p.rc("carol", &["rc/noop"]).await.status.success(),
        "a removed user still works"
    );
    p.engine.shutdown().await;
}

/// Per-file calls go through the durable queue: a synchronous `rclone rc operations/copyfile`
/// answers `{}` once its own file is there, many concurrent calls become few engine batches,
/// a missing source answers exactly as rcd does (404 "object not found"), and `_async` gives
/// an rproxy job id whose status ends like rcd's.
#[tokio::test]
async fn per_file_calls_run_through_the_queue() {
    let p = Proxy::start().await;
    let data = p.dir.path().join("data");
    std::fs::create_dir_all(data.join("many")).unwrap();
    for i in 0..40 {
        std::fs::write(data.join(format!("many/f{i:02}.txt")), format!("file {i}")).unwrap();
    }
    let out = json_out(
        &p.rc(
            "oper",
            &[
                "operations/copyfile",
                "srcFs=local:",
                "srcRemote=hello.txt",
                "dstFs=other:q",
                "dstRemote=hello.txt",
            ],
        )
        .await,
    );
    assert_eq!(out, serde_json::json!({}));
    let listed = json_out(&p.rc("view", &["operations/list", "fs=other:q", "remote="]).await);
    assert_eq!(listed["list"][0]["Name"], "hello.txt", "{listed}");

    // 40 concurrent synchronous calls: every one answers {} and the files are all there
    let calls = (0..40).map(|i| {
        let (src, dst) = (
            format!("srcRemote=many/f{i:02}.txt"),
            format!("dstRemote=many/f{i:02}.txt"),
        );
        let p = &p;
        async move {
            p.rc(
                "oper",
                &["operations/copyfile", "srcFs=local:", &src, "dstFs=other:q", &dst],
            )
            .await
        }
    });
    for o in futures_util::future::join_all(calls).await {
        assert_eq!(json_out(&o), serde_json::json!({}));
    }
    let listed = json_out(&p.rc("view", &["operations/list", "fs=other:q/many", "remote="]).await);
    assert_eq!(listed["list"].as_array().unwrap().len(), 40);
    // every call was a row of the queue, done
    let done: i64 = rproxy::on_pool!(&p.db, db => sqlx::query_scalar("SELECT COUNT(*) FROM queue WHERE state = 'done'").fetch_one(db).await.unwrap());
    assert_eq!(done, 41);

    // 300 _async calls sent at once: the queue runs them as engine batches (many files per
    // rclone job), and every job ends successfully
    for i in 0..300 {
        std::fs::write(data.join(format!("many/g{i:03}.txt")), format!("g {i}")).unwrap();
    }
    let http = reqwest::Client::new();
    let sends = (0..300).map(|i| {
        let (http, url, token) = (http.clone(), format!("{}operations/copyfile", p.url), p.tokens["oper"].expose().to_owned());
        async move {
            let body = serde_json::json!({ "srcFs": "local:", "srcRemote": format!("many/g{i:03}.txt"), "dstFs": "other:bulk", "dstRemote": format!("many/g{i:03}.txt"), "_async": true });
            let v: Value = http.post(url).basic_auth("oper", Some(token)).json(&body).send().await.unwrap().json().await.unwrap();
            v["jobid"].as_i64().unwrap()
        }
    });
    let ids = futures_util::future::join_all(sends).await;
    let mut waiting = ids.clone();
    for _ in 0..600 {
        let left: i64 = rproxy::on_pool!(&p.db, db => sqlx::query_scalar("SELECT COUNT(*) FROM queue WHERE state IN ('queued', 'running')").fetch_one(db).await.unwrap());
        if left == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    for id in ids {
        let st: Value = http
            .post(format!("{}job/status", p.url))
            .basic_auth("oper", Some(p.tokens["oper"].expose()))
            .json(&serde_json::json!({ "jobid": id }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(
            (st["finished"].as_bool(), st["success"].as_bool()),
            (Some(true), Some(true)),
            "{st}"
        );
        waiting.retain(|w| *w != id);
    }
    assert!(waiting.is_empty());
    let batches = p.engine.store.list().await.unwrap();
    let in_batches: u64 = batches.iter().map(|b| b.counts.done).sum();
    assert!(
        !batches.is_empty() && in_batches >= 100,
        "the bulk calls did not become engine batches: {batches:?}"
    );
    eprintln!(
        "300 _async copyfile calls: {in_batches} files ran in {} engine batches, the rest as direct calls",
        batches.len()
    );
    let listed = json_out(
        &p.rc("view", &["operations/list", "fs=other:bulk/many", "remote="])
            .await,
    );
    assert_eq!(listed["list"].as_array().unwrap().len(), 300);

    // a missing source: rcd's own answer
    let args: &[&str] = &[
        "operations/copyfile",
        "srcFs=local:",
        "srcRemote=nope.txt",
        "dstFs=other:q",
        "dstRemote=nope.txt",
    ];
    let proxied = p.rc("oper", args).await;
    let body: Value = serde_json::from_slice(&proxied.stdout).unwrap();
    assert!(!proxied.status.success());
    assert_eq!(
        (body["status"].as_u64(), body["error"].as_str()),
        (Some(404), Some("object not found")),
        "{body}"
    );

    // a job/batch of per-file calls is queued at once and answers rcd's results shape
    let batch = serde_json::json!({ "inputs": [
        { "_path": "operations/copyfile", "srcFs": "local:", "srcRemote": "many/f01.txt", "dstFs": "other:jb", "dstRemote": "many/f01.txt" },
        { "_path": "operations/copyfile", "srcFs": "local:", "srcRemote": "many/none.txt", "dstFs": "other:jb", "dstRemote": "many/none.txt" },
    ] });
    let out = json_out(&p.rc("oper", &["--json", &batch.to_string(), "job/batch"]).await);
    assert_eq!(out["results"][0], serde_json::json!({}), "{out}");
    assert_eq!(
        (
            out["results"][1]["status"].as_u64(),
            out["results"][1]["error"].as_str()
        ),
        (Some(404), Some("object not found")),
        "{out}"
    );
    assert_eq!(out["results"][1]["path"], "operations/copyfile");
    let before: i64 =
        rproxy::on_pool!(&p.db, db => sqlx::query_scalar("SELECT COUNT(*) FROM queue").fetch_one(db).await.unwrap());
    assert!(before >= 43, "the batch's calls were not queued: {before}");

    // _async: an rproxy job id, finished with rcd's status shape; movefile moves
    let job = json_out(
        &p.rc(
            "oper",
            &[
                "operations/movefile",
                "srcFs=local:",
                "srcRemote=many/f00.txt",
                "dstFs=other:moved",
                "dstRemote=many/f00.txt",
                "_async=true",
            ],
        )
        .await,
    );
    let id = job["jobid"].as_i64().unwrap();
    let status = p.job_end("oper", id, Duration::from_secs(10)).await;
    assert_eq!(
        (
            status["finished"].as_bool(),
            status["success"].as_bool(),
            status["id"].as_i64()
        ),
        (Some(true), Some(true), Some(id)),
        "{status}"
    );
    for key in [
        "duration",
        "endTime",
        "error",
        "executeId",
        "group",
        "output",
        "startTime",
    ] {
        assert!(status.get(key).is_some(), "{key} missing from {status}");
    }
    assert!(!data.join("many/f00.txt").exists(), "movefile left the source");
    let listed = json_out(
        &p.rc("view", &["operations/list", "fs=other:moved/many", "remote="])
            .await,
    );
    assert_eq!(listed["list"][0]["Name"], "f00.txt");
    // the job is the caller's: another operator does not see it
    assert!(!p
        .rc("limited", &["job/status", &format!("jobid={id}")])
        .await
        .status
        .success());
    let list = json_out(&p.rc("oper", &["job/list"]).await);
    assert!(
        list["jobids"].as_array().unwrap().contains(&serde_json::json!(id)),
        "{list}"
    );
    p.engine.shutdown().await;
}

/// `job/stop` of queued calls: a call still waiting (every direct-call permit busy under a
/// bandwidth limit) ends at once, failed with rcd's "context canceled", and its file is never copied; a
/// call being copied as part of a group is refused with the reason; a finished one answers
/// `{}` like rcd.
#[tokio::test]
async fn job_stop_of_queued_calls() {
    let p = Proxy::start().await;
    let data = p.dir.path().join("data");
    std::fs::create_dir_all(data.join("slow")).unwrap();
    for i in 0..24 {
        std::fs::write(data.join(format!("slow/s{i:02}.bin")), vec![i as u8; 400 << 10]).unwrap();
    }
    json_out(&p.rc("admin", &["core/bwlimit", "rate=200k"]).await);
    let http = reqwest::Client::new();
    let token = p.tokens["oper"].expose().to_owned();
    let send = |body: Value| {
        let (http, url, token) = (http.clone(), format!("{}operations/copyfile", p.url), token.clone());
        async move {
            http.post(url)
                .basic_auth("oper", Some(token))
                .json(&body)
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()["jobid"]
                .as_i64()
                .unwrap()
        }
    };
    // 24 slow files to 24 destinations: 24 groups, of which 16 run at once (direct calls),
    // the others wait (a margin of 8 for calls that finish within rclone's first burst)
    let mut first = vec![];
    for i in 0..24 {
        first.push(send(serde_json::json!({ "srcFs": "local:slow", "srcRemote": format!("s{i:02}.bin"), "dstFs": format!("other:s{i}"), "dstRemote": format!("s{i:02}.bin"), "_async": true })).await);
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    // one more call: it waits behind them
    let waiting = send(serde_json::json!({ "srcFs": "local:", "srcRemote": "hello.txt", "dstFs": "other:stopped", "dstRemote": "hello.txt", "_async": true })).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let stopped = json_out(&p.rc("oper", &["job/stop", &format!("jobid={waiting}")]).await);
    assert_eq!(stopped, serde_json::json!({}));
    let st = json_out(&p.rc("oper", &["job/status", &format!("jobid={waiting}")]).await);
    assert_eq!(
        (st["finished"].as_bool(), st["success"].as_bool(), st["error"].as_str()),
        (Some(true), Some(false), Some("context canceled")),
        "{st}"
    );
    // being copied: refused, with the reason (the first calls may have finished already)
    let mut refused = None;
    for id in &first {
        let busy = p.rc("oper", &["job/stop", &format!("jobid={id}")]).await;
        if !busy.status.success() {
            assert!(
                message(&busy).contains("cannot be stopped on its own"),
                "{}",
                message(&busy)
            );
            refused = Some(*id);
            break;
        }
    }
    let busy = refused.expect("no call was being copied");
    // another user cannot stop it
    assert!(message(&p.rc("limited", &["job/stop", &format!("jobid={busy}")]).await).contains("job not found"));
    // a finished job: {} like rcd
    assert_eq!(
        json_out(&p.rc("oper", &["job/stop", &format!("jobid={waiting}")]).await),
        serde_json::json!({})
    );
    let listed = json_out(&p.rc("view", &["operations/list", "fs=other:", "remote="]).await);
    assert!(
        !listed.to_string().contains("stopped"),
        "the stopped call's file was copied: {listed}"
    );
    p.engine.shutdown().await;
}

/// Batches on the server: an operator creates one with `rclone rc rproxy/batch/create` (planned
/// and run by the server's engine), follows it with `rproxy/batch/get` and the event stream
/// (`batch_state` for its owner only), and finds every file at the destination; a viewer may
/// list but not create; another user does not see it; inline remotes are refused here too.
#[tokio::test]
async fn batches_run_on_the_server() {
    let p = Proxy::start().await;
    let data = p.dir.path().join("data");
    for i in 0..120 {
        let f = data.join(format!("tree/d{}/f{i:03}.txt", i % 4));
        std::fs::create_dir_all(f.parent().unwrap()).unwrap();
        std::fs::write(&f, format!("file {i}")).unwrap();
    }
    let http = reqwest::Client::new();
    let mut events = http
        .get(format!("{}rproxy/events", p.url))
        .basic_auth("oper", Some(p.tokens["oper"].expose()))
        .send()
        .await
        .unwrap();
    let created = json_out(
        &p.rc(
            "oper",
            &[
                "rproxy/batch/create",
                "kind=copy",
                "srcFs=local:tree",
                "dstFs=other:server-copy",
            ],
        )
        .await,
    );
    let id = created["id"].as_i64().unwrap();
    assert_eq!(
        created["counts"]["pending"].as_u64().unwrap()
            + created["counts"]["running"].as_u64().unwrap()
            + created["counts"]["done"].as_u64().unwrap(),
        120,
        "{created}"
    );
    let mut report = Value::Null;
    for _ in 0..300 {
        report = json_out(&p.rc("oper", &["rproxy/batch/get", &format!("id={id}")]).await);
        if report["batch"]["status"] == "completed" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        (
            report["batch"]["status"].as_str(),
            report["batch"]["counts"]["done"].as_u64()
        ),
        (Some("completed"), Some(120)),
        "{report}"
    );
    let listed = json_out(
        &p.rc(
            "view",
            &[
                "--json",
                r#"{"fs": "other:server-copy", "remote": "", "opt": {"recurse": true, "filesOnly": true}}"#,
                "operations/list",
            ],
        )
        .await,
    );
    assert_eq!(listed["list"].as_array().unwrap().len(), 120);
    // its owner saw it start and complete in the stream
    let mut seen = vec![];
    let end = tokio::time::Instant::now() + Duration::from_secs(10);
    while !seen.iter().any(|s: &String| s == "completed") && tokio::time::Instant::now() < end {
        if let Ok(Ok(Some(chunk))) = tokio::time::timeout_at(end, events.chunk()).await {
            for frame in String::from_utf8_lossy(&chunk).split("\n\n") {
                if frame.contains("event: batch_state") {
                    let data = frame.lines().find_map(|l| l.strip_prefix("data: ")).unwrap();
                    let v: Value = serde_json::from_str(data).unwrap();
                    if v["id"] == id {
                        seen.push(v["status"].as_str().unwrap().to_owned());
                    }
                }
            }
        }
    }
    // the runner reports the batch when it takes it (queued or running) and when it ends
    assert!(
        matches!(seen.first().map(String::as_str), Some("queued" | "running"))
            && seen.last().map(String::as_str) == Some("completed"),
        "{seen:?}"
    );
    // the owner lists it; another operator neither lists nor reads it; a viewer may list only
    let mine = json_out(&p.rc("oper", &["rproxy/batch/list"]).await);
    assert!(
        mine["batches"].as_array().unwrap().iter().any(|b| b["id"] == id),
        "{mine}"
    );
    let theirs = json_out(&p.rc("limited", &["rproxy/batch/list"]).await);
    assert!(theirs["batches"].as_array().unwrap().is_empty(), "{theirs}");
    let hidden = p.rc("limited", &["rproxy/batch/get", &format!("id={id}")]).await;
    assert!(
        !hidden.status.success() && message(&hidden).contains(&format!("no batch {id}")),
        "{}",
        message(&hidden)
    );
    assert!(p.rc("view", &["rproxy/batch/list"]).await.status.success());
    let viewer = p
        .rc("view", &["rproxy/batch/create", "srcFs=local:tree", "dstFs=other:v"])
        .await;
    assert!(
        !viewer.status.success() && message(&viewer).contains("viewer"),
        "{}",
        message(&viewer)
    );
    let inline = p
        .rc("oper", &["rproxy/batch/create", "srcFs=:local:/etc", "dstFs=other:x"])
        .await;
    assert!(
        !inline.status.success() && message(&inline).contains("inline"),
        "{}",
        message(&inline)
    );
    let limited = p
        .rc("limited", &["rproxy/batch/create", "srcFs=local:tree", "dstFs=other:x"])
        .await;
    assert!(
        !limited.status.success() && message(&limited).contains("not among this user's remotes"),
        "{}",
        message(&limited)
    );
    let missing = p.rc("oper", &["rproxy/batch/create", "srcFs=local:tree"]).await;
    assert!(
        !missing.status.success() && message(&missing).contains("dstFs"),
        "{}",
        message(&missing)
    );
    p.engine.shutdown().await;
}

/// The instance registers itself and renews its row: `rproxy/instances` lists it alive, with
/// its rcd backend (state, endpoint, version) and its load.
#[tokio::test]
async fn the_admin_api_lists_running_instances() {
    let p = Proxy::start().await;
    let end = std::time::Instant::now() + std::time::Duration::from_secs(15);
    let listed = loop {
        let v = json_out(&p.rc("admin", &["rproxy/instances"]).await);
        let me = v["self"].as_str().unwrap_or_default().to_owned();
        if let Some(row) = v["instances"]
            .as_array()
            .and_then(|a| a.iter().find(|i| i["id"] == me.as_str()))
            .cloned()
        {
            if row["rcd"].as_str().unwrap_or_default().starts_with("up ") {
                break row;
            }
        }
        assert!(std::time::Instant::now() < end, "no live registration: {v}");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    };
    assert_eq!(listed["alive"], true, "{listed}");
    assert!(listed["rcd"].as_str().unwrap().contains("v1."), "{listed}");
    assert_eq!(listed["load"], 0, "{listed}");
    let denied = p.rc("oper", &["rproxy/instances"]).await;
    assert!(!denied.status.success(), "an operator listed the instances");
}
