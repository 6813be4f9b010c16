//! `rcmd-cli` as a script or a shell user runs it, with the real rclone sidecar: a batch
//! whose process was killed reads as interrupted, rclone options are real options, and a
//! healthy run prints no errors.

#![allow(clippy::unwrap_used)]

mod common;

use std::{
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use common::{text, Home};

#[test]
fn a_killed_run_reads_as_interrupted_and_resume_finishes_it() {
    let home = Home::new();
    for d in 0..4 {
        home.files(&format!("src/d{d}"), 10, 100_000);
    }
    let (src, dst) = (home.spec("src"), home.spec("dst"));
    // slow (4 MB at 200 kB/s): killed mid-run, before every destination folder exists
    let mut child = home
        .cli(&["batch", "copy", &src, &dst, "--bwlimit", "200k"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let end = Instant::now() + Duration::from_secs(60);
    while std::fs::read_dir(home.path("dst/d0")).map(|d| d.count()).unwrap_or(0) < 2 {
        assert!(Instant::now() < end, "the batch never got going");
        std::thread::sleep(Duration::from_millis(50));
    }
    Command::new("kill")
        .args(["-9", &child.id().to_string()])
        .status()
        .unwrap();
    child.wait().unwrap();

    let out = text(&home.run(&["batch", "list"]).stdout);
    assert!(
        out.contains("[Interrupted: `rcmd batch resume 1` continues it]"),
        "{out}"
    );
    let json = text(&home.run(&["batch", "list", "--json"]).stdout);
    assert!(
        json.contains("\"status\": \"paused\"") && json.contains("interrupted"),
        "{json}"
    );
    let report = text(&home.run(&["batch", "report", "1"]).stdout);
    assert!(report.contains("Interrupted"), "{report}");

    let resumed = home.run(&["batch", "resume", "1"]);
    let err = text(&resumed.stderr);
    assert_eq!(resumed.status.code(), Some(0), "{err}");
    // verifying the items that were in flight finds folders not made yet: not an error
    assert!(
        !err.contains("ERROR") && !err.contains("WARN"),
        "noise on resume:\n{err}"
    );
    let out = text(&home.run(&["batch", "list"]).stdout);
    assert!(out.contains("[Completed] 40/40 done"), "{out}");
}

#[test]
fn rclone_options_are_options_and_bad_ones_are_refused() {
    let home = Home::new();
    let help = home.run(&["batch", "copy", "--help"]);
    assert_eq!(help.status.code(), Some(0), "help is not an error");
    let usage = text(&help.stdout);
    for opt in [
        "--bwlimit <RATE>",
        "--transfers <N>",
        "--checkers <N>",
        "--rclone-flag <FLAG>",
    ] {
        assert!(usage.contains(opt), "--help lacks {opt}: {usage}");
    }
    for (args, says) in [
        (
            &["batch", "copy", "local:/a", "local:/b", "--transfers", "0"][..],
            "from 1 to 64",
        ),
        (
            &["batch", "copy", "local:/a", "local:/b", "--bwlimit", "1M;x"],
            "not a bandwidth limit",
        ),
        (
            &[
                "batch",
                "copy",
                "local:/a",
                "local:/b",
                "--rclone-flag",
                "--rc-addr=0.0.0.0:1",
            ],
            "may not contain --rc-addr",
        ),
        (
            &["batch", "copy", "local:/a", "local:/b", "--checkers"],
            "a value is required",
        ),
    ] {
        let out = home.run(args);
        // 1, never clap's 2: that means "some items failed" to a script
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(text(&out.stderr).contains(says), "{args:?}: {}", text(&out.stderr));
    }
    // real options reach rclone and the batch runs with them
    home.files("src", 3, 1000);
    let ok = home.run(&[
        "batch",
        "copy",
        &home.spec("src"),
        &home.spec("dst"),
        "--transfers=1",
        "--bwlimit",
        "10M",
        "--rclone-flag=--checksum",
    ]);
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok.stderr));
    assert_eq!(std::fs::read_dir(home.path("dst")).unwrap().count(), 3);
}

#[test]
fn a_healthy_run_prints_no_errors_or_warnings() {
    let home = Home::new();
    home.files("src", 5, 1000);
    let (src, dst) = (home.spec("src"), home.spec("dst"));
    for run in ["first", "second"] {
        // the second finds everything there: verification's lookups are not errors
        let out = home.run(&["batch", "copy", &src, &dst]);
        assert_eq!(out.status.code(), Some(0));
        let err = text(&out.stderr);
        assert!(
            !err.contains("ERROR") && !err.contains("WARN"),
            "noise on the {run} run:\n{err}"
        );
    }
}

fn age(path: &std::path::Path, days_ago: u64) {
    std::fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(std::time::SystemTime::now() - std::time::Duration::from_secs(days_ago * 86_400))
        .unwrap();
}

#[test]
fn on_conflict_keeps_newer_files_by_default_and_overwrites_or_skips_when_asked() {
    let home = Home::new();
    let (src, dst) = (home.path("src"), home.path("dst"));
    std::fs::create_dir_all(&src).unwrap();
    std::fs::create_dir_all(&dst).unwrap();
    let reset = || {
        std::fs::write(src.join("report.txt"), "source, a week old").unwrap();
        age(&src.join("report.txt"), 7);
        std::fs::write(dst.join("report.txt"), "destination, edited yesterday").unwrap();
        age(&dst.join("report.txt"), 1);
        std::fs::write(src.join("notes.txt"), "source, new").unwrap();
        std::fs::write(dst.join("notes.txt"), "destination, a month old").unwrap();
        age(&dst.join("notes.txt"), 30);
    };
    let read = |p: &std::path::Path| std::fs::read_to_string(p).unwrap();
    let (s, d) = (home.spec("src"), home.spec("dst"));

    // default: the newer report at the destination is kept, the older notes replaced
    reset();
    let out = home.run(&["batch", "copy", &s, &d]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(read(&dst.join("report.txt")), "destination, edited yesterday");
    assert_eq!(read(&dst.join("notes.txt")), "source, new");
    // the report says why the report was not copied
    let report = home.run(&["batch", "report", "1", "--json"]);
    let json = text(&report.stdout);
    assert!(json.contains("\"on_conflict\": \"update\""), "{json}");
    assert!(json.contains("\"skipped\": 1"), "{json}");

    // skip: nothing existing changes
    reset();
    let out = home.run(&["batch", "copy", &s, &d, "--on-conflict", "skip"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(read(&dst.join("notes.txt")), "destination, a month old");

    // overwrite: the newer destination file is replaced, as asked
    reset();
    let out = home.run(&["batch", "copy", &s, &d, "--on-conflict", "overwrite"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(read(&dst.join("report.txt")), "source, a week old");

    // a policy that does not exist is a usage error naming the choices; nothing is copied
    reset();
    let out = home.run(&["batch", "copy", &s, &d, "--on-conflict", "newest"]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("update") && err.contains("overwrite") && err.contains("skip"),
        "{err}"
    );
    assert_eq!(read(&dst.join("report.txt")), "destination, edited yesterday");
}
