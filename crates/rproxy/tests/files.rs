//! `rproxy/file`, the route the app's quick view (F3) and edit (F4) use against a server: a
//! viewer reads (ranges too), an operator writes, odd names arrive exactly as named (checked
//! on the disk behind rcd and in what rcd received, through the tap), a broken upload leaves
//! the old file whole, and generated hostile parameters from every role never reach rcd.

#![allow(clippy::unwrap_used)]

mod common;

use std::{collections::BTreeSet, path::Path};

use common::Proxy;
use reqwest::StatusCode;
use serde_json::Value;

/// Names a user may really have (Korean, spaces, quotes, `%`, `#`, `?`, `+`, `&`, `=`).
const ODD: &[&str] = &[
    "한글 파일.txt",
    "quote \" and ' .txt",
    "100% #1?.txt",
    "a+b&c=d.txt",
    "semi;colon,comma[1].txt",
];

fn query(fs: &str, remote: &str) -> String {
    let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    format!("fs={}&remote={}", enc(fs), enc(remote))
}

async fn get(p: &Proxy, user: &str, q: &str, range: Option<&str>) -> reqwest::Response {
    let mut req = reqwest::Client::new()
        .get(format!("{}rproxy/file?{q}", p.url))
        .basic_auth(user, Some(p.tokens[user].expose()));
    if let Some(r) = range {
        req = req.header("Range", r);
    }
    req.send().await.unwrap()
}

async fn put(p: &Proxy, user: &str, q: &str, body: reqwest::Body) -> (StatusCode, Value) {
    let resp = reqwest::Client::new()
        .post(format!("{}rproxy/file?{q}", p.url))
        .basic_auth(user, Some(p.tokens[user].expose()))
        .header("Content-Type", "application/octet-stream")
        .body(body)
        .send()
        .await;
    match resp {
        Ok(r) => {
            let status = r.status();
            (status, r.json().await.unwrap_or(Value::Null))
        }
        // the server may close a request whose body broke before answering it
        Err(_) => (StatusCode::BAD_GATEWAY, Value::Null),
    }
}

/// Every file under `dir` with its bytes.
fn tree(dir: &Path) -> BTreeSet<(String, Vec<u8>)> {
    let mut out = BTreeSet::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let path = e.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
                out.insert((rel, std::fs::read(&path).unwrap()));
            }
        }
    }
    out
}

