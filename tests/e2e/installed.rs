//! The packages as a user gets them: `apt-get install ./rcmd_*.deb`, the installed app started
//! under Xvfb and driven over WebDriver, its sidecar checked to be the installed
//! `/usr/bin/rcmd-rclone`, then `apt-get purge`; the same for `rproxy_*.deb` (system user,
//! config, unit, `rc/noop` with and without auth, a real `rclone rc` client).
//!
//! Needs root (or sudo) and the packages from `scripts/package.sh` in `artifacts/packages/`
//! (or `$RCMD_PACKAGES`). Built only with the `installed` feature: `scripts/test.sh` runs it
//! whenever the packaging changed, `scripts/test.sh --packages` always.

#![allow(clippy::unwrap_used)]

use std::{
    path::{Path, PathBuf},
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use anyhow::{bail, ensure, Context, Result};
use fantoccini::Locator;
use rcmd_e2e::{window::*, *};

fn packages() -> PathBuf {
    std::env::var_os("RCMD_PACKAGES")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("artifacts/packages"))
}

/// The one package file named `<name>_*.deb`.
fn deb(name: &str) -> Result<PathBuf> {
    let dir = packages();
    let found: Vec<PathBuf> = std::fs::read_dir(&dir)
        .with_context(|| format!("no packages in {}: run scripts/package.sh", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(&format!("{name}_")) && n.ends_with(".deb"))
        })
        .collect();
    ensure!(
        found.len() == 1,
        "want one {name}_*.deb in {}, found {found:?}",
        dir.display()
    );
    Ok(found[0].clone())
}

/// Runs a command as root (through sudo when the tests are not root): its standard output;
/// fails with all of its output.
fn as_root(args: &[&str]) -> Result<String> {
    let root = Command::new("id").arg("-u").output()?.stdout == b"0\n";
    let mut cmd = if root {
        Command::new(args[0])
    } else {
        Command::new("sudo")
    };
    if root {
        cmd.args(&args[1..]);
    } else {
        cmd.arg("-n").args(args);
    }
    let out = cmd
        .env("DEBIAN_FRONTEND", "noninteractive")
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("run {args:?}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    ensure!(
        out.status.success(),
        "{args:?} failed ({}):\n{stdout}{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(stdout)
}

fn apt(args: &[&str]) -> Result<String> {
    let mut all = vec![
        "apt-get",
        "-o",
        "DPkg::Lock::Timeout=600",
        "-y",
        "-q",
        "--no-install-recommends",
    ];
    all.extend_from_slice(args);
    as_root(&all)
}

/// Purges package `name` when dropped, so a failing test leaves nothing installed.
struct Installed(&'static str);

impl Installed {
    fn install(name: &'static str) -> Result<Installed> {
        let deb = deb(name)?;
        apt(&["install", deb.to_str().unwrap()])?;
        Ok(Installed(name))
    }
}

impl Drop for Installed {
    fn drop(&mut self) {
        if let Err(e) = apt(&["purge", self.0]) {
            eprintln!("cannot purge {}: {e:#}", self.0);
        }
    }
}

fn exe_of(pid: u32) -> Option<PathBuf> {
    std::fs::read_link(format!("/proc/{pid}/exe")).ok()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_installed_app_starts_lists_a_remote_with_its_own_sidecar_and_purges_clean() -> Result<()> {
    let pkg = Installed::install("rcmd")?;
    for f in [
        "/usr/bin/rcmd",
        "/usr/bin/rcmd-rclone",
        "/usr/bin/rcmd-cli",
        "/usr/share/doc/rcmd/copyright",
        "/usr/share/icons/hicolor/512x512/apps/rcmd.png",
    ] {
        ensure!(Path::new(f).exists(), "{f} not installed");
    }
    let desktop = std::fs::read_dir("/usr/share/applications")?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| std::fs::read_to_string(p).is_ok_and(|t| t.contains("Exec=rcmd")))
        .context("no desktop entry runs rcmd")?;
    // the headless command line runs without a display
    let cli = Command::new("/usr/bin/rcmd-cli")
        .arg("--help")
        .env_remove("DISPLAY")
        .output()?;
    ensure!(
        String::from_utf8_lossy(&cli.stdout).contains("batch")
            || String::from_utf8_lossy(&cli.stderr).contains("batch"),
        "rcmd-cli --help: {cli:?}"
    );

    // the installed binary, not the build tree's: every helper below launches $RCMD_APP_BINARY
    std::env::set_var("RCMD_APP_BINARY", "/usr/bin/rcmd");
    with_session("installed-app", |c| async move {
        let t0 = Instant::now();
        let pid = wait_ready(&c, None, Duration::from_secs(60)).await?;
        eprintln!(
            "installed app: sidecar ready in the UI {:?} after the session started",
            t0.elapsed()
        );
        let exe = exe_of(pid).context("sidecar pid not running")?;
        ensure!(
            exe == Path::new("/usr/bin/rcmd-rclone"),
            "the running sidecar is {}",
            exe.display()
        );
        let version = text(&c, "#rclone-version").await.unwrap_or_default();
        ensure!(version == "v1.75.2", "version shown: {version:?}");
        let remotes = poll(Duration::from_secs(15), "remote list", || async {
            let mut names = vec![];
            for li in c.find_all(Locator::Css("#remotes li")).await.ok()? {
                names.push(li.attr("data-remote").await.ok()??);
            }
            (!names.is_empty()).then_some(names)
        })
        .await?;
        ensure!(remotes.contains(&"e2e".to_owned()), "remotes shown: {remotes:?}");
        click(&c, "#remotes li[data-remote='e2e']").await?;
        wait_rows(&c, &[("empty", true), ("photos", true), ("readme.txt", false)]).await?;
        screenshot(&c, "installed-app.png").await?;
        Ok(())
    })
    .await?;

    drop(pkg);
    for f in [
        "/usr/bin/rcmd",
        "/usr/bin/rcmd-rclone",
        "/usr/bin/rcmd-cli",
        "/usr/share/doc/rcmd",
    ] {
        ensure!(!Path::new(f).exists(), "{f} left after purge");
    }
    ensure!(!desktop.exists(), "{} left after purge", desktop.display());
    Ok(())
}

/// One HTTP/1.1 POST to rproxy with an optional `Authorization` header: status and body.
fn post(port: u16, auth: Option<&str>, path: &str) -> Result<(u16, String)> {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port))?;
    s.set_read_timeout(Some(Duration::from_secs(30)))?;
    let auth = auth.map(|a| format!("Authorization: {a}\r\n")).unwrap_or_default();
    write!(s, "POST /{path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}Content-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{{}}")?;
    let mut reply = String::new();
    s.read_to_string(&mut reply)?;
    let status = reply
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .context("no status")?;
    Ok((
        status,
        reply
            .split_once("\r\n\r\n")
            .map(|(_, b)| b.to_owned())
            .unwrap_or_default(),
    ))
}

