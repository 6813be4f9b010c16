//! The headless `rcmd batch` command, killed with SIGKILL at several points of a copy and
//! resumed: the batch finishes, the destination equals the source, no file that was complete
//! at a kill is written again, and no rclone is left behind.

#![allow(clippy::unwrap_used)]

use std::{
    collections::HashMap,
    os::unix::fs::MetadataExt,
    path::{Path, PathBuf},
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use anyhow::{ensure, Context, Result};
use rcmd_e2e::*;

struct Setup {
    dir: tempfile::TempDir,
}

impl Setup {
    fn new(files: usize) -> Setup {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("data/src");
        for i in 0..files {
            let p = src.join(format!("d{}/f{i:05}.bin", i % 9));
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(&p, vec![(i % 253) as u8; 1024 + (i * 53) % 3072]).unwrap();
        }
        std::fs::write(
            dir.path().join("rclone.conf"),
            format!("[t]\ntype = alias\nremote = {}\n", dir.path().join("data").display()),
        )
        .unwrap();
        Setup { dir }
    }

    /// `rcmd batch <args>` through the app binary (forwarded to the command line).
    fn cmd(&self, args: &[&str]) -> Command {
        self.command(app_binary().unwrap(), args)
    }

    /// `rcmd-cli batch <args>`, the headless binary.
    fn cli(&self, args: &[&str]) -> Command {
        self.command(cli_binary().unwrap(), args)
    }

    fn command(&self, binary: PathBuf, args: &[&str]) -> Command {
        let mut c = Command::new(binary);
        c.arg("batch").args(args);
        c.env("RCLONE_CONFIG", self.dir.path().join("rclone.conf"))
            .env("RCMD_DATA_DIR", self.dir.path().join("home"))
            .env("XDG_CONFIG_HOME", self.dir.path().join("config"))
            // slow enough that the kills land mid-chunk
            .env("RCMD_RCLONE_FLAGS", "--bwlimit 400k")
            .stdin(Stdio::null());
        c
    }

    fn src(&self) -> PathBuf {
        self.dir.path().join("data/src")
    }

    fn dst(&self) -> PathBuf {
        self.dir.path().join("data/dst")
    }
}

/// Files in `dst` that are complete (final name, source size and modification time), with
/// their ctime: a later write of the same file would change it.
fn complete_files(src: &Path, dst: &Path) -> HashMap<PathBuf, i64> {
    let mut out = HashMap::new();
    let mut stack = vec![dst.to_owned()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let rel = p.strip_prefix(dst).unwrap().to_owned();
            let (Ok(d), Ok(s)) = (std::fs::metadata(&p), std::fs::metadata(src.join(&rel))) else {
                continue;
            };
            if d.len() == s.len() && d.mtime() == s.mtime() {
                out.insert(rel, d.ctime() * 1_000_000_000 + d.ctime_nsec());
            }
        }
    }
    out
}