/// The file requests rcd received (through the tap): GETs of `/[...]`, uploads and moves.
fn file_calls(p: &Proxy) -> Vec<(String, String)> {
    p.tapped()
        .into_iter()
        .filter(|(t, _)| t.starts_with("/[") || t.contains("uploadfile") || t.contains("movefile"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_viewer_reads_an_operator_writes_and_odd_names_arrive_as_named() {
    let p = Proxy::start_tapped().await;
    let data = p.dir.path().join("data");
    std::fs::create_dir_all(data.join("dir")).unwrap();
    for (i, name) in ODD.iter().enumerate() {
        std::fs::write(data.join("dir").join(name), format!("old {i}")).unwrap();
    }

    // read: whole, and a range
    let r = get(&p, "view", &query("local:", "hello.txt"), None).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-disposition"], "attachment");
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    assert_eq!(r.bytes().await.unwrap().as_ref(), b"hello");
    let r = get(&p, "view", &query("local:", "hello.txt"), Some("bytes=1-3")).await;
    assert_eq!(r.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(r.bytes().await.unwrap().as_ref(), b"ell");
    // a folder is not a file, a missing file is an error in rcd's shape
    let r = get(&p, "view", &query("local:", "dir"), None).await;
    assert!(!r.status().is_success(), "a folder was served: {}", r.status());
    let r = get(&p, "view", &query("local:", "nothing.txt"), None).await;
    assert!(r.status().is_client_error() || r.status().is_server_error());
    let body: Value = r.json().await.unwrap();
    assert!(body["error"].is_string(), "{body}");

    // odd names: read, then written by an operator, each landing exactly on its own file
    for (i, name) in ODD.iter().enumerate() {
        let remote = format!("dir/{name}");
        let r = get(&p, "view", &query("local:", &remote), None).await;
        assert_eq!(r.status(), StatusCode::OK, "{name}");
        assert_eq!(
            r.bytes().await.unwrap().as_ref(),
            format!("old {i}").as_bytes(),
            "{name}"
        );
        let (status, body) = put(&p, "oper", &query("local:", &remote), format!("new {i}").into()).await;
        assert_eq!(status, StatusCode::OK, "{name}: {body}");
    }
    let want: BTreeSet<(String, Vec<u8>)> = ODD
        .iter()
        .enumerate()
        .map(|(i, n)| (format!("dir/{n}"), format!("new {i}").into_bytes()))
        .chain([("hello.txt".to_owned(), b"hello".to_vec())])
        .collect();
    assert_eq!(tree(&data), want, "every name written in place, no temporary file left");
    // what rcd was asked: each upload to a temporary name beside the file, then a move onto
    // its exact name (the tap saw the requests)
    let calls = file_calls(&p);
    let uploads: Vec<&(String, String)> = calls.iter().filter(|(t, _)| t.contains("uploadfile")).collect();
    assert_eq!(uploads.len(), ODD.len(), "{calls:?}");
    for (target, body) in &uploads {
        assert_eq!(target, "/operations/uploadfile?fs=local%3A&remote=dir");
        assert!(
            body.contains("filename*=UTF-8''.") && body.contains(".rcmd-upload-"),
            "not a temporary name: {body}"
        );
    }
    for name in ODD {
        let moved = calls.iter().any(|(t, body)| {
            t == "/operations/movefile"
                && serde_json::from_str::<Value>(body).unwrap()["dstRemote"] == format!("dir/{name}").as_str()
        });
        assert!(moved, "no move onto dir/{name} in {calls:?}");
    }
    assert!(
        calls.iter().any(|(t, _)| t == "/[local%3A]/hello.txt"),
        "the read of hello.txt: {calls:?}"
    );

    // a write to a remote without a disk (memory), read back
    let (status, body) = put(&p, "oper", &query("other:", "new/file.bin"), vec![7u8; 300_000].into()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let r = get(&p, "view", &query("other:", "new/file.bin"), None).await;
    assert_eq!(r.bytes().await.unwrap().as_ref(), vec![7u8; 300_000].as_slice());

    // a viewer may not write, a limited user may not read another remote
    let (status, _) = put(&p, "view", &query("local:", "hello.txt"), "x".into()).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        get(&p, "limited", &query("other:", "new/file.bin"), None)
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(std::fs::read(data.join("hello.txt")).unwrap(), b"hello");
    // the tap and its rclone stop by their pids (dropped, the tap's rclone would be left)
    p.engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_upload_leaves_the_old_file_whole() {
    // no tap: it reads a request whole before passing it on, so rcd would never see a
    // broken one
    let p = Proxy::start().await;
    let data = p.dir.path().join("data");
    let before = tree(&data);
    // 3 MiB arrive, then the client's body breaks
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = (0..3)
        .map(|_| Ok(vec![b'x'; 1 << 20]))
        .chain([Err(std::io::Error::other("the client went away"))])
        .collect();
    let body = reqwest::Body::wrap_stream(futures_util::stream::iter(chunks));
    let (status, _) = put(&p, "oper", &query("local:", "hello.txt"), body).await;
    assert!(!status.is_success(), "a broken upload was taken: {status}");
    // the temporary file goes once rcd gave up on it
    let mut left = tree(&data);
    for _ in 0..50 {
        if left == before {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        left = tree(&data);
    }
    assert_eq!(left, before, "hello.txt unchanged and nothing left beside it");
    p.engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_parameters_never_reach_rcd() {
    let p = Proxy::start_tapped().await;
    let data = p.dir.path().join("data");
    let before = tree(&data);
    // generated: bad remotes × bad paths, plus extra and repeated keys
    let fss = [
        ":local:",
        &format!(":local:{}", data.display()),
        "/etc",
        "local,remote=/:",
        "local{x}:",
        "local:..",
        "local:x]y",
        "local:]",
        "C:\\",
        "",
    ];
    let remotes = [
        "../hello.txt",
        "a/../../hello.txt",
        "./hello.txt",
        "dir/",
        "",
        "/hello.txt",
        "hello.txt/..",
        "..\\hello.txt",
        "a//hello.txt",
        "hello.txt\u{0}",
        "hello\u{7}.txt",
    ];
    let mut queries = Vec::new();
    for fs in fss {
        queries.push(query(fs, "hello.txt"));
    }
    for remote in remotes {
        queries.push(query("local:", remote));
    }
    for extra in [
        "&_config=%7B%22DryRun%22%3Atrue%7D",
        "&_async=true",
        "&_filter=%7B%7D",
        "&srcFs=local%3A",
        "&fs=other%3A",
        "&remote=x",
    ] {
        queries.push(format!("{}{extra}", query("local:", "hello.txt")));
    }
    queries.push("fs=local%3A".to_owned());
    queries.push("remote=hello.txt".to_owned());
    queries.push(String::new());
    let mut checked = 0;
    for q in &queries {
        for user in ["view", "oper", "admin"] {
            let r = get(&p, user, q, None).await;
            assert!(
                r.status() == StatusCode::FORBIDDEN || r.status() == StatusCode::BAD_REQUEST,
                "{user} GET {q}: {}",
                r.status()
            );
            let (status, body) = put(&p, user, q, "evil".into()).await;
            assert!(
                status == StatusCode::FORBIDDEN || status == StatusCode::BAD_REQUEST,
                "{user} POST {q}: {status} {body}"
            );
            assert!(body["error"].is_string(), "{user} POST {q}: {body}");
            checked += 2;
        }
    }
    assert!(checked >= 180, "{checked}");
    assert_eq!(file_calls(&p), Vec::<(String, String)>::new(), "nothing reached rcd");
    assert_eq!(tree(&data), before, "nothing changed on the disk");
    // and the same route works for the plain spelling (the refusals were the inputs' fault)
    let r = get(&p, "view", &query("local:", "hello.txt"), None).await;
    assert_eq!(r.status(), StatusCode::OK);
    p.engine.shutdown().await;
}
