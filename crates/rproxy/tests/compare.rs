//! Compare and sync on the server, called with a real `rclone rc --url`: a viewer compares, an
//! operator previews (nothing written) and syncs as a server batch with a changed direction,
//! the replaced file kept in the backup folder; viewers cannot sync, users only reach their
//! remotes, and generated hostile directions and filters are refused before anything runs.

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
    std::fs::read_dir(dir)
        .unwrap()
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

async fn call(p: &Proxy, user: &str, path: &str, params: Value) -> std::process::Output {
    p.rc(user, &[path, "--json", &params.to_string()]).await
}

#[tokio::test]
async fn compare_and_sync_run_on_the_server_for_their_users_only() {
    let p = Proxy::start().await;
    let data = p.dir.path().join("data");
    write(&data.join("l/new.txt"), b"only on the left");
    write(&data.join("l/changed.txt"), b"left version");
    write(&data.join("r/changed.txt"), b"right version, older");
    write(&data.join("l/same.txt"), b"same");
    write(&data.join("r/same.txt"), b"same");
    write(&data.join("r/stale.txt"), b"only on the right");
    let sides = json!({ "srcFs": "local:l", "dstFs": "local:r" });

    // a viewer compares: rows with states and the mirror's directions
    let out = call(&p, "view", "rproxy/batch/compare", sides.clone()).await;
    assert!(out.status.success(), "{}", message(&out));
    let v = json_out(&out);
    let rows: BTreeMap<String, (String, String)> = v["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["path"].as_str().unwrap().to_owned(),
                (
                    r["state"].as_str().unwrap().to_owned(),
                    r["direction"].as_str().unwrap().to_owned(),
                ),
            )
        })
        .collect();
    let want: BTreeMap<String, (String, String)> = [
        ("changed.txt", ("differ", "right")),
        ("new.txt", ("only_left", "right")),
        ("same.txt", ("same", "skip")),
        ("stale.txt", ("only_right", "delete_right")),
    ]
    .into_iter()
    .map(|(p, (s, d))| (p.to_owned(), (s.to_owned(), d.to_owned())))
    .collect();
    assert_eq!(rows, want);

    // a viewer cannot sync; a user limited to "local" cannot reach "other"
    let viewer = call(&p, "view", "rproxy/batch/sync", sides.clone()).await;
    assert!(
        !viewer.status.success() && message(&viewer).contains("viewer"),
        "{}",
        message(&viewer)
    );
    let limited = call(
        &p,
        "limited",
        "rproxy/batch/compare",
        json!({ "srcFs": "local:l", "dstFs": "other:x" }),
    )
    .await;
    assert!(
        !limited.status.success() && message(&limited).contains("not among this user's remotes"),
        "{}",
        message(&limited)
    );

    // hostile parameters never run anything
    let before = (files(&data.join("l")), files(&data.join("r")));
    let hostile = [
        json!({ "directions": { "../../etc/passwd": "right" } }),
        json!({ "directions": { "stale.txt": "explode" } }),
        json!({ "directions": ["stale.txt"] }),
        json!({ "directions": { "stale.txt": { "nested": true } } }),
        json!({ "directions": { "new.txt": "left" } }),
        json!({ "directions": { "not/in/the/compare.txt": "skip" } }),
        json!({ "filter": { "include": { "a": 1 } } }),
        json!({ "filter": { "FilterFrom": ["/etc/passwd"] } }),
        json!({ "filter": { "exclude_if_present": "../x" } }),
        json!({ "filter": { "min_size": "ten" } }),
        json!({ "mode": "both" }),
        json!({ "backup": "/tmp/elsewhere" }),
        json!({ "maxDeletePercent": 1000 }),
        json!({ "_filter": { "FilesFrom": ["/etc/passwd"] } }),
        json!({ "srcFs": ":local:/etc" }),
    ];
    for h in hostile {
        let mut params = sides.clone();
        params.as_object_mut().unwrap().extend(h.as_object().unwrap().clone());
        let out = call(&p, "oper", "rproxy/batch/sync", params.clone()).await;
        assert!(!out.status.success(), "accepted: {params}");
    }
    assert_eq!(
        (files(&data.join("l")), files(&data.join("r"))),
        before,
        "hostile calls wrote"
    );
    let listed: Value = json_out(&call(&p, "oper", "rproxy/batch/list", json!({})).await);
    assert_eq!(listed["batches"].as_array().map_or(0, Vec::len), 0, "{listed}");

    // the preview: the stale file comes to the left instead; new.txt skipped; nothing written
    let mut params = sides.clone();
    params["directions"] = json!({ "stale.txt": "left", "new.txt": "skip" });
    params["dryRun"] = json!(true);
    let out = call(&p, "oper", "rproxy/batch/sync", params.clone()).await;
    assert!(out.status.success(), "{}", message(&out));
    let preview = json_out(&out);
    assert!(preview["batch"].is_null());
    let actions: Vec<(String, String)> = preview["preview"]["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["path"].as_str().unwrap().to_owned(),
                a["direction"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        actions,
        vec![
            ("changed.txt".to_owned(), "right".to_owned()),
            ("stale.txt".to_owned(), "left".to_owned())
        ]
    );
    assert_eq!(
        (files(&data.join("l")), files(&data.join("r"))),
        before,
        "the dry run wrote"
    );
    assert!(!data.join(".rcmd-backup").exists());

    // the run: a server batch of the operator's
    params["dryRun"] = json!(false);
    let out = call(&p, "oper", "rproxy/batch/sync", params).await;
    assert!(out.status.success(), "{}", message(&out));
    let id = json_out(&out)["batch"]["id"].as_i64().unwrap();
    let mut status = String::new();
    for _ in 0..300 {
        let got = json_out(&call(&p, "oper", "rproxy/batch/get", json!({ "id": id })).await);
        status = got["batch"]["status"]
            .as_str()
            .or(got["status"].as_str())
            .unwrap_or_default()
            .to_owned();
        if status == "completed" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(status, "completed");
    assert_eq!(std::fs::read(data.join("r/changed.txt")).unwrap(), b"left version");
    assert_eq!(std::fs::read(data.join("l/stale.txt")).unwrap(), b"only on the right");
    assert!(!data.join("r/new.txt").exists() && data.join("r/stale.txt").exists());
    let stamp = std::fs::read_dir(data.join(".rcmd-backup"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    assert_eq!(
        std::fs::read(stamp.join("r/changed.txt")).unwrap(),
        b"right version, older"
    );
    // the viewer does not see the operator's batch
    let theirs = json_out(&call(&p, "view", "rproxy/batch/list", json!({})).await);
    assert_eq!(theirs["batches"].as_array().map_or(0, Vec::len), 0, "{theirs}");
    p.engine.shutdown().await;
}
