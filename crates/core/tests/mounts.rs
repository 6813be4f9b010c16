//! Supervised mounts and serves against a real rclone and real FUSE (`fuse3`; `/dev/fuse`):
//! a local and a webdav remote mounted, read and written; the sidecar killed under a mount
//! (found dead and mounted again, flushed files there); a hung FUSE daemon that never hangs
//! the probe; uploads pending while the webdav server is down (shown, not dropped, done
//! after it returns) with the remote's breaker showing on the mount; auto-mount; a WebDAV
//! serve with generated credentials (401 without them, a real `rclone lsf` with them).

#![allow(clippy::unwrap_used)]

mod common;

use std::{
    path::{Path, PathBuf},
    process::{Command, Stdio},
    sync::Arc,
    time::{Duration, Instant},
};

use common::fault::WebdavServer;
use rcmd_core::{
    batch::Store,
    mount::{
        probe::{Probe, Prober},
        MountError, Mounts, MountsConfig,
    },
    resilience::layer::{ResilienceConfig, Resilient},
    secrets::SecretStore,
    types::{CacheMode, MountSpec, MountState, PendingChoice, ServeProtocol, ServeSpec, SidecarState},
};

struct Setup {
    rc: common::Rclone,
    mounts: Mounts,
    _server: Option<WebdavServer>,
    dav_dir: PathBuf,
}

impl Setup {
    fn mp(&self, name: &str) -> PathBuf {
        self.rc.dir.path().join("mnt").join(name)
    }

    fn spec(&self, name: &str, fs: &str) -> MountSpec {
        MountSpec {
            name: name.into(),
            fs: fs.into(),
            mount_point: self.mp(name).to_string_lossy().into_owned(),
            mount_type: String::new(),
            read_only: false,
            cache_mode: CacheMode::Writes,
            cache_max_size: String::new(),
            auto_mount: false,
        }
    }

    fn sidecar_pid(&self) -> u32 {
        match self.rc.supervisor.state() {
            SidecarState::Ready { pid, .. } => pid,
            s => panic!("sidecar not ready: {s:?}"),
        }
    }
}

impl Drop for Setup {
    fn drop(&mut self) {
        // never leave a mount behind, whatever the test did
        if let Ok(entries) = std::fs::read_dir(self.rc.dir.path().join("mnt")) {
            for e in entries.flatten() {
                let _ = Command::new("fusermount3")
                    .arg("-uz")
                    .arg(e.path())
                    .stderr(Stdio::null())
                    .status();
            }
        }
    }
}

async fn setup(with_webdav: bool) -> Setup {
    setup_with(with_webdav, MountsConfig::default(), "").await
}

/// `more_remotes`: appended to the rclone config.
async fn setup_with(with_webdav: bool, cfg: MountsConfig, more_remotes: &str) -> Setup {
    let tmp = tempfile::tempdir().unwrap();
    let dav_dir = tmp.keep().join("dav");
    std::fs::create_dir_all(&dav_dir).unwrap();
    std::fs::write(dav_dir.join("on-server.txt"), b"served by webdav").unwrap();
    let server = with_webdav.then(|| WebdavServer::start(&dav_dir));
    let extra = server
        .as_ref()
        .map(|s| format!("[dav]\ntype = webdav\nurl = http://{}\nvendor = other\n\n", s.addr))
        .unwrap_or_default()
        + more_remotes;
    let cache = tempfile::tempdir().unwrap().keep();
    let rc = common::start_with_remotes(&extra, |c| {
        c.extra_args = vec!["--cache-dir".into(), cache.to_string_lossy().into_owned()];
    })
    .await;
    let resilient = Arc::new(Resilient::new(
        Arc::new(rc.supervisor.clone()),
        ResilienceConfig::default(),
        rc.bus.clone(),
    ));
    let store = Store::open(&rc.dir.path().join("rcmd.db")).await.unwrap();
    let secrets = SecretStore::file_only(rc.dir.path().join("secrets.json"));
    let mounts = Mounts::new(resilient, rc.bus.clone(), store, secrets, cfg);
    Setup {
        rc,
        mounts,
        _server: server,
        dav_dir,
    }
}

