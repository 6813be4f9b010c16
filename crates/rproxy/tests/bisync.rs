//! A client's two-way pair run on the server, called with a real `rclone rc --url`: an
//! operator previews the resync (nothing written), runs it and then a run as server batches
//! with the bisync report; a second run of the same pair while one is unfinished is refused;
//! a normal run where the server has no listings is a lockout; viewers cannot run pairs;
//! generated hostile parameters (the server's disk, bisync's work folder, filters files,
//! objects where text goes) are refused before anything runs.

#![allow(clippy::unwrap_used)]

mod common;

use std::{collections::BTreeMap, time::Duration};

use common::{json_out, message, Proxy};
use serde_json::{json, Value};

fn write(path: &std::path::Path, body: &[u8]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, body).unwrap();
}

fn files(dir: &std::path::Path) -> BTreeMap<String, Vec<u8>> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return BTreeMap::new();
    };
    entries
        .flatten()
        .filter(|e| e.path().is_file())
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

async fn call(p: &Proxy, user: &str, params: Value) -> std::process::Output {
    p.rc(user, &["rproxy/batch/bisync", "--json", &params.to_string()])
        .await
}

/// Waits for server batch `id` to end; its report.
async fn ended(p: &Proxy, id: i64) -> Value {
    for _ in 0..600 {
        let got = json_out(
            &p.rc(
                "oper",
                &["rproxy/batch/get", "--json", &json!({ "id": id }).to_string()],
            )
            .await,
        );
        let status = got["batch"]["status"].as_str().unwrap_or_default().to_owned();
        if !matches!(status.as_str(), "queued" | "running" | "") {
            return got;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("batch {id} never ended");
}

#[tokio::test]
async fn a_pair_runs_on_the_server_for_its_operator_once_at_a_time() {
    let p = Proxy::start().await;
    let data = p.dir.path().join("data");
    write(&data.join("one/a.txt"), b"on one");
    write(&data.join("two/b.txt"), b"on two");
    let sides = json!({ "path1": "local:one", "path2": "local:two", "name": "docs" });
    let with = |extra: Value| {
        let mut v = sides.clone();
        v.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        v
    };

    // hostile parameters never run anything
    let before = (files(&data.join("one")), files(&data.join("two")));
    let hostile = [
        json!({ "path1": ":local:/etc" }),
        json!({ "path2": "../two" }),
        json!({ "workdir": "/tmp/elsewhere" }),
        json!({ "filtersFile": "/etc/passwd" }),
        json!({ "backupDir1": "local:/tmp" }),
        json!({ "filter": { "FilterFrom": ["/etc/passwd"] } }),
        json!({ "filter": { "include": { "a": 1 } } }),
        json!({ "action": "explode" }),
        json!({ "action": { "run": true } }),
        json!({ "resyncMode": "everything" }),
        json!({ "maxDeletePercent": 1000 }),
        json!({ "conflicts": "drop_one" }),
        json!({ "backup": "/tmp/elsewhere" }),
        json!({ "path1": "local:two" }),
        json!({ "_filter": { "FilesFrom": ["/etc/passwd"] } }),
    ];
    for h in hostile {
        let params = with(h);
        let out = call(&p, "oper", params.clone()).await;
        assert!(!out.status.success(), "accepted: {params}");
    }
    assert_eq!(
        (files(&data.join("one")), files(&data.join("two"))),
        before,
        "hostile calls wrote"
    );

    // a viewer cannot run a pair
    let viewer = call(&p, "view", with(json!({ "action": "preview", "resyncMode": "newer" }))).await;
    assert!(
        !viewer.status.success() && message(&viewer).contains("viewer"),
        "{}",
        message(&viewer)
    );

    // a run where the server never resynchronised the pair: a lockout, nothing written
    let out = call(&p, "oper", with(json!({ "action": "run" }))).await;
    assert!(out.status.success(), "{}", message(&out));
    let id = json_out(&out)["id"].as_i64().unwrap();
    let r = ended(&p, id).await;
    assert_eq!(r["batch"]["status"], "failed", "{r}");
    assert_eq!(r["bisync"]["reason"], "lockout", "{r}");
    assert_eq!((files(&data.join("one")), files(&data.join("two"))), before);

    // the guided resync: the preview writes nothing, the resync does what it showed
    let out = call(&p, "oper", with(json!({ "action": "preview", "resyncMode": "newer" }))).await;
    assert!(out.status.success(), "{}", message(&out));
    let preview = json_out(&out);
    assert_eq!(preview["to_path2"], json!(["a.txt"]), "{preview}");
    assert_eq!(preview["to_path1"], json!(["b.txt"]), "{preview}");
    assert_eq!(
        (files(&data.join("one")), files(&data.join("two"))),
        before,
        "the preview wrote"
    );
    let out = call(&p, "oper", with(json!({ "action": "resync", "resyncMode": "newer" }))).await;
    assert!(out.status.success(), "{}", message(&out));
    let r = ended(&p, json_out(&out)["id"].as_i64().unwrap()).await;
    assert_eq!(r["batch"]["status"], "completed", "{r}");
    assert_eq!(files(&data.join("one")), files(&data.join("two")));

    // a change, a run (slowed down) and a second run of the same pair while it is unfinished
    let big: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
    write(&data.join("one/big.bin"), &big);
    let _ = p.rc("admin", &["core/bwlimit", "rate=1M"]).await;
    let out = call(&p, "oper", with(json!({ "action": "run" }))).await;
    assert!(out.status.success(), "{}", message(&out));
    let id = json_out(&out)["id"].as_i64().unwrap();
    let second = call(&p, "oper", with(json!({ "action": "run" }))).await;
    assert!(
        !second.status.success() && message(&second).contains("already running"),
        "{}",
        message(&second)
    );
    let _ = p.rc("admin", &["core/bwlimit", "rate=off"]).await;
    let r = ended(&p, id).await;
    assert_eq!(r["batch"]["status"], "completed", "{r}");
    assert_eq!(r["bisync"]["copied_to_path2"], 1, "{r}");
    assert_eq!(std::fs::read(data.join("two/big.bin")).unwrap(), big);
    // the viewer does not see the operator's batches
    let theirs = json_out(&p.rc("view", &["rproxy/batch/list", "--json", "{}"]).await);
    assert_eq!(theirs["batches"].as_array().map_or(0, Vec::len), 0, "{theirs}");
    p.engine.shutdown().await;
}
