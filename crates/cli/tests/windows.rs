//! `rcmd-cli.exe` as Windows runs it: built for x86_64-pc-windows-gnu and run under Wine by
//! `scripts/cross.sh windows`, with the Windows `rclone.exe` as its sidecar. A batch killed the
//! way `taskkill /F` kills resumes exactly, and its rclone (on a loopback port with per-launch
//! credentials) dies with it through the Job Object; drive-letter paths work written with
//! backslashes or slashes; names Windows cannot hold are written the way rclone writes them.

#![cfg(windows)]
#![allow(clippy::unwrap_used)]

mod common;

use std::{
    io::{BufRead, BufReader},
    path::Path,
    process::{Command, Stdio},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use common::{
    text,
    windows::{answers, in_a_job, sidecar, status_without_credentials},
    Home,
};

/// Every file below `dir`, relative, with its bytes.
fn tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_owned()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                todo.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
                out.push((rel, std::fs::read(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn a_batch_killed_hard_resumes_exactly_and_its_rclone_dies_with_it() {
    let home = Home::new();
    for d in 0..4 {
        home.files(&format!("src/d{d}"), 10, 100_000);
    }
    let (src, dst) = (home.spec("src"), home.spec("dst"));
    assert!(
        src.starts_with("local:") && src.contains(":\\"),
        "a drive-letter path: {src}"
    );
    // slow (4 MB at 200 kB/s): killed mid-run
    let mut child = home
        .cli(&["batch", "copy", &src, &dst, "--bwlimit", "200k"])
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let log = Arc::new(Mutex::new(Vec::<String>::new()));
    let reader = {
        let (log, err) = (log.clone(), child.stderr.take().unwrap());
        std::thread::spawn(move || {
            for line in BufReader::new(err).lines().map_while(Result::ok) {
                log.lock().unwrap().push(line);
            }
        })
    };
    let end = Instant::now() + Duration::from_secs(90);
    while std::fs::read_dir(home.path("dst/d0")).map(|d| d.count()).unwrap_or(0) < 2 {
        assert!(
            Instant::now() < end,
            "the batch never got going: {:?}",
            log.lock().unwrap()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let (pid, addr) = sidecar(&log.lock().unwrap()).expect("the sidecar's pid and endpoint in the log");
    assert!(addr.ip().is_loopback(), "the sidecar listens on loopback only: {addr}");
    assert!(answers(addr), "the sidecar (pid {pid}) answers on {addr}");
    assert!(!in_a_job(std::process::id()), "the test itself runs outside any job");
    assert!(in_a_job(pid), "the sidecar (pid {pid}) is not in the kill-on-close job");
    // per-launch credentials: the port is reachable by any local program, the API is not
    assert_eq!(
        status_without_credentials(addr),
        401,
        "rclone's RC answered without credentials"
    );

    let killed = Command::new("taskkill")
        .args(["/F", "/PID", &child.id().to_string()])
        .output()
        .unwrap();
    assert!(killed.status.success(), "taskkill: {}", text(&killed.stdout));
    child.wait().unwrap();
    reader.join().unwrap();
    // the Job Object: the sidecar goes with the process that started it
    let end = Instant::now() + Duration::from_secs(15);
    while answers(addr) {
        assert!(
            Instant::now() < end,
            "rclone (pid {pid}) still answers on {addr} 15 s after its parent was killed"
        );
        std::thread::sleep(Duration::from_millis(100));
    }

    let out = text(&home.run(&["batch", "list"]).stdout);
    assert!(
        out.contains("[Interrupted: `rcmd batch resume 1` continues it]"),
        "{out}"
    );
    let resumed = home.run(&["batch", "resume", "1"]);
    assert_eq!(resumed.status.code(), Some(0), "{}", text(&resumed.stderr));
    let out = text(&home.run(&["batch", "list"]).stdout);
    assert!(out.contains("[Completed] 40/40 done"), "{out}");
    assert_eq!(tree(&home.path("dst")), tree(&home.path("src")), "the copy is exact");
}

#[test]
fn drive_letter_paths_with_backslashes_or_slashes() {
    let home = Home::new();
    home.files("src/a b/c", 3, 1000);
    home.files("src", 2, 10);
    let src = home.path("src").display().to_string();
    let dst = |n: &str| home.path(n).display().to_string();
    let cases = [
        (format!("local:{src}"), format!("local:{}", dst("d1"))),
        (
            format!("local:{}", src.replace('\\', "/")),
            format!("local:{}", dst("d2").replace('\\', "/")),
        ),
        (format!(":local:{src}"), format!(":local:{}\\", dst("d3"))),
    ];
    for (i, (s, d)) in cases.iter().enumerate() {
        let out = home.run(&["batch", "copy", s, d]);
        assert_eq!(out.status.code(), Some(0), "{s} -> {d}: {}", text(&out.stderr));
        assert_eq!(
            tree(&home.path(&format!("d{}", i + 1))),
            tree(&home.path("src")),
            "{s} -> {d}"
        );
    }
    // a compare across the two spellings finds the trees the same
    let same = home.run(&["compare", &cases[0].0, &cases[1].1]);
    assert_eq!(
        same.status.code(),
        Some(0),
        "{}{}",
        text(&same.stdout),
        text(&same.stderr)
    );
    assert!(text(&same.stdout).contains("5 same"), "{}", text(&same.stdout));
}
