//! rproxy as a hostile client meets it: a real rproxy over a real rcd behind a recording proxy
//! (`examples/rcd_tap.rs`), so every test checks what rcd *really received*. Users: `oper`
//! (operator, all remotes), `view` (viewer), `limited` (operator limited to the alias remote
//! `local`, whose folder is `data/`). A canary file sits next to `data/`, outside every remote.
//!
//! Each numbered class of the issue that opened this suite has a test with several spellings:
//! (1) path spellings, (2) remotes as JSON objects, (3) parameters that name places or
//! options, (6) other users' data, (7) the policy questions; plus uploads, and a generated
//! property test: thousands of requests (path spellings × parameter shapes × encodings ×
//! roles), each either refused without reaching rcd, or received by rcd byte for byte as the
//! policy judged it.

#![allow(clippy::unwrap_used)]

mod common;

use common::{raw, Proxy};
use rand::{rngs::StdRng, seq::SliceRandom, Rng, SeedableRng};
use serde_json::{json, Map, Value};

struct Suite {
    p: Proxy,
    addr: String,
    canary: String,
    rcd_pid: u32,
}

impl Suite {
    async fn start() -> Suite {
        let p = Proxy::start_tapped().await;
        let secret = p.dir.path().join("secret");
        std::fs::create_dir_all(&secret).unwrap();
        let canary = format!("CANARY-{}", rand::random::<u64>());
        std::fs::write(secret.join("canary.txt"), &canary).unwrap();
        std::fs::create_dir_all(p.dir.path().join("data/sub")).unwrap();
        let addr = p.url.trim_start_matches("http://").trim_end_matches('/').to_owned();
        let rcd_pid = pid(&p);
        Suite {
            p,
            addr,
            canary,
            rcd_pid,
        }
    }

    /// What rcd received so far, without rproxy's own calls: the supervisor's health checks
    /// (`rc/noop {}`) and the job watcher's `job/status` of async jobs (no test sends those).
    fn received(&self) -> Vec<(String, String)> {
        self.p
            .tapped()
            .into_iter()
            .filter(|(t, b)| !(t == "/rc/noop" && b == "{}") && t != "/job/status")
            .collect()
    }

    async fn send(&self, user: &str, target: &str, content_type: &str, body: &str) -> raw::Reply {
        let token = self.p.tokens[user].expose().to_owned();
        raw::send(
            &self.addr,
            "POST",
            target,
            Some((user, &token)),
            content_type,
            body.as_bytes(),
        )
        .await
    }

    /// Sends, and asserts rproxy refused it (4xx/5xx of its own) and rcd received nothing.
    async fn refused(&self, user: &str, target: &str, content_type: &str, body: &str) -> raw::Reply {
        let before = self.received().len();
        let r = self.send(user, target, content_type, body).await;
        let after = self.received();
        assert!(
            r.status >= 400,
            "{user} {target} {body}: answered {} {}",
            r.status,
            r.body
        );
        assert_eq!(
            after.len(),
            before,
            "{user} {target} {body}: rcd received {:?}",
            &after[before..]
        );
        assert!(!r.body.contains(&self.canary), "{user} {target}: the canary leaked");
        r
    }