/// `Key=value` lines of the installed unit.
fn unit_value(unit: &str, key: &str) -> Result<String> {
    unit.lines()
        .find_map(|l| l.strip_prefix(&format!("{key}=")))
        .map(str::to_owned)
        .with_context(|| format!("no {key}= in the unit"))
}

#[tokio::test(flavor = "multi_thread")]
async fn the_installed_server_runs_as_its_user_answers_with_auth_only_and_purges_keeping_data() -> Result<()> {
    let pkg = Installed::install("rproxy")?;
    let passwd = as_root(&["getent", "passwd", "rproxy"])?;
    ensure!(
        passwd.contains("/var/lib/rproxy") && passwd.contains("nologin"),
        "system user: {passwd}"
    );
    let conf = as_root(&["stat", "-c", "%a %U:%G", "/etc/rproxy/rproxy.toml"])?;
    ensure!(conf.trim() == "640 root:rproxy", "/etc/rproxy/rproxy.toml is {conf}");
    let unit = std::fs::read_to_string("/lib/systemd/system/rproxy.service")?;
    if Path::new("/usr/bin/systemd-analyze").exists() {
        as_root(&["systemd-analyze", "verify", "/lib/systemd/system/rproxy.service"])?;
    }
    let ldd = Command::new("ldd").arg("/usr/bin/rproxy").output()?;
    let ldd = String::from_utf8_lossy(&ldd.stdout);
    ensure!(
        !ldd.contains("webkit") && !ldd.contains("gtk"),
        "rproxy links GUI libraries:\n{ldd}"
    );

    // an admin and a token, as the config file's comment tells the administrator
    let cfg = "/etc/rproxy/rproxy.toml";
    as_root(&[
        "runuser", "-u", "rproxy", "--", "rproxy", "user", "add", "admin", "--role", "admin", "--config", cfg,
    ])?;
    let out = as_root(&[
        "runuser", "-u", "rproxy", "--", "rproxy", "token", "create", "admin", "--config", cfg,
    ])?;
    // "token N for admin created; shown only now:\n<token>"
    let token = out
        .lines()
        .last()
        .filter(|t| !t.contains(' '))
        .context("no token printed")?
        .trim()
        .to_owned();

    // the service as systemd would start it (this machine has no running systemd): the
    // unit's user, folder, environment and command, on a free port instead of 5572
    let user = unit_value(&unit, "User")?;
    let exec = unit_value(&unit, "ExecStart")?;
    let port = free_port();
    let mut cmd = Command::new("setpriv");
    cmd.args(["--reuid", &user, "--regid", &user, "--init-groups", "--"])
        .args(exec.split_whitespace())
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .current_dir(unit_value(&unit, "WorkingDirectory")?)
        .env_clear()
        .env("HOME", "/var/lib/rproxy")
        .env("PATH", "/usr/bin:/bin")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(artifacts().join("installed-rproxy.log"))?);
    let server = Proc::new(cmd.spawn().context("start rproxy")?);
    let t0 = Instant::now();
    wait_until(Duration::from_secs(30), "rproxy answering", || {
        post(port, None, "rc/noop").ok()
    })?;
    eprintln!("installed rproxy answers {:?} after start", t0.elapsed());

    let (status, body) = post(port, None, "rc/noop")?;
    ensure!(status == 401, "rc/noop without auth: {status} {body}");
    let (status, _) = post(port, Some("Bearer not-a-token"), "rc/noop")?;
    ensure!(status == 401, "rc/noop with a wrong token: {status}");
    let (status, body) = wait_until(Duration::from_secs(30), "rc/noop with auth", || {
        post(port, Some(&format!("Bearer {token}")), "rc/noop")
            .ok()
            .filter(|(s, _)| *s != 503)
    })?;
    ensure!(
        status == 200 && body.trim() == "{}",
        "rc/noop with auth: {status} {body}"
    );
    // a real rclone client, as docs/packaging.md promises
    let rc = Command::new("/usr/lib/rproxy/rcmd-rclone")
        .args([
            "rc",
            "--url",
            &format!("http://127.0.0.1:{port}/"),
            "--user",
            "admin",
            "--pass",
            &token,
            "rc/noop",
            "--config",
            "/dev/null",
        ])
        .output()?;
    ensure!(
        rc.status.success(),
        "rclone rc against the installed server: {}",
        String::from_utf8_lossy(&rc.stderr)
    );

    // its rclone is the packaged one, running as the service user
    let rclones = wait_until(Duration::from_secs(10), "rproxy's rclone", || {
        Some(children_named(server.pid(), "rcmd-rclone")).filter(|v| !v.is_empty())
    })?;
    ensure!(
        exe_of(rclones[0]).as_deref() == Some(Path::new("/usr/lib/rproxy/rcmd-rclone")),
        "rproxy runs {:?}",
        exe_of(rclones[0])
    );
    let status = std::fs::read_to_string(format!("/proc/{}/status", rclones[0]))?;
    let uid = as_root(&["id", "-u", "rproxy"])?;
    ensure!(
        status
            .lines()
            .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(1) == Some(uid.trim())),
        "rclone does not run as rproxy"
    );

    // SIGTERM (what systemd sends): the server stops its rclone and exits
    signal(server.pid(), "TERM");
    let mut server = server;
    wait_until(Duration::from_secs(30), "rproxy exit", || {
        server.child.try_wait().ok().flatten()
    })?;
    ensure!(
        !Path::new(&format!("/proc/{}", rclones[0])).exists(),
        "rclone outlived rproxy"
    );

    drop(pkg);
    ensure!(
        !Path::new("/usr/bin/rproxy").exists() && !Path::new("/etc/rproxy").exists(),
        "rproxy files left after purge"
    );
    // the users, tokens and remotes are the administrator's: purge keeps them
    ensure!(
        Path::new("/var/lib/rproxy/rproxy.db").exists(),
        "purge deleted the server's data"
    );
    as_root(&["rm", "-rf", "/var/lib/rproxy"])?;
    as_root(&["deluser", "--system", "rproxy"]).or_else(|_| as_root(&["userdel", "rproxy"]))?;
    if as_root(&["getent", "passwd", "rproxy"]).is_ok() {
        bail!("could not remove the test's rproxy user");
    }
    Ok(())
}
