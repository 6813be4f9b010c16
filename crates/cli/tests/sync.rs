//! `rcmd-cli compare | sync | find` as a script runs them, with the real rclone sidecar: the
//! exit codes, a dry run that writes nothing and lists what the run then does, the delete
//! guard, a sync killed with SIGKILL and resumed exactly, a search with a limit.

#![allow(clippy::unwrap_used)]

mod common;

use std::{
    collections::BTreeMap,
    path::Path,
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use common::{text, Home};

fn write(path: &Path, body: &[u8]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, body).unwrap();
}

/// Files below `root` (relative path → bytes), folders left out.
fn tree(root: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for e in entries {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                let rel = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

#[test]
fn compare_dry_run_and_sync_from_the_command_line() {
    let home = Home::new();
    write(&home.path("l/new.txt"), b"new");
    write(&home.path("l/changed.txt"), b"left version");
    write(&home.path("r/changed.txt"), b"right version, older");
    write(&home.path("l/same/a.txt"), b"same");
    write(&home.path("r/same/a.txt"), b"same");
    write(&home.path("r/stale/old.txt"), b"only on the right");
    write(&home.path("r/keep.log"), b"outside the filter");
    let (l, r) = (home.spec("l"), home.spec("r"));

    let out = home.run(&["compare", &l, &r, "--json", "--exclude", "*.log"]);
    assert_eq!(out.status.code(), Some(6), "differences: exit 6; {}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let states: BTreeMap<String, String> = v["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["path"].as_str().unwrap().to_owned(),
                r["state"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let want: BTreeMap<String, String> = [
        ("changed.txt", "differ"),
        ("new.txt", "only_left"),
        ("same/a.txt", "same"),
        ("stale/old.txt", "only_right"),
    ]
    .into_iter()
    .map(|(a, b)| (a.to_owned(), b.to_owned()))
    .collect();
    assert_eq!(states, want, "the filter left keep.log out");

    // the dry run lists the plan and writes nothing
    let before = tree(&home.path("r"));
    let dry = home.run(&["sync", &l, &r, "--dry-run", "--json", "--exclude", "*.log"]);
    assert_eq!(dry.status.code(), Some(0), "{}", text(&dry.stderr));
    let plan: serde_json::Value = serde_json::from_slice(&dry.stdout).unwrap();
    let actions: Vec<(String, String)> = plan["actions"]
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
            ("new.txt".to_owned(), "right".to_owned()),
            ("stale/old.txt".to_owned(), "delete_right".to_owned()),
        ]
    );
    assert_eq!(tree(&home.path("r")), before, "the dry run wrote nothing");
    assert!(!home.path(".rcmd-backup").exists(), "and made no backup folder");

    // the run does it: the right matches the left, keep.log (outside the filter) stays
    let run = home.run(&["sync", &l, &r, "--exclude", "*.log"]);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
    let mut want = tree(&home.path("l"));
    want.insert("keep.log".into(), b"outside the filter".to_vec());
    assert_eq!(tree(&home.path("r")), want);
    assert!(!home.path("r/stale").exists(), "the emptied folder went with its file");
    let report = text(&home.run(&["batch", "report", "1", "--json"]).stdout);
    assert!(
        report.contains("\"kind\": \"sync\"") && report.contains("\"done\": 3"),
        "{report}"
    );
    // the replaced and the deleted file are in the dated backup folder
    let stamps: Vec<_> = std::fs::read_dir(home.path(".rcmd-backup")).unwrap().collect();
    assert_eq!(stamps.len(), 1);
    let kept = tree(&stamps[0].as_ref().unwrap().path().join("r"));
    assert_eq!(
        kept.get("changed.txt").map(Vec::as_slice),
        Some(&b"right version, older"[..])
    );
    assert_eq!(
        kept.get("stale/old.txt").map(Vec::as_slice),
        Some(&b"only on the right"[..])
    );

    let again = home.run(&["compare", &l, &r, "--exclude", "*.log"]);
    assert_eq!(
        again.status.code(),
        Some(0),
        "they match now: exit 0; {}",
        text(&again.stdout)
    );
    let nothing = home.run(&["sync", &l, &r, "--exclude", "*.log"]);
    assert_eq!(nothing.status.code(), Some(0));
    assert!(text(&nothing.stdout).contains("nothing to do"));
}

#[test]
fn the_delete_guard_refuses_a_sync_and_bad_filters_are_refused() {
    let home = Home::new();
    write(&home.path("l/a.txt"), b"a");
    for i in 0..4 {
        write(&home.path(&format!("r/old{i}.txt")), b"old");
    }
    let (l, r) = (home.spec("l"), home.spec("r"));
    let before = tree(&home.path("r"));
    let out = home.run(&["sync", &l, &r]);
    assert_eq!(out.status.code(), Some(5), "refused: exit 5");
    let err = text(&out.stderr);
    assert!(err.contains("delete 4 of 4 files") && err.contains("50 %"), "{err}");
    let out = home.run(&["sync", &l, &r, "--max-delete", "3", "--max-delete-percent", "100"]);
    assert_eq!(out.status.code(), Some(5));
    assert!(text(&out.stderr).contains("3 files"), "{}", text(&out.stderr));
    assert_eq!(tree(&home.path("r")), before, "nothing written");
    assert!(
        text(&home.run(&["batch", "list"]).stdout).trim().is_empty(),
        "no batch made"
    );

    let bad = home.run(&["compare", &l, &r, "--min-size", "ten"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(text(&bad.stderr).contains("not a size"), "{}", text(&bad.stderr));
    let same = home.run(&["sync", &l, &l]);
    assert_eq!(same.status.code(), Some(1));
    assert!(text(&same.stderr).contains("the same"), "{}", text(&same.stderr));
}

#[test]
fn a_killed_sync_resumes_exactly() {
    let home = Home::new();
    for d in 0..4 {
        home.files(&format!("l/d{d}"), 10, 100_000);
    }
    for i in 0..5 {
        write(&home.path(&format!("r/gone/g{i}.txt")), b"deleted by the sync");
    }
    write(&home.path("r/d0/f000.bin"), b"replaced by the sync");
    let (l, r) = (home.spec("l"), home.spec("r"));
    // slow (4 MB at 200 kB/s): killed mid-run
    let mut child = home
        .cli(&["sync", &l, &r, "--bwlimit", "200k", "--max-delete-percent", "100"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let end = Instant::now() + Duration::from_secs(60);
    while std::fs::read_dir(home.path("r/d0")).map(|d| d.count()).unwrap_or(0) < 3 {
        assert!(Instant::now() < end, "the sync never got going");
        std::thread::sleep(Duration::from_millis(50));
    }
    Command::new("kill")
        .args(["-9", &child.id().to_string()])
        .status()
        .unwrap();
    child.wait().unwrap();
    let list = text(&home.run(&["batch", "list"]).stdout);
    assert!(list.contains("Sync") && list.contains("Interrupted"), "{list}");

    let resumed = home.run(&["batch", "resume", "1"]);
    assert_eq!(resumed.status.code(), Some(0), "{}", text(&resumed.stderr));
    assert_eq!(tree(&home.path("r")), tree(&home.path("l")), "exactly the left's files");
    let stamp = std::fs::read_dir(home.path(".rcmd-backup"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let kept = tree(&stamp.join("r"));
    assert_eq!(kept.len(), 6, "{:?}", kept.keys());
    assert_eq!(kept["d0/f000.bin"], b"replaced by the sync");
}

#[test]
fn find_lists_matches_with_a_limit_and_says_when_nothing_matched() {
    let home = Home::new();
    for (p, n) in [
        ("a/x.jpg", 10),
        ("a/b/y.jpg", 5000),
        ("a/b/c/z.jpg", 20),
        ("a/notes.txt", 3),
    ] {
        write(&home.path(&format!("t/{p}")), &vec![1u8; n]);
    }
    let t = home.spec("t");
    let out = home.run(&["find", &t, "--name", "*.jpg", "--max-size", "1k", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let found: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    let mut paths: Vec<&str> = found.iter().map(|f| f["path"].as_str().unwrap()).collect();
    paths.sort();
    assert_eq!(paths, vec!["a/b/c/z.jpg", "a/x.jpg"]);
    let limited = home.run(&["find", &t, "--name", "*.jpg", "--limit", "1"]);
    assert_eq!(limited.status.code(), Some(0));
    assert_eq!(text(&limited.stdout).lines().count(), 1);
    assert!(
        text(&limited.stderr).contains("stopped at 1"),
        "{}",
        text(&limited.stderr)
    );
    let none = home.run(&["find", &t, "--name", "*.png"]);
    assert_eq!(none.status.code(), Some(6));
}

#[test]
fn a_copy_with_a_filter_copies_only_what_it_covers() {
    let home = Home::new();
    write(&home.path("src/a.jpg"), b"jpg");
    write(&home.path("src/b.txt"), b"txt");
    write(&home.path("src/tmp/c.jpg"), b"tmp jpg");
    write(&home.path("src/deep/d.jpg"), &[1u8; 5000]);
    let (src, dst) = (home.spec("src"), home.spec("dst"));
    let out = home.run(&[
        "copy",
        &src,
        &dst,
        "--include",
        "*.jpg",
        "--exclude",
        "tmp/**",
        "--max-size",
        "1k",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let got: Vec<String> = tree(&home.path("dst")).into_keys().collect();
    assert_eq!(got, vec!["a.jpg"]);
    let bad = home.run(&["move", &src, &dst, "--max-age", "soon"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(text(&bad.stderr).contains("not an age"), "{}", text(&bad.stderr));
    assert!(home.path("src/b.txt").exists(), "a refused move moves nothing");
}