    /// Nothing outside the remotes changed and rcd is the same process with its options.
    async fn intact(&self) {
        let canary = std::fs::read_to_string(self.p.dir.path().join("secret/canary.txt")).unwrap();
        assert_eq!(canary, self.canary, "the canary was changed");
        let outside: Vec<_> = std::fs::read_dir(self.p.dir.path().join("secret"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(outside.len(), 1, "files appeared next to the canary: {outside:?}");
        assert!(
            !std::path::Path::new("/tmp/rproxy-hostile-was-here").exists(),
            "a file was written outside the remotes"
        );
        assert_eq!(pid(&self.p), self.rcd_pid, "rcd was stopped or restarted");
        let admin = self.p.tokens["admin"].expose().to_owned();
        let opts = raw::send(
            &self.addr,
            "POST",
            "/options/get",
            Some(("admin", &admin)),
            "application/json",
            b"{}",
        )
        .await;
        let opts: Value = serde_json::from_str(&opts.body).unwrap();
        assert_eq!(opts["main"]["DryRun"], false, "DryRun was switched on");
        assert_eq!(opts["rc"]["NoAuth"], false, "rc.NoAuth was switched on");
    }
}

fn pid(p: &Proxy) -> u32 {
    match p.engine.supervisor.state() {
        rcmd_core::types::SidecarState::Ready { pid, .. } => pid,
        s => panic!("{s:?}"),
    }
}

const JSON: &str = "application/json";
const FORM: &str = "application/x-www-form-urlencoded";

/// Class 1: the issue's spellings and more, for every path that must not be reached.
#[tokio::test]
async fn path_spellings_never_reach_rcd() {
    let s = Suite::start().await;
    let cat = r#"{"command":"cat","arg":["/etc/hostname"]}"#;
    let targets: &[(&str, &str)] = &[
        ("/core/command/.", cat),
        ("/./core/command", cat),
        ("/core/./command", cat),
        ("/core/x/../command", cat),
        ("/core%2fcommand", cat),
        ("/core%2f.%2fcommand", cat),
        ("/core/command%2f.", cat),
        ("/core/%2e/command", cat),
        ("/core/command/%2e", cat),
        ("/%63ore/command", cat),
        ("//core/command", cat),
        ("/core//command", cat),
        ("/core/command/", cat),
        ("/core\\command", cat),
        ("/core/command;x", cat),
        ("/./config/dump", "{}"),
        ("/config/dump/.", "{}"),
        ("/config/password/.", r#"{"name":"local","parameters":{"pass":"x"}}"#),
        ("/options/set/.", r#"{"rc":{"NoAuth":true},"main":{"DryRun":true}}"#),
        ("/./options/set", r#"{"main":{"DryRun":true}}"#),
        ("/core/quit/.", "{}"),
        ("/core/%71uit", "{}"),
        (
            "/operations/copyurl/.",
            r#"{"fs":"local:","remote":"u","url":"http://127.0.0.1:9/"}"#,
        ),
        ("/./job/stop", r#"{"jobid":1}"#),
        (
            "/./serve/start",
            r#"{"type":"http","fs":"local:","addr":"127.0.0.1:0"}"#,
        ),
        (
            "/job/batch/.",
            r#"{"inputs":[{"_path":"core/command","command":"ls"}]}"#,
        ),
        ("/rc/fatal/.", "{}"),
        ("/core/command", cat),
        ("/config/dump", "{}"),
        ("/options/set", r#"{"main":{"DryRun":true}}"#),
        ("/core/quit", "{}"),
        ("/backend/command", r#"{"command":"noop","fs":"local:"}"#),
    ];
    let mut n = 0;
    for user in ["oper", "view", "limited"] {
        for (target, body) in targets {
            let r = s.refused(user, target, JSON, body).await;
            assert!(
                matches!(r.status, 400 | 403),
                "{user} {target}: {} {}",
                r.status,
                r.body
            );
            // as a form and in the query too
            s.refused(user, target, FORM, "command=cat&arg=%5B%22%2Fetc%2Fhostname%22%5D")
                .await;
            n += 2;
        }
    }
    s.intact().await;
    eprintln!("hostile: {n} path spellings refused, none reached rcd");
    s.p.engine.shutdown().await;
}

/// Class 2: remotes given as JSON objects (or their JSON text), in every fs position and
/// inside `job/batch`, for every role; class 3: parameters that name places or options.
#[tokio::test]
async fn objects_and_places_never_reach_rcd() {
    let s = Suite::start().await;
    let objects = [
        json!({ "type": "local", "_root": "/etc" }),
        json!({ "_name": "local", "_root": "../secret" }),
        json!({ "_name": "local,remote='/'", "_root": "" }),
        json!({ "type": "http", "url": "http://127.0.0.1:9/" }),
        json!("{\"type\":\"local\",\"_root\":\"/etc\"}"),
        json!(":local:/etc"),
        json!("local:../secret"),
        json!("local:sub/../../secret"),
        json!("/etc"),
    ];
    let mut cases: Vec<(&str, &str, Value)> = vec![];
    for o in &objects {
        cases.push(("view", "operations/list", json!({ "fs": o, "remote": "" })));
        cases.push((
            "view",
            "operations/stat",
            json!({ "fs": "local:", "remote": "../secret/canary.txt" }),
        ));
        cases.push((
            "oper",
            "operations/copyfile",
            json!({ "srcFs": o, "srcRemote": "canary.txt", "dstFs": "local:", "dstRemote": "got.txt" }),
        ));
        cases.push(("limited", "sync/copy", json!({ "srcFs": o, "dstFs": "local:got" })));
        cases.push(("oper", "sync/bisync", json!({ "path1": o, "path2": "local:b" })));
        cases.push((
            "oper",
            "job/batch",
            json!({ "inputs": [ { "_path": "operations/list", "fs": o, "remote": "" } ] }),
        ));
        cases.push(("oper", "job/batch", json!({ "inputs": [ { "_path": "job/batch", "inputs": [ { "_path": "sync/copy", "srcFs": o, "dstFs": "local:x" } ] } ] })));
    }
    // class 3: places that are not *Fs
    let places = [
        (
            "sync/bisync",
            json!({ "path1": "local:a", "path2": "local:b", "workdir": "/tmp/rproxy-hostile-was-here" }),
        ),
        (
            "sync/bisync",
            json!({ "path1": "local:a", "path2": "local:b", "filtersFile": "/etc/hostname" }),
        ),
        (
            "sync/bisync",
            json!({ "path1": "local:a", "path2": "local:b", "backupDir1": "local:../secret" }),
        ),
        ("sync/bisync", json!({ "path1": ":local:/tmp", "path2": "local:b" })),
        (
            "sync/copy",
            json!({ "srcFs": "local:", "dstFs": "local:x", "_config": { "BackupDir": "/tmp/rproxy-hostile-was-here" } }),
        ),
        (
            "sync/copy",
            json!({ "srcFs": "local:", "dstFs": "local:x", "_config": "{\"backupdir\":\"/tmp/rproxy-hostile-was-here\"}" }),
        ),
        (
            "sync/copy",
            json!({ "srcFs": "local:", "dstFs": "local:x", "_config": { "CompareDest": ["/etc"] } }),
        ),
        (
            "sync/copy",
            json!({ "srcFs": "local:", "dstFs": "local:x", "_config": { "MetadataMapper": ["sh", "-c", "touch /tmp/rproxy-hostile-was-here"] } }),
        ),
        (
            "sync/copy",
            json!({ "srcFs": "local:", "dstFs": "local:x", "backup_dir": "/tmp/rproxy-hostile-was-here" }),
        ),
        (
            "sync/copy",
            json!({ "srcFs": "local:", "dstFs": "local:x", "metadata_mapper": "touch /tmp/rproxy-hostile-was-here" }),
        ),
        (
            "operations/list",
            json!({ "fs": "local:", "remote": "", "_filter": { "FilesFrom": ["/etc/hostname"] } }),
        ),
        (
            "operations/list",
            json!({ "fs": "local:", "remote": "", "_filter": { "FilterFrom": ["../secret/canary.txt"] } }),
        ),
        (
            "operations/list",
            json!({ "fs": "local:", "remote": "", "_filter": "{\"filesfrom\":[\"/etc/hostname\"]}" }),
        ),
        (
            "operations/list",
            json!({ "fs": "local:", "remote": "", "filter_from": "/etc/hostname" }),
        ),
        ("rc/noop", json!({ "filter_from": "/etc/hostname" })),
        ("rc/noop", json!({ "files_from": "/etc/hostname" })),
        (
            "operations/list",
            json!({ "fs": "local:", "remote": "", "_config": { "Links": true } }),
        ),
        (
            "operations/list",
            json!({ "fs": "local:", "remote": "", "_config": { "\u{17f}uffix": "/x" } }),
        ),
    ];
    for (path, body) in &places {
        cases.push(("oper", path, body.clone()));
        let mut input = body.as_object().unwrap().clone();
        input.insert("_path".into(), json!(path));
        cases.push(("oper", "job/batch", json!({ "inputs": [Value::Object(input)] })));
    }
    let mut n = 0;
    for (user, path, body) in &cases {
        s.refused(user, &format!("/{path}"), JSON, &body.to_string()).await;
        // the same as form and query values (objects as their JSON text)
        let form = to_form(body.as_object().unwrap());
        s.refused(user, &format!("/{path}"), FORM, &form).await;
        s.refused(user, &format!("/{path}?{form}"), FORM, "").await;
        n += 3;
    }
    s.intact().await;
    eprintln!("hostile: {n} object/place requests refused, none reached rcd");
    s.p.engine.shutdown().await;
}

/// Classes 6 and 7: other users' figures and server-wide switches, directly and inside
/// `job/batch`; an upload is refused clearly, never answered `{}` and dropped.
#[tokio::test]
async fn other_users_data_and_server_wide_calls_are_refused() {
    let s = Suite::start().await;
    let theirs = s
        .send("limited", "/rc/noop", JSON, r#"{"_async":true,"mark":"x"}"#)
        .await;
    let theirs: Value = serde_json::from_str(&theirs.body).unwrap();
    let group = format!("job/{}", theirs["jobid"]);
    let calls = [
        ("core/stats", json!({ "group": group })),
        ("core/transferred", json!({ "group": group })),
        ("core/stats", json!({})),
        ("core/stats-reset", json!({})),
        ("core/stats-delete", json!({ "group": group })),
        ("core/group-list", json!({})),
        ("fscache/clear", json!({})),
        ("fscache/entries", json!({})),
        (
            "operations/copyurl",
            json!({ "fs": "local:", "remote": "u", "url": "http://127.0.0.1:9/" }),
        ),
        ("core/bwlimit", json!({ "rate": "1k" })),
        ("core/du", json!({ "dir": "/" })),
        ("core/version", json!({ "_config": { "Dump": "headers,auth" } })),
    ];
    for (path, body) in &calls {
        // (directly, a group-less core/stats answers the caller's own transfers: security.rs)
        if !(*path == "core/stats" && body.as_object().is_some_and(|b| b.is_empty())) {
            s.refused("oper", &format!("/{path}"), JSON, &body.to_string()).await;
        }
        let mut input = body.as_object().unwrap().clone();
        input.insert("_path".into(), json!(path));
        s.refused("oper", "/job/batch", JSON, &json!({ "inputs": [ input ] }).to_string())
            .await;
    }
    // a stats group the caller names is never passed on: rproxy's own for its async job
    let before = s.received().len();
    let mine = s
        .send(
            "oper",
            "/rc/noop",
            JSON,
            &json!({ "_async": true, "_group": group }).to_string(),
        )
        .await;
    assert_eq!(mine.status, 200, "{}", mine.body);
    let got = s.received()[before..].to_vec();
    let sent: Value = serde_json::from_str(&got[0].1).unwrap();
    assert_ne!(sent["_group"], json!(group), "another user's group reached rcd: {sent}");
    // uploads: 501 with a clear message, for admins too, and nothing written
    for user in ["admin", "oper"] {
        let body =
            "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"up.txt\"\r\n\r\nhello\r\n--b--\r\n";
        let token = s.p.tokens[user].expose().to_owned();
        let before = s.received().len();
        let r = raw::send(
            &s.addr,
            "POST",
            "/operations/uploadfile?fs=local:&remote=",
            Some((user, &token)),
            "multipart/form-data; boundary=b",
            body.as_bytes(),
        )
        .await;
        assert_eq!(r.status, 501, "{user}: {}", r.body);
        assert!(r.body.contains("uploadfile"), "{}", r.body);
        assert_eq!(s.received().len(), before);
        assert!(!s.p.dir.path().join("data/up.txt").exists());
    }
    s.intact().await;
    s.p.engine.shutdown().await;
}

fn to_form(m: &Map<String, Value>) -> String {
    m.iter()
        .map(|(k, v)| {
            let s = match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            format!(
                "{}={}",
                url::form_urlencoded::byte_serialize(k.as_bytes()).collect::<String>(),
                url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>()
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

// ---- the generated-request property test ------------------------------------------------

/// Paths the generator calls (not the per-file copy/move calls: those go through rproxy's
/// queue, whose own rcd calls are the engine's, tested in `rclone_rc.rs`).
const PATHS: &[&str] = &[
    "operations/list",
    "operations/stat",
    "operations/size",
    "operations/about",
    "operations/mkdir",
    "operations/rmdirs",
    "operations/hashsum",
    "sync/copy",
    "sync/bisync",
    "job/batch",
    "rc/noop",
    "core/bwlimit",
    "config/listremotes",
    "core/command",
    "config/dump",
    "options/set",
    "operations/copyurl",
    "core/stats-reset",
    "fscache/clear",
    "backend/command",
    "serve/start",
    "config/get",
    "core/obscure",
];

/// A path as a hostile client might spell it (the plain spelling more than half the time).
fn spell(rng: &mut StdRng, path: &str) -> String {
    let (a, b) = path.split_once('/').unwrap();
    if rng.gen_bool(0.55) {
        return format!("/{path}");
    }
    let spellings = [
        format!("/{path}"),
        format!("/{path}"),
        format!("/{path}"),
        format!("/{path}/."),
        format!("/./{path}"),
        format!("/{a}/./{b}"),
        format!("/{a}/x/../{b}"),
        format!("/{a}%2f{b}"),
        format!("/{a}%2F{b}"),
        format!("/{a}%2f.%2f{b}"),
        format!("/%{:02x}{}/{b}", a.as_bytes()[0], &a[1..]),
        format!("//{path}"),
        format!("/{path}/"),
        format!("/{a}//{b}"),
        format!("/{a}\\{b}"),
        format!("/{path}%00"),
        format!("/{path}/%2e"),
        format!("/{path};"),
        format!("/{}", path.to_uppercase()),
    ];
    spellings.choose(rng).unwrap().clone()
}

/// A value for an fs parameter: fine, someone else's, inline, an object, climbing out.
fn fs_value(rng: &mut StdRng) -> Value {
    if rng.gen_bool(0.5) {
        return [json!("local:"), json!("local:sub"), json!("other:x")]
            .choose(rng)
            .unwrap()
            .clone();
    }
    let v = [
        json!("local:"),
        json!("local:sub"),
        json!("other:"),
        json!("other:x"),
        json!(":local:/etc"),
        json!("local,remote=/:"),
        json!("/etc"),
        json!("local:../secret"),
        json!("local:sub/../../secret"),
        json!({ "type": "local", "_root": "/" }),
        json!({ "_name": "local", "_root": "../secret" }),
        json!("{\"type\":\"local\",\"_root\":\"/\"}"),
        json!(["local:"]),
        json!(7),
    ];
    v.choose(rng).unwrap().clone()
}

fn remote_value(rng: &mut StdRng) -> Value {
    if rng.gen_bool(0.5) {
        return [json!(""), json!("sub"), json!("hello.txt")]
            .choose(rng)
            .unwrap()
            .clone();
    }
    [
        json!(""),
        json!("sub"),
        json!("hello.txt"),
        json!("../secret"),
        json!(".."),
        json!("sub/../../secret/canary.txt"),
        json!({ "x": 1 }),
    ]
    .choose(rng)
    .unwrap()
    .clone()
}

/// Extra keys: plain, place-naming, option-naming, in every shape.
fn extra(rng: &mut StdRng) -> (String, Value) {
    let cfg_keys = [
        "DryRun",
        "dryrun",
        "Transfers",
        "BackupDir",
        "backupdir",
        "BACKUPDIR",
        "CompareDest",
        "PasswordCommand",
        "MetadataMapper",
        "Links",
        "\u{17f}uffix",
        "InsecureSkipVerify",
    ];
    let filter_keys = [
        "IncludeRule",
        "MinSize",
        "FilesFrom",
        "filesfrom",
        "FilterFrom",
        "ExcludeFile",
    ];
    let value_for = |k: &str| match k {
        "DryRun" | "dryrun" | "Links" | "InsecureSkipVerify" => json!(true),
        "Transfers" => json!(4),
        "IncludeRule" => json!(["*.txt"]),
        "MinSize" => json!("1k"),
        _ => json!(["/tmp/rproxy-hostile-was-here"]),
    };
    match rng.gen_range(0..12) {
        9 => {
            return (
                "_config".into(),
                [
                    json!({ "DryRun": true }),
                    json!("{\"Transfers\":2}"),
                    json!({ "checksum": true }),
                ]
                .choose(rng)
                .unwrap()
                .clone(),
            )
        }
        10 => {
            return (
                "_filter".into(),
                [json!({ "IncludeRule": ["*.txt"] }), json!("{\"MinSize\":\"1k\"}")]
                    .choose(rng)
                    .unwrap()
                    .clone(),
            )
        }
        11 => return ("opt".into(), json!({ "noMimeType": true })),
        _ => {}
    }
    match rng.gen_range(0..9) {
        0 => {
            let k = cfg_keys.choose(rng).unwrap();
            let block = json!({ *k: value_for(k) });
            (
                "_config".into(),
                if rng.gen_bool(0.5) {
                    block
                } else {
                    json!(block.to_string())
                },
            )
        }
        1 => {
            let k = filter_keys.choose(rng).unwrap();
            let block = json!({ *k: value_for(k) });
            (
                "_filter".into(),
                if rng.gen_bool(0.5) {
                    block
                } else {
                    json!(block.to_string())
                },
            )
        }
        2 => {
            let k = [
                "backup_dir",
                "filter_from",
                "files_from",
                "metadata_mapper",
                "links",
                "dump",
                "compare_dest",
            ]
            .choose(rng)
            .unwrap();
            (k.to_string(), json!("/tmp/rproxy-hostile-was-here"))
        }
        3 => (
            [
                "workdir",
                "filtersFile",
                "backupDir1",
                "url",
                "command",
                "checkFilename",
            ]
            .choose(rng)
            .unwrap()
            .to_string(),
            json!("/tmp/rproxy-hostile-was-here"),
        ),
        4 => (
            "opt".into(),
            [
                json!({ "recurse": true }),
                json!({ "noMimeType": true }),
                json!("{\"recurse\":true}"),
                json!({ "evil": 1 }),
            ]
            .choose(rng)
            .unwrap()
            .clone(),
        ),
        5 => ("_group".into(), json!("job/1")),
        6 => ("rate".into(), [json!("1k"), Value::Null].choose(rng).unwrap().clone()),
        7 => (
            "concurrency".into(),
            [json!(2), json!(100000), json!("3")].choose(rng).unwrap().clone(),
        ),
        _ => ("mark".into(), json!(rng.gen::<u32>())),
    }
}

/// Parameters for `path`, possibly hostile; `depth` bounds nested `job/batch`.
fn params(rng: &mut StdRng, path: &str, depth: usize) -> Map<String, Value> {
    let mut m = Map::new();
    match path {
        "sync/copy" => {
            m.insert("srcFs".into(), fs_value(rng));
            // never into the source's own folder (a tree copied into itself doubles per call)
            let dst = [
                json!("other:x"),
                json!("other:"),
                json!(":local:/tmp"),
                json!({ "type": "local" }),
                json!("local:../secret"),
                json!("/etc"),
            ];
            m.insert("dstFs".into(), dst.choose(rng).unwrap().clone());
        }
        "sync/bisync" => {
            m.insert("path1".into(), fs_value(rng));
            m.insert("path2".into(), fs_value(rng));
            m.insert("dryRun".into(), json!(true));
        }
        "job/batch" => {
            let n = rng.gen_range(0..3);
            let inputs: Vec<Value> = (0..n)
                .map(|_| {
                    let inner = if depth < 2 {
                        *PATHS.choose(rng).unwrap()
                    } else {
                        "operations/list"
                    };
                    let mut i = params(rng, inner, depth + 1);
                    let spelled = if rng.gen_bool(0.8) {
                        inner.to_owned()
                    } else {
                        spell(rng, inner).trim_start_matches('/').to_owned()
                    };
                    i.insert("_path".into(), json!(spelled));
                    Value::Object(i)
                })
                .collect();
            m.insert("inputs".into(), json!(inputs));
        }
        "rc/noop" | "core/bwlimit" | "config/listremotes" | "core/stats-reset" | "fscache/clear" | "options/set"
        | "config/dump" => {}
        _ => {
            m.insert("fs".into(), fs_value(rng));
            m.insert("remote".into(), remote_value(rng));
        }
    }
    if path == "operations/hashsum" {
        m.insert("hashType".into(), json!("md5"));
        m.remove("remote");
    }
    let extras = if rng.gen_bool(0.5) { 0 } else { rng.gen_range(1..3) };
    for _ in 0..extras {
        let (k, v) = extra(rng);
        m.insert(k, v);
    }
    // the generator never asks for async jobs (their polling would be rcd traffic of rproxy's own)
    m.remove("_async");
    if path == "rc/noop" {
        // tells a generated rc/noop from the supervisor's health checks
        m.insert("mark".into(), json!(rng.gen::<u32>()));
    }
    m
}

/// Every generated request is either refused by rproxy and never reaches rcd, or reaches rcd
/// exactly once, on its canonical path, with the very bytes the policy judged (checked again
/// here on what rcd received). Nothing outside the remotes changes. `RPROXY_FUZZ_CASES` sets
/// the count (default 2,000), `RPROXY_FUZZ_SEED` the seed.
#[tokio::test]
async fn generated_requests_reach_rcd_only_as_judged() {
    let s = Suite::start().await;
    let cases: usize = std::env::var("RPROXY_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000);
    let seed: u64 = std::env::var("RPROXY_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20261206);
    let mut rng = StdRng::seed_from_u64(seed);
    let users: &[(&str, rproxy::policy::Role, &[&str])] = &[
        ("oper", rproxy::policy::Role::Operator, &[]),
        ("view", rproxy::policy::Role::Viewer, &[]),
        ("limited", rproxy::policy::Role::Operator, &["local"]),
    ];
    let (mut forwarded, mut refused) = (0, 0);
    for case in 0..cases {
        let (user, role, remotes) = users.choose(&mut rng).unwrap();
        let remotes: Vec<String> = remotes.iter().map(|r| r.to_string()).collect();
        let path = *PATHS.choose(&mut rng).unwrap();
        let target_path = spell(&mut rng, path);
        let values = params(&mut rng, path, 0);
        let (content_type, body, query) = match rng.gen_range(0..10) {
            0 | 1 => (FORM, to_form(&values), String::new()),
            2 => (FORM, String::new(), to_form(&values)),
            _ => (JSON, Value::Object(values.clone()).to_string(), String::new()),
        };
        let target = if query.is_empty() {
            target_path.clone()
        } else {
            format!("{target_path}?{query}")
        };
        // the judgment, made here the way rproxy makes it
        let merged = rproxy::params::merge(
            Some(&query).filter(|q| !q.is_empty()).map(String::as_str),
            Some(content_type),
            body.as_bytes(),
            None,
        )
        .unwrap();
        let mut judged = merged.values.clone();
        judged.remove("_group");
        let canonical = rproxy::canonical::rc_path(&target_path).ok();
        let allowed = canonical.is_some_and(|p| rproxy::policy::check(*role, &remotes, p, &judged).is_ok());
        let what = format!("case {case} (seed {seed}): {user} {target} {content_type} {body}");
        let before = s.received().len();
        let r = s.send(user, &target, content_type, &body).await;
        let got: Vec<(String, String)> = s.received()[before..].to_vec();
        assert!(!r.body.contains(&s.canary), "{what}: the canary leaked: {}", r.body);
        if allowed {
            assert_eq!(
                got.len(),
                1,
                "{what}: allowed, so rcd receives it once: {got:?} ({} {})",
                r.status,
                r.body
            );
            let (rcd_target, rcd_body) = &got[0];
            assert_eq!(rcd_target, &target_path, "{what}: rcd ran another path");
            assert_eq!(
                rcd_body.as_bytes(),
                serde_json::to_vec(&judged).unwrap().as_slice(),
                "{what}: rcd received other bytes than judged"
            );
            // and what rcd received passes the policy on its own
            let received: Map<String, Value> = serde_json::from_str(rcd_body).unwrap();
            assert!(
                rproxy::policy::check(*role, &remotes, &rcd_target[1..], &received).is_ok(),
                "{what}: rcd received a call the policy refuses"
            );
            forwarded += 1;
        } else {
            assert!(
                got.is_empty(),
                "{what}: refused by the policy, yet rcd received {got:?} ({} {})",
                r.status,
                r.body
            );
            assert!(matches!(r.status, 400 | 403), "{what}: {} {}", r.status, r.body);
            refused += 1;
        }
    }
    s.intact().await;
    eprintln!("generated requests: {cases} cases (seed {seed}): {forwarded} reached rcd exactly as judged, {refused} refused without reaching it");
    assert!(
        forwarded > cases / 20 && refused > cases / 2,
        "the generator must exercise both sides: {forwarded} forwarded, {refused} refused"
    );
    s.p.engine.shutdown().await;
}
