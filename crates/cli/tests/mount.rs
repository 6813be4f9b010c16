//! `rcmd-cli mount ...` and `rcmd-cli serve ...` with the real rclone and real FUSE: add,
//! up in the foreground, seen and taken down from a second process, one owner per mount,
//! SIGTERM unmounts, auto-mount, a missing fusermount3 explained, a serve that asks for its
//! generated password.

#![allow(clippy::unwrap_used)]

mod common;

use std::{
    path::Path,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use common::{text, Home};

fn cli(home: &Home, args: &[&str]) -> Command {
    let mut c = home.cli(args);
    c.env("XDG_CACHE_HOME", home.path("cache"));
    c
}

fn run(home: &Home, args: &[&str]) -> (i32, String, String) {
    let o = cli(home, args).output().unwrap();
    (o.status.code().unwrap_or(-1), text(&o.stdout), text(&o.stderr))
}

fn spawn(home: &Home, args: &[&str]) -> Child {
    cli(home, args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn wait_for(what: &str, within: Duration, mut ok: impl FnMut() -> bool) {
    let t0 = Instant::now();
    while !ok() {
        assert!(t0.elapsed() < within, "{what}: not within {within:?}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn mounted(p: &Path) -> bool {
    std::fs::read_to_string("/proc/self/mountinfo")
        .unwrap()
        .lines()
        .any(|l| l.split(' ').nth(4) == Some(p.to_str().unwrap()))
}

/// Waits for `child` to end (at most `within`); its exit code and stderr.
fn end(mut child: Child, within: Duration) -> (i32, String) {
    let t0 = Instant::now();
    loop {
        if let Some(st) = child.try_wait().unwrap() {
            let mut err = String::new();
            std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut err).unwrap();
            return (st.code().unwrap_or(-1), err);
        }
        if t0.elapsed() > within {
            let _ = child.kill();
            panic!("did not end within {within:?}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn a_mount_up_in_one_process_listed_and_taken_down_from_another() {
    let home = Home::new();
    home.files("src", 3, 100);
    let src = home.path("src").to_string_lossy().into_owned();
    let mp = home.path("mnt/m");
    let (code, _, err) = run(
        &home,
        &["mount", "add", "m", &format!("local:{src}"), mp.to_str().unwrap()],
    );
    assert_eq!(code, 0, "{err}");
    let (_, out, _) = run(&home, &["mount", "list"]);
    assert!(out.contains("m: local:") && out.contains("stopped"), "{out}");
    let up = spawn(&home, &["mount", "up", "m"]);
    wait_for("listed as mounted", Duration::from_secs(30), || {
        run(&home, &["mount", "list"]).1.contains("mounted")
    });
    assert!(mounted(&mp));
    assert_eq!(std::fs::read(mp.join("f001.bin")).unwrap(), vec![1u8; 100]);
    // one owner per mount
    let (code, _, err) = run(&home, &["mount", "up", "m"]);
    assert_eq!(code, 1);
    assert!(err.contains("already running in another RCMD process"), "{err}");
    // written through the mount, down from another process: waits for the upload
    std::fs::write(mp.join("new.txt"), b"through the mount").unwrap();
    let (code, _, err) = run(&home, &["mount", "down", "m", "--wait", "60"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(std::fs::read(home.path("src/new.txt")).unwrap(), b"through the mount");
    let (code, err) = end(up, Duration::from_secs(30));
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("m: mounted"), "{err}");
    assert!(!mounted(&mp));
    let (_, out, _) = run(&home, &["mount", "list"]);
    assert!(out.contains("stopped"), "{out}");
    let (code, _, err) = run(&home, &["mount", "down", "m"]);
    assert_eq!(code, 0);
    assert!(err.contains("not mounted"), "{err}");
    let (code, _, _) = run(&home, &["mount", "remove", "m"]);
    assert_eq!(code, 0);
}

#[test]
fn auto_mounts_come_up_and_sigterm_takes_them_down() {
    let home = Home::new();
    home.files("src", 2, 10);
    let src = home.path("src").to_string_lossy().into_owned();
    let mp = home.path("mnt/auto");
    let (code, _, err) = run(
        &home,
        &[
            "mount",
            "add",
            "auto",
            &format!("local:{src}"),
            mp.to_str().unwrap(),
            "--auto",
            "--read-only",
        ],
    );
    assert_eq!(code, 0, "{err}");
    // the systemd user unit a desktop-less server installs runs exactly this
    let (code, unit, _) = run(&home, &["mount", "service", "print"]);
    assert_eq!(code, 0);
    assert!(unit.contains("rcmd-cli mount up --auto --wait 60"), "{unit}");
    let up = spawn(&home, &["mount", "up", "--auto"]);
    wait_for("auto-mounted", Duration::from_secs(30), || {
        mounted(&mp) && mp.join("f000.bin").exists()
    });
    // read-only as asked
    assert!(std::fs::write(mp.join("no.txt"), b"x").is_err());
    Command::new("kill")
        .args(["-TERM", &up.id().to_string()])
        .status()
        .unwrap();
    let (code, err) = end(up, Duration::from_secs(30));
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("taking down auto"), "{err}");
    assert!(!mounted(&mp));
}

#[test]
fn a_missing_fusermount_is_explained_instead_of_a_spinner() {
    let home = Home::new();
    std::fs::create_dir_all(home.path("src")).unwrap();
    let mp = home.path("mnt/x");
    let src = format!("local:{}", home.path("src").display());
    run(&home, &["mount", "add", "x", &src, mp.to_str().unwrap()]);
    let empty = home.path("empty-path");
    std::fs::create_dir_all(&empty).unwrap();
    let t0 = Instant::now();
    let o = cli(&home, &["mount", "up", "x"]).env("PATH", &empty).output().unwrap();
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("fusermount3 was not found") && err.contains("apt install fuse3"),
        "{err}"
    );
    assert!(t0.elapsed() < Duration::from_secs(20));
    assert!(!mounted(&mp));
}

#[test]
fn a_serve_asks_for_the_password_it_printed_once() {
    let home = Home::new();
    home.files("src", 2, 10);
    let src = format!("local:{}", home.path("src").display());
    let (code, out, err) = run(&home, &["serve", "add", "share", &src, "webdav"]);
    assert_eq!(code, 0, "{err}");
    let pass = out
        .lines()
        .find_map(|l| l.strip_prefix("password: "))
        .unwrap()
        .to_owned();
    let addr = out.lines().next().unwrap().rsplit(" at ").next().unwrap().to_owned();
    let (_, listed, _) = run(&home, &["serve", "list"]);
    assert!(listed.contains("user rcmd") && !listed.contains(&pass), "{listed}");
    // no password on a network address is refused
    let (code, _, err) = run(
        &home,
        &["serve", "add", "open", &src, "http", "--addr", "0.0.0.0:0", "--no-auth"],
    );
    assert_eq!(code, 1);
    assert!(err.contains("only allowed on loopback"), "{err}");
    let up = spawn(&home, &["serve", "up", "share"]);
    let url = format!("http://{addr}/");
    wait_for("serving", Duration::from_secs(30), || {
        std::net::TcpStream::connect(&addr).is_ok()
    });
    let anon = Command::new("curl")
        .args(["-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "PROPFIND", &url])
        .output()
        .unwrap();
    assert_eq!(text(&anon.stdout), "401");
    let obscured = text(
        &Command::new(common::rclone())
            .args(["obscure", &pass])
            .output()
            .unwrap()
            .stdout,
    );
    let lsf = Command::new(common::rclone())
        .args([
            "lsf",
            "--config",
            "/dev/null",
            ":webdav:",
            "--webdav-url",
            &url,
            "--webdav-user",
            "rcmd",
        ])
        .args(["--webdav-pass", obscured.trim()])
        .output()
        .unwrap();
    assert!(text(&lsf.stdout).contains("f000.bin"), "{}", text(&lsf.stderr));
    let (code, _, err) = run(&home, &["serve", "down", "share"]);
    assert_eq!(code, 0, "{err}");
    let (code, err) = end(up, Duration::from_secs(30));
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains(&pass), "the password is not printed by up");
    assert!(std::net::TcpStream::connect(&addr).is_err());
}