async fn wait_until(what: &str, within: Duration, mut ok: impl FnMut() -> bool) -> Duration {
    let t0 = Instant::now();
    while !ok() {
        assert!(t0.elapsed() < within, "{what}: not within {within:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    t0.elapsed()
}

fn mounted(mp: &Path) -> bool {
    rcmd_core::mount::probe::is_mounted(mp) == Some(true)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_local_and_a_webdav_remote_mounted_read_written_and_unmounted() {
    let s = setup(true).await;
    for (name, fs) in [("loc", "local:"), ("web", "dav:")] {
        s.mounts.save(s.spec(name, fs), false).await.unwrap();
        s.mounts.up(name).await.unwrap();
        assert_eq!(s.mounts.status(name).state, MountState::Mounted);
        assert!(mounted(&s.mp(name)), "{name} is in the mount table");
    }
    // read through the mounts
    assert_eq!(
        std::fs::read(s.mp("loc").join("hello.txt")).unwrap(),
        b"hello, rclone\n"
    );
    assert_eq!(
        std::fs::read(s.mp("web").join("on-server.txt")).unwrap(),
        b"served by webdav"
    );
    // write through them: the files arrive
    std::fs::write(s.mp("loc").join("written.txt"), b"through the local mount").unwrap();
    std::fs::write(s.mp("web").join("uploaded.txt"), b"through the webdav mount").unwrap();
    let dav = s.dav_dir.join("uploaded.txt");
    let data = s.rc.data().join("written.txt");
    wait_until("files arrive", Duration::from_secs(40), || {
        dav.exists() && data.exists()
    })
    .await;
    assert_eq!(std::fs::read(&dav).unwrap(), b"through the webdav mount");
    assert_eq!(std::fs::read(&data).unwrap(), b"through the local mount");
    // a second mount with the same name is refused; a running one cannot be removed
    assert!(matches!(
        s.mounts.save(s.spec("loc", "local:"), false).await,
        Err(MountError::Exists(_))
    ));
    assert!(matches!(s.mounts.remove("loc").await, Err(MountError::Running { .. })));
    for name in ["loc", "web"] {
        s.mounts
            .down(name, PendingChoice::Wait, Duration::from_secs(30))
            .await
            .unwrap();
        assert_eq!(s.mounts.status(name).state, MountState::Stopped);
        assert!(!mounted(&s.mp(name)), "{name} is unmounted");
    }
    s.mounts.remove("loc").await.unwrap();
    assert_eq!(s.mounts.list().await.unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_mounts_are_refused_with_a_clear_error() {
    let s = setup(false).await;
    let mut relative = s.spec("rel", "local:");
    relative.mount_point = "relative/dir".into();
    let e = s.mounts.save(relative, false).await.unwrap_err().to_string();
    assert!(e.contains("full path"), "{e}");
    let mut size = s.spec("size", "local:");
    size.cache_max_size = "lots".into();
    let e = s.mounts.save(size, false).await.unwrap_err().to_string();
    assert!(e.contains("not a size"), "{e}");
    let e = s
        .mounts
        .save(s.spec("bad", "-bad:x"), false)
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("-bad"), "{e}");
    // a mount point that is not empty: rclone refuses, said at once, not retried forever
    let spec = s.spec("full", "local:");
    std::fs::create_dir_all(&spec.mount_point).unwrap();
    std::fs::write(Path::new(&spec.mount_point).join("x"), b"x").unwrap();
    s.mounts.save(spec, false).await.unwrap();
    let t0 = Instant::now();
    let e = s.mounts.up("full").await.unwrap_err().to_string();
    assert!(e.contains("not empty"), "{e}");
    assert!(t0.elapsed() < Duration::from_secs(30));
    assert_eq!(s.mounts.status("full").state, MountState::Failed);
    // an unknown remote
    s.mounts.save(s.spec("ghost", "ghost:"), false).await.unwrap();
    let e = s.mounts.up("ghost").await.unwrap_err().to_string();
    assert!(e.contains("ghost"), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sidecar_killed_under_a_mount_is_found_and_the_mount_recovered() {
    let s = setup(false).await;
    s.mounts.save(s.spec("m", "local:"), false).await.unwrap();
    s.mounts.up("m").await.unwrap();
    let mp = s.mp("m");
    std::fs::write(mp.join("before-kill.txt"), b"flushed before the kill").unwrap();
    // flushed: uploaded from the cache to the remote (the local folder)
    let target = s.rc.data().join("before-kill.txt");
    wait_until("the write is flushed", Duration::from_secs(30), || target.exists()).await;
    let mut events = s.rc.bus.subscribe();
    let mut seen = vec![];
    let pid = s.sidecar_pid();
    common::kill9(pid);
    let killed = Instant::now();
    // found dead: the Recovering event (the state itself may pass quicker than a poll)
    let found = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            if let Ok(rcmd_core::events::CoreEvent::Mount { status }) = events.recv().await {
                seen.push(status.state);
                if status.state == MountState::Recovering {
                    return killed.elapsed();
                }
            }
        }
    })
    .await
    .expect("the dead mount was not found within 10 s");
    let back = s
        .mounts
        .wait_for("m", &[MountState::Mounted], Duration::from_secs(60))
        .await;
    let recovered = killed.elapsed();
    assert_eq!(back.state, MountState::Mounted, "{back:?}");
    assert_eq!(back.recoveries, 1);
    assert_ne!(s.sidecar_pid(), pid, "a new rclone");
    assert_eq!(
        std::fs::read(mp.join("before-kill.txt")).unwrap(),
        b"flushed before the kill"
    );
    std::fs::write(mp.join("after.txt"), b"written after the recovery").unwrap();
    assert_eq!(
        std::fs::read(mp.join("after.txt")).unwrap(),
        b"written after the recovery"
    );
    // the states went out as events
    while let Ok(e) = events.try_recv() {
        if let rcmd_core::events::CoreEvent::Mount { status } = e {
            seen.push(status.state);
        }
    }
    assert!(
        seen.contains(&MountState::Recovering) && seen.ends_with(&[MountState::Mounted]),
        "{seen:?}"
    );
    eprintln!("MEASURED sidecar kill: found dead after {found:?}, mounted again after {recovered:?}");
    s.mounts
        .down("m", PendingChoice::Wait, Duration::from_secs(30))
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hung_fuse_daemon_never_hangs_the_probe() {
    let dir = tempfile::tempdir().unwrap();
    let (src, mp) = (dir.path().join("src"), dir.path().join("mp"));
    std::fs::create_dir_all(&src).unwrap();
    std::fs::create_dir_all(&mp).unwrap();
    std::fs::write(src.join("f"), b"f").unwrap();
    let mut child = Command::new(common::rclone_binary())
        .args([
            "mount",
            src.to_str().unwrap(),
            mp.to_str().unwrap(),
            "--config",
            "/dev/null",
        ])
        .args(["--attr-timeout", "0", "--dir-cache-time", "0"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let pid = child.id();
    let prober = Prober::default();
    let t0 = Instant::now();
    while prober.probe(&mp, Duration::from_secs(2)).await != Probe::Alive {
        assert!(t0.elapsed() < Duration::from_secs(20), "rclone mount did not come up");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Command::new("kill").args(["-STOP", &pid.to_string()]).status().unwrap();
    let t = Instant::now();
    let got = prober.probe(&mp, Duration::from_secs(1)).await;
    let took = t.elapsed();
    assert_eq!(got, Probe::Hung);
    assert!(took < Duration::from_secs(3), "{took:?}");
    // the stuck thread is not joined by a second one
    let t = Instant::now();
    assert_eq!(prober.probe(&mp, Duration::from_secs(1)).await, Probe::Hung);
    assert!(t.elapsed() < Duration::from_millis(500));
    // a force unmount clears it even while the daemon hangs
    rcmd_core::mount::os::force_unmount(&mp, Duration::from_secs(10))
        .await
        .unwrap();
    Command::new("kill").args(["-CONT", &pid.to_string()]).status().unwrap();
    common::kill9(pid);
    let _ = child.wait();
    // the stuck probe thread returns once the daemon is gone
    let t = Instant::now();
    let fresh = loop {
        let p = prober.probe(&mp, Duration::from_secs(2)).await;
        if p != Probe::Hung || t.elapsed() > Duration::from_secs(10) {
            break p;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(fresh, Probe::NotMounted);
    eprintln!("MEASURED hung probe answered in {took:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_pending_while_the_server_is_down_are_shown_kept_and_done_after() {
    let mut s = setup(true).await;
    s.mounts.save(s.spec("web", "dav:"), false).await.unwrap();
    s.mounts.up("web").await.unwrap();
    let mp = s.mp("web");
    assert!(mp.join("on-server.txt").exists());
    s._server.as_mut().unwrap().kill();
    let down_at = Instant::now();
    std::fs::write(mp.join("while-down.txt"), b"written while the server was down").unwrap();
    // the remote's breaker opens; the mount says it is degraded, and why
    let degraded = s
        .mounts
        .wait_for("web", &[MountState::Degraded], Duration::from_secs(60))
        .await;
    assert_eq!(degraded.state, MountState::Degraded, "{degraded:?}");
    let degraded_after = down_at.elapsed();
    let msg = degraded.message.unwrap_or_default();
    assert!(msg.contains("dav") && msg.contains("does not answer"), "{msg}");
    let (count, files) = s.mounts.pending("web").await.unwrap();
    assert!(count >= 1, "pending {count}");
    assert!(files.iter().any(|f| f.contains("while-down.txt")), "{files:?}");
    // unmounting is refused while the upload waits, and says so
    let e = s
        .mounts
        .down("web", PendingChoice::Refuse, Duration::ZERO)
        .await
        .unwrap_err();
    assert!(matches!(e, MountError::Pending { count: 1.., .. }), "{e}");
    assert!(e.to_string().contains("while-down.txt"), "{e}");
    assert!(mounted(&mp), "still mounted after the refusal");
    // the server returns: the mount is fine again, the upload is done, then it unmounts
    s._server.as_mut().unwrap().restart();
    let up_at = Instant::now();
    let back = s
        .mounts
        .wait_for("web", &[MountState::Mounted], Duration::from_secs(60))
        .await;
    assert_eq!(back.state, MountState::Mounted, "{back:?}");
    eprintln!(
        "MEASURED webdav down: degraded after {degraded_after:?}; server back: mounted after {:?}",
        up_at.elapsed()
    );
    s.mounts
        .down("web", PendingChoice::Wait, Duration::from_secs(90))
        .await
        .unwrap();
    assert_eq!(
        std::fs::read(s.dav_dir.join("while-down.txt")).unwrap(),
        b"written while the server was down"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auto_mounts_start_by_themselves_and_korean_names_keep_their_bytes() {
    let s = setup(false).await;
    let mut spec = s.spec("auto", "local:");
    spec.auto_mount = true;
    s.mounts.save(spec, false).await.unwrap();
    s.mounts.save(s.spec("manual", "local:sub"), false).await.unwrap();
    // Korean names: Linux keeps a name's bytes (NFC or NFD, as written); rclone's VFS finds
    // a name whichever way it is spelled
    let nfc = "\u{d55c}\u{ae00}.txt"; // 한글, precomposed
    let photo_nfd = "\u{1109}\u{1161}\u{110c}\u{1175}\u{11ab}.txt"; // 사진, decomposed
    let photo_nfc = "\u{c0ac}\u{c9c4}.txt"; // 사진, precomposed
    std::fs::write(s.rc.data().join(photo_nfd), b"stored decomposed").unwrap();
    let started = s.mounts.start_auto().await.unwrap();
    assert_eq!(started, ["auto"]);
    let st = s
        .mounts
        .wait_for("auto", &[MountState::Mounted], Duration::from_secs(30))
        .await;
    assert_eq!(st.state, MountState::Mounted, "{st:?}");
    assert_eq!(s.mounts.status("manual").state, MountState::Stopped);
    let mp = s.mp("auto");
    std::fs::write(mp.join(nfc), b"nfc").unwrap();
    let target = s.rc.data().join(nfc);
    wait_until("the NFC file is uploaded", Duration::from_secs(30), || target.exists()).await;
    assert_eq!(std::fs::read(&target).unwrap(), b"nfc", "arrives under its NFC bytes");
    let names: Vec<String> = std::fs::read_dir(&mp)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().any(|n| n == nfc), "{names:?}");
    assert!(
        names.iter().any(|n| n == photo_nfd),
        "listed as stored (NFD): {names:?}"
    );
    assert_eq!(std::fs::read(mp.join(photo_nfd)).unwrap(), b"stored decomposed");
    assert_eq!(
        std::fs::read(mp.join(photo_nfc)).unwrap(),
        b"stored decomposed",
        "found when spelled NFC"
    );
    s.mounts
        .down("auto", PendingChoice::Wait, Duration::from_secs(30))
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_webdav_serve_always_asks_for_its_generated_password() {
    let s = setup(false).await;
    let spec = ServeSpec {
        name: "share".into(),
        fs: "local:".into(),
        protocol: ServeProtocol::Webdav,
        addr: String::new(),
        user: String::new(),
        read_only: false,
        auto_start: false,
    };
    // no password on a network address is refused
    let mut open = spec.clone();
    open.addr = "0.0.0.0:0".into();
    let e = s.mounts.serve_add(open, false).await.unwrap_err().to_string();
    assert!(e.contains("only allowed on loopback"), "{e}");
    let created = s.mounts.serve_add(spec, true).await.unwrap();
    let pass = created.password.clone().unwrap();
    assert!(pass.len() >= 16);
    assert_eq!(created.spec.user, "rcmd");
    assert!(created.spec.addr.starts_with("127.0.0.1:"), "{}", created.spec.addr);
    s.mounts.serve_up("share").await.unwrap();
    let url = format!("http://{}/", created.spec.addr);
    let http = reqwest::Client::new();
    let anon = http
        .request(reqwest::Method::from_bytes(b"PROPFIND").unwrap(), &url)
        .send()
        .await
        .unwrap();
    assert_eq!(anon.status(), 401);
    let wrong = http.get(&url).basic_auth("rcmd", Some("wrong")).send().await.unwrap();
    assert_eq!(wrong.status(), 401);
    // a real client with the credentials lists it
    let obscured = Command::new(common::rclone_binary())
        .args(["obscure", &pass])
        .output()
        .unwrap();
    let obscured = String::from_utf8(obscured.stdout).unwrap();
    let out = Command::new(common::rclone_binary())
        .args(["lsf", "--config", "/dev/null", ":webdav:"])
        .args([
            "--webdav-url",
            &url,
            "--webdav-user",
            "rcmd",
            "--webdav-pass",
            obscured.trim(),
        ])
        .output()
        .unwrap();
    let listed = String::from_utf8_lossy(&out.stdout);
    assert!(
        listed.lines().any(|l| l == "hello.txt"),
        "{listed} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // the serve survives a restart of rclone: found gone, started again with the same login
    common::kill9(s.sidecar_pid());
    let t0 = Instant::now();
    wait_until("serve found gone", Duration::from_secs(15), || {
        s.mounts.status("share").recoveries > 0 || s.mounts.status("share").state == MountState::Recovering
    })
    .await;
    let back = s
        .mounts
        .wait_for("share", &[MountState::Mounted], Duration::from_secs(60))
        .await;
    assert_eq!(back.state, MountState::Mounted, "{back:?}");
    let again = http.get(&url).basic_auth("rcmd", Some(&pass)).send().await.unwrap();
    assert_eq!(again.status(), 200);
    eprintln!("MEASURED serve back after an rclone kill in {:?}", t0.elapsed());
    // the password is in the secret store, not in the listing
    let listed = serde_json::to_string(&s.mounts.serves().await.unwrap()).unwrap();
    assert!(!listed.contains(&pass));
    s.mounts.serve_down("share").await.unwrap();
    assert!(http.get(&url).send().await.is_err(), "stopped");
}

/// A private D-Bus daemon (`dbus-daemon --session`), stopped by its PID on drop.
struct Bus {
    child: std::process::Child,
    address: String,
}

impl Bus {
    fn start() -> Bus {
        let mut child = Command::new("dbus-daemon")
            .args(["--session", "--nofork", "--print-address=1"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("dbus-daemon (apt: dbus)");
        let mut line = String::new();
        std::io::BufRead::read_line(&mut std::io::BufReader::new(child.stdout.take().unwrap()), &mut line).unwrap();
        Bus {
            child,
            address: line.trim().to_owned(),
        }
    }
}

impl Drop for Bus {
    fn drop(&mut self) {
        common::kill9(self.child.id());
        let _ = self.child.wait();
    }
}

/// logind's `PrepareForSleep(false)` (sent here on a private bus, as logind sends it on the
/// system bus) makes every mount be checked at once: with checks a minute apart, a mount whose
/// rclone was killed is found dead within seconds only through the signal.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resume_signal_checks_every_mount_at_once() {
    let cfg = MountsConfig {
        probe_every: Duration::from_secs(60),
        ..MountsConfig::default()
    };
    let s = setup_with(false, cfg, "").await;
    let bus = Bus::start();
    rcmd_core::mount::resume::watch(s.mounts.clone(), Duration::from_secs(5), Some(bus.address.clone()));
    s.mounts.save(s.spec("m", "local:"), false).await.unwrap();
    s.mounts.up("m").await.unwrap();
    let mut events = s.rc.bus.subscribe();
    common::kill9(s.sidecar_pid());
    // the listener connects in the background: the signal is sent until the mount reacts
    // (at most 10 times, a second apart; logind sends it once, to a listener long connected)
    let send = || {
        let ok = Command::new("dbus-send")
            .args([
                &format!("--bus={}", bus.address),
                "--type=signal",
                "/org/freedesktop/login1",
            ])
            .arg("org.freedesktop.login1.Manager.PrepareForSleep")
            .arg("boolean:false")
            .status()
            .unwrap();
        assert!(ok.success());
    };
    let t0 = Instant::now();
    let mut found = None;
    for _ in 0..10 {
        send();
        let seen = tokio::time::timeout(Duration::from_secs(1), async {
            loop {
                if let Ok(rcmd_core::events::CoreEvent::Mount { status }) = events.recv().await {
                    if status.state == MountState::Recovering {
                        return;
                    }
                }
            }
        })
        .await;
        if seen.is_ok() {
            found = Some(t0.elapsed());
            break;
        }
    }
    let found = found.expect("the resume signal did not make the mount be checked within 10 s");
    let back = s
        .mounts
        .wait_for("m", &[MountState::Mounted], Duration::from_secs(60))
        .await;
    assert_eq!(back.state, MountState::Mounted);
    eprintln!("MEASURED resume signal: the dead mount found {found:?} after the signal");
    s.mounts.down("m", PendingChoice::Leave, Duration::ZERO).await.unwrap();
}

/// A mount whose remote never answers (an SSH server that accepts and stays silent: rclone's
/// `mount/mount` waits for its banner) stays "mounting" until cancelled, and a cancel ends it
/// at once with nothing left mounted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hanging_mount_can_be_cancelled() {
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = silent.local_addr().unwrap().port();
    let held = tokio::spawn(async move {
        let mut conns = vec![];
        while let Ok((c, _)) = silent.accept().await {
            conns.push(c);
        }
    });
    let pass = Command::new(common::rclone_binary())
        .args(["obscure", "x"])
        .output()
        .unwrap();
    let remote = format!(
        "[hang]\ntype = sftp\nhost = 127.0.0.1\nport = {port}\nuser = x\npass = {}\n\n",
        String::from_utf8_lossy(&pass.stdout).trim()
    );
    let s = setup_with(false, MountsConfig::default(), &remote).await;
    s.mounts.save(s.spec("h", "hang:"), false).await.unwrap();
    let m = s.mounts.clone();
    let up = tokio::spawn(async move { m.up("h").await });
    let mounting = s
        .mounts
        .wait_for("h", &[MountState::Mounting], Duration::from_secs(10))
        .await;
    assert_eq!(mounting.state, MountState::Mounting);
    // still mounting a moment later: the remote does not answer
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(s.mounts.status("h").state, MountState::Mounting);
    let t0 = Instant::now();
    assert!(s.mounts.cancel_start("h"));
    let r = tokio::time::timeout(Duration::from_secs(20), up)
        .await
        .expect("cancel ends the start")
        .unwrap();
    let took = t0.elapsed();
    assert!(r.unwrap_err().to_string().contains("cancelled"));
    assert_eq!(s.mounts.status("h").state, MountState::Stopped);
    assert!(!mounted(&s.mp("h")));
    assert!(!s.mounts.cancel_start("h"), "nothing is starting any more");
    held.abort();
    eprintln!("MEASURED cancel of a hanging mount took {took:?}");
}
