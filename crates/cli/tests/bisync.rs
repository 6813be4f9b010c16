//! `rcmd-cli bisync ...` and `rcmd-cli watch run` as a script uses them, with the real rclone
//! sidecar: a pair added, refused before its resync, the guided resync (preview without
//! --yes writes nothing), changes on both sides converge, the exit codes of a lockout and a
//! guard; a watched schedule of the pair runs on change under `watch run` and SIGTERM ends it.

#![allow(clippy::unwrap_used)]

mod common;

use std::{
    path::Path,
    process::Stdio,
    time::{Duration, Instant},
};

use common::{text, Home};

fn write(path: &Path, body: &[u8]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, body).unwrap();
}

fn run(home: &Home, args: &[&str]) -> (i32, String, String) {
    let o = home.run(args);
    (o.status.code().unwrap_or(-1), text(&o.stdout), text(&o.stderr))
}

#[test]
fn a_pair_from_the_command_line_with_its_exit_codes() {
    let home = Home::new();
    write(&home.path("one/a.txt"), b"on one");
    write(&home.path("two/b.txt"), b"on two");
    let (one, two) = (home.spec("one"), home.spec("two"));
    let (code, out, err) = run(&home, &["bisync", "add", "docs", &one, &two]);
    assert_eq!(code, 0, "{out}{err}");
    let (_, out, _) = run(&home, &["bisync", "list"]);
    assert!(
        out.contains("docs") && out.contains("new: run the guided resync first"),
        "{out}"
    );

    // a run before the resync: the lockout code, nothing written
    let (code, _, err) = run(&home, &["bisync", "run", "docs"]);
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("resync"), "{err}");
    assert!(!home.path("two/a.txt").exists());

    // the guided resync: without --yes it only shows
    let (code, out, err) = run(&home, &["bisync", "resync", "docs"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("→ path2: a.txt") && out.contains("→ path1: b.txt"),
        "{out}"
    );
    assert!(err.contains("--yes"), "{err}");
    assert!(!home.path("two/a.txt").exists() && !home.path("one/b.txt").exists());
    let (code, out, err) = run(&home, &["bisync", "resync", "docs", "--yes"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(home.path("two/a.txt").exists() && home.path("one/b.txt").exists());

    // changes on both sides
    write(&home.path("one/c.txt"), b"new on one");
    std::fs::remove_file(home.path("two/b.txt")).unwrap();
    let (code, out, err) = run(&home, &["bisync", "run", "docs", "--json"]);
    assert_eq!(code, 0, "{out}{err}");
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["copied_to_path2"], 1, "{report}");
    assert_eq!(report["deleted"], 1, "{report}");
    assert_eq!(std::fs::read(home.path("two/c.txt")).unwrap(), b"new on one");
    assert!(!home.path("one/b.txt").exists());

    // a side that lost its check file: refused (5), nothing deleted
    std::fs::remove_file(home.path("two/.rcmd-bisync-check")).unwrap();
    std::fs::remove_file(home.path("two/a.txt")).unwrap();
    let (code, out, err) = run(&home, &["bisync", "run", "docs"]);
    assert_eq!(code, 5, "{out}{err}");
    assert!(out.contains("STOPPED") && out.contains(".rcmd-bisync-check"), "{out}");
    assert!(home.path("one/a.txt").exists());
}

#[test]
fn watch_run_runs_a_watched_pair_on_change_and_stops_on_sigterm() {
    let home = Home::new();
    std::fs::create_dir_all(home.path("w1")).unwrap();
    std::fs::create_dir_all(home.path("w2")).unwrap();
    let (w1, w2) = (home.spec("w1"), home.spec("w2"));
    assert_eq!(run(&home, &["bisync", "add", "watched", &w1, &w2]).0, 0);
    assert_eq!(run(&home, &["bisync", "resync", "watched", "--yes"]).0, 0);
    let (code, out, err) = run(
        &home,
        &["schedule", "add", "w", "0 0 1 1 *", "bisync", "watched", "--watch", "1"],
    );
    assert_eq!(code, 0, "{out}{err}");
    let (_, out, _) = run(&home, &["watch", "list"]);
    assert!(out.contains("on change after 1 s"), "{out}");

    let mut child = home.cli(&["watch", "run"]).stderr(Stdio::piped()).spawn().unwrap();
    // the watch is up once the sidecar is; a change then arrives on the other side
    let t0 = Instant::now();
    let mut arrived = None;
    while t0.elapsed() < Duration::from_secs(60) {
        if t0.elapsed() > Duration::from_secs(3) && !home.path("w1/hello.txt").exists() {
            write(&home.path("w1/hello.txt"), b"watched");
        }
        if home.path("w2/hello.txt").exists() {
            arrived = Some(t0.elapsed());
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(arrived.is_some(), "the change never arrived");
    common_sigterm(child.id());
    let t1 = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(
            t1.elapsed() < Duration::from_secs(30),
            "watch run did not stop on SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    let mut err = String::new();
    std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut err).unwrap();
    assert_eq!(status.code(), Some(0), "{err}");
    assert!(err.contains("watching #"), "{err}");
}

fn common_sigterm(pid: u32) {
    std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
}