#[test]
#[ignore = "needs the built app: run scripts/test.sh"]
fn batch_resumes_exactly_after_the_app_is_killed() -> Result<()> {
    let files = 1200;
    let s = Setup::new(files);
    let mut snapshots = vec![];
    let mut rclones = vec![];
    for (run, kill_at) in [200usize, 500, 850].into_iter().enumerate() {
        let args: Vec<&str> = if run == 0 {
            vec!["copy", "t:src", "t:dst"]
        } else {
            vec!["resume", "1"]
        };
        let mut child = s.cmd(&args).stdout(Stdio::null()).stderr(Stdio::null()).spawn()?;
        let start = Instant::now();
        let mut rclone = vec![];
        loop {
            let done = complete_files(&s.src(), &s.dst()).len();
            if rclone.is_empty() {
                rclone = children_named(child.id(), "rcmd-rclone");
            }
            if done >= kill_at {
                break;
            }
            ensure!(
                child.try_wait()?.is_none(),
                "run {run} ended before the kill point ({done} files)"
            );
            ensure!(
                start.elapsed() < Duration::from_secs(120),
                "run {run} too slow: {done} files"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        signal(child.id(), "KILL");
        child.wait()?;
        snapshots.push(complete_files(&s.src(), &s.dst()));
        eprintln!(
            "run {run}: killed at {} complete files",
            snapshots.last().unwrap().len()
        );
        rclones.extend(rclone);
    }
    // the parent-death signal took every rclone along
    for pid in &rclones {
        wait_until(Duration::from_secs(10), "rclone to exit", || {
            (!alive(*pid)).then_some(())
        })?;
    }
    ensure!(!rclones.is_empty(), "never saw the sidecar");

    let out = s.cmd(&["resume", "1"]).output()?;
    ensure!(
        out.status.code() == Some(0),
        "final resume: {:?}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );

    // complete and identical
    let end = complete_files(&s.src(), &s.dst());
    ensure!(end.len() == files, "{} of {files} files at the destination", end.len());
    for rel in end.keys() {
        ensure!(
            std::fs::read(s.src().join(rel))? == std::fs::read(s.dst().join(rel))?,
            "{} differs",
            rel.display()
        );
    }
    // nothing that was complete at a kill was written again
    for (i, snap) in snapshots.iter().enumerate() {
        let rewritten: Vec<_> = snap
            .iter()
            .filter(|(rel, ctime)| end.get(*rel) != Some(ctime))
            .map(|(r, _)| r)
            .collect();
        ensure!(
            rewritten.is_empty(),
            "after kill {i}, {} complete files were written again: {rewritten:?}",
            rewritten.len()
        );
    }
    let report: serde_json::Value =
        serde_json::from_slice(&s.cmd(&["report", "1", "--json"]).output()?.stdout).context("report json")?;
    ensure!(report["batch"]["status"] == "completed", "{report}");
    ensure!(report["batch"]["counts"]["done"] == files, "{report}");
    ensure!(report["failed"].as_array().is_some_and(|f| f.is_empty()), "{report}");
    eprintln!(
        "3 app kills: {} items were handed to rclone more than once (in flight at a kill)",
        report["retried"]
    );
    Ok(())
}

/// One runner per batch across processes: while `rcmd-cli` runs a batch, a second process is
/// refused with a message naming the first (host and pid); once the first is SIGKILLed, its
/// process is gone from this machine and the second takes the batch over at once and
/// finishes it. (A holder on another machine is waited for until its heartbeat is stale: the
/// store's own test covers that.)
#[test]
#[ignore = "needs the built app: run scripts/test.sh"]
fn a_second_process_cannot_run_the_same_batch() -> Result<()> {
    let s = Setup::new(400);
    let cli = |args: &[&str]| s.cli(args);
    let mut first = cli(&["copy", "t:src", "t:dst"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    wait_until(Duration::from_secs(60), "the first run to copy files", || {
        (complete_files(&s.src(), &s.dst()).len() >= 20).then_some(())
    })?;
    let out = cli(&["resume", "1"]).output()?;
    let err = String::from_utf8_lossy(&out.stderr);
    ensure!(out.status.code() == Some(1), "second runner: {:?}\n{err}", out.status);
    ensure!(
        err.contains("already running in another process") && err.contains(&format!("pid {}", first.id())),
        "{err}"
    );
    let rclones = children_named(first.id(), "rcmd-rclone");

    signal(first.id(), "KILL");
    first.wait()?;
    for pid in rclones {
        wait_until(Duration::from_secs(10), "rclone to exit", || {
            (!alive(pid)).then_some(())
        })?;
    }
    let out = cli(&["resume", "1"]).output()?;
    ensure!(
        out.status.code() == Some(0),
        "takeover: {:?}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    ensure!(
        complete_files(&s.src(), &s.dst()).len() == 400,
        "destination incomplete"
    );
    Ok(())
}

/// The command line and rproxy link no GUI library (nor OpenSSL): a server or cron job needs
/// no desktop stack.
#[test]
#[ignore = "needs the built app: run scripts/test.sh"]
fn the_command_line_links_no_gui_library() -> Result<()> {
    let out = Command::new("ldd").arg(cli_binary()?).output()?;
    let libs = String::from_utf8_lossy(&out.stdout);
    eprintln!("ldd rcmd-cli:\n{libs}");
    ensure!(out.status.success(), "ldd failed");
    for gui in [
        "webkit",
        "gtk",
        "gdk",
        "javascriptcore",
        "soup",
        "cairo",
        "pango",
        "X11",
        "wayland",
    ] {
        ensure!(
            !libs.to_lowercase().contains(&gui.to_lowercase()),
            "rcmd-cli links {gui}:\n{libs}"
        );
    }
    // the server neither
    let rproxy = String::from_utf8_lossy(
        &Command::new("ldd")
            .arg(app_binary()?.with_file_name("rproxy"))
            .output()?
            .stdout,
    )
    .to_lowercase();
    ensure!(
        rproxy.contains("libc.so"),
        "ldd rproxy printed nothing useful: {rproxy}"
    );
    for gui in [
        "webkit",
        "gtk",
        "gdk",
        "javascriptcore",
        "soup",
        "cairo",
        "pango",
        "x11",
        "wayland",
        "libssl",
    ] {
        ensure!(!rproxy.contains(gui), "rproxy links {gui}:\n{rproxy}");
    }
    // the app binary, for contrast, does link WebKitGTK (the check can fail)
    let app = String::from_utf8_lossy(&Command::new("ldd").arg(app_binary()?).output()?.stdout).to_lowercase();
    ensure!(app.contains("webkit"), "the app does not link WebKitGTK? {app}");
    Ok(())
}

/// The command line sends the notifications configured for the app, and the last one (the
/// batch completed, still in its coalescing window when the batch ends) is delivered before
/// the process exits. Also: a second Ctrl-C exits at once.
#[test]
#[ignore = "needs the built app: run scripts/test.sh"]
fn the_command_line_notifies_before_it_exits() -> Result<()> {
    let s = Setup::new(30);
    let sink = HttpSink::start();
    let conf = s.dir.path().join("config/dev.rcmd.app");
    std::fs::create_dir_all(&conf)?;
    std::fs::write(
        conf.join("settings.json"),
        r#"{"notifications": {"desktop": {"enabled": false}, "webhook": {"enabled": true, "only_problems": false}}}"#,
    )?;
    // no keyring service in this environment: the secret store is the private file
    std::fs::write(
        conf.join("secrets.json"),
        format!(r#"{{"webhook.url": "http://127.0.0.1:{}/hook"}}"#, sink.port),
    )?;
    let mut cmd = s.cli(&["copy", "t:src", "t:dst"]);
    cmd.env_remove("DBUS_SESSION_BUS_ADDRESS").env_remove("DISPLAY");
    let out = cmd.output()?;
    ensure!(
        out.status.code() == Some(0),
        "copy: {:?}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    // no waiting: it was sent before the process ended
    let seen = sink.seen.lock().unwrap().clone();
    let hook = seen
        .iter()
        .find(|r| r.starts_with("POST /hook"))
        .with_context(|| format!("no webhook request: {seen:?}"))?;
    ensure!(hook.contains("batch_completed"), "{hook}");

    // Ctrl-C pauses; a second Ctrl-C exits at once with 130
    let s2 = Setup::new(2000);
    let mut child = s2
        .cli(&["copy", "t:src", "t:dst"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()?;
    wait_until(Duration::from_secs(60), "copying to start", || {
        (complete_files(&s2.src(), &s2.dst()).len() >= 5).then_some(())
    })?;
    signal(child.id(), "INT");
    std::thread::sleep(Duration::from_millis(100));
    signal(child.id(), "INT");
    let started = Instant::now();
    let status = wait_until(Duration::from_secs(10), "exit after the second Ctrl-C", || {
        child.try_wait().ok().flatten()
    })?;
    ensure!(status.code() == Some(130), "{status:?} after {:?}", started.elapsed());
    Ok(())
}

/// `rcmd schedule` with the clock set by `RCMD_NOW_MS`: a schedule added at 01:59 is not due
/// at 01:59:30, runs (and is waited for) at 02:00:10, is not run twice, and a night later
/// with catch-up off reports the missed night.
#[test]
#[ignore = "needs the built app: run scripts/test.sh"]
fn scheduled_batches_run_from_the_command_line_at_their_time() -> Result<()> {
    let s = Setup::new(12);
    let night = |h: &str| chrono_like(&format!("2026-12-01T{h}Z"));
    let run = |now: i64, args: &[&str]| -> Result<std::process::Output> {
        let mut c = Command::new(cli_binary()?);
        c.arg("schedule").args(args);
        c.env("RCLONE_CONFIG", s.dir.path().join("rclone.conf"))
            .env("RCMD_DATA_DIR", s.dir.path().join("home"))
            .env("XDG_CONFIG_HOME", s.dir.path().join("config"))
            .env("RCMD_NOW_MS", now.to_string())
            .stdin(Stdio::null());
        let out = c.output()?;
        ensure!(
            out.status.success(),
            "rcmd schedule {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Ok(out)
    };
    run(
        night("01:59:00"),
        &["add", "nightly", "0 2 * * *", "copy", "t:src", "t:dst", "--no-catch-up"],
    )?;
    let list = String::from_utf8(run(night("01:59:00"), &["list"])?.stdout)?;
    ensure!(
        list.contains("#1 nightly [0 2 * * *] Copy t:src -> t:dst") && list.contains("last never"),
        "{list}"
    );

    let started = Instant::now();
    run(night("01:59:30"), &["run-due"])?;
    ensure!(!s.dst().exists(), "nothing is due at 01:59:30");
    ensure!(
        started.elapsed() < Duration::from_secs(5),
        "nothing due: no rclone start ({:?})",
        started.elapsed()
    );

    let out = run(night("02:00:10"), &["run-due"])?;
    ensure!(
        String::from_utf8_lossy(&out.stderr).contains("nightly Started"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // run-due waited for the batch: the copy is complete when it returns
    ensure!(
        complete_files(&s.src(), &s.dst()).len() == 12,
        "all 12 files copied by the time run-due exits"
    );
    run(night("02:00:40"), &["run-due"])?;
    let batches = String::from_utf8(s.cli(&["list"]).output()?.stdout)?;
    ensure!(batches.lines().count() == 1, "02:00 ran once: {batches}");

    // two nights pass without a run-due; at 09:00 on the 3rd both are reported missed (too
    // late, and catch-up is off)
    let next_day = night("09:00:00") + 2 * 86_400_000;
    run(next_day, &["run-due"])?;
    let runs = String::from_utf8(run(next_day, &["runs"])?.stdout)?;
    ensure!(runs.lines().count() == 3, "{runs}");
    ensure!(
        runs.lines().filter(|l| l.contains("Missed")).count() == 2 && runs.contains("Started batch 1"),
        "{runs}"
    );
    Ok(())
}

/// Unix ms of an RFC 3339 UTC time (`2026-12-01T02:00:10Z`), without a date crate.
fn chrono_like(s: &str) -> i64 {
    let (date, time) = s.trim_end_matches('Z').split_once('T').unwrap();
    let d: Vec<i64> = date.split('-').map(|x| x.parse().unwrap()).collect();
    let t: Vec<i64> = time.split(':').map(|x| x.parse().unwrap()).collect();
    // days from civil (Howard Hinnant's algorithm)
    let (y, m) = if d[1] <= 2 {
        (d[0] - 1, d[1] + 9)
    } else {
        (d[0], d[1] - 3)
    };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * m + 2) / 5 + d[2] - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    ((days * 24 + t[0]) * 60 + t[1]) * 60_000 + t[2] * 1000
}
