//! The `rproxy` binary as a user runs it: the first start creates an admin and prints its
//! token once, a real `rclone rc` client uses it, users are added and listed, a non-loopback
//! address without TLS is refused, and SIGTERM stops it and its rclone.

#![allow(clippy::unwrap_used)]

use std::{
    io::{BufRead, BufReader},
    process::{Command, Stdio},
    time::Duration,
};

use anyhow::{ensure, Context, Result};
use rcmd_e2e::*;

fn rproxy() -> Result<std::path::PathBuf> {
    let p = app_binary()?.with_file_name("rproxy");
    ensure!(p.is_file(), "rproxy not built at {}", p.display());
    Ok(p)
}

fn rclone() -> std::path::PathBuf {
    app_binary().unwrap().with_file_name("rcmd-rclone")
}

#[test]
#[ignore = "needs the built binaries: run scripts/test.sh"]
fn rproxy_serves_real_rc_clients_from_the_first_start() -> Result<()> {
    let dir = tempfile::tempdir()?;
    std::fs::create_dir_all(dir.path().join("files"))?;
    std::fs::write(dir.path().join("files/a.txt"), b"a")?;
    let conf = dir.path().join("rclone.conf");
    std::fs::write(&conf, format!("[files]\ntype = alias\nremote = {}\n", dir.path().join("files").display()))?;
    let data = dir.path().join("data");
    let port = free_port();
    let mut server = Command::new(rproxy()?)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--rclone-config", conf.to_str().unwrap()])
        .env("RPROXY_DATA_DIR", &data)
        .env("RCMD_RCLONE", rclone())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    // the first start prints the admin token once
    let mut lines = BufReader::new(server.stdout.take().unwrap()).lines();
    let first = lines.next().context("no output")??;
    ensure!(first.contains("created user admin"), "{first}");
    let token = lines.next().context("no token")??;
    ensure!(token.starts_with("rpx_"), "token line {token:?}");
    let url = format!("http://127.0.0.1:{port}/");
    let rc = |user: &str, pass: &str, args: &[&str]| {
        Command::new(rclone()).args(["rc", "--config", "/dev/null", "--url", &url, "--user", user, "--pass", pass]).args(args).output().unwrap()
    };
    let out = wait_until(Duration::from_secs(30), "rproxy to answer", || {
        let o = rc("admin", &token, &["operations/list", "fs=files:", "remote="]);
        o.status.success().then_some(o)
    })?;
    ensure!(String::from_utf8_lossy(&out.stdout).contains("a.txt"));
    ensure!(!rc("admin", "wrong", &["rc/noop"]).status.success(), "a wrong token was accepted");

    // users: added with a token of their own, listed; the database holds no token
    let add = Command::new(rproxy()?).args(["user", "add", "bob", "--role", "viewer"]).env("RPROXY_DATA_DIR", &data).output()?;
    ensure!(add.status.success(), "{}", String::from_utf8_lossy(&add.stderr));
    let bob = String::from_utf8_lossy(&add.stdout).lines().last().unwrap_or_default().to_owned();
    ensure!(rc("bob", &bob, &["operations/list", "fs=files:", "remote="]).status.success());
    ensure!(!rc("bob", &bob, &["operations/mkdir", "fs=files:", "remote=new"]).status.success(), "a viewer made a folder");
    let list = Command::new(rproxy()?).args(["user", "list"]).env("RPROXY_DATA_DIR", &data).output()?;
    let listed = String::from_utf8_lossy(&list.stdout);
    ensure!(listed.contains("admin\tadmin") && listed.contains("bob\tviewer"), "{listed}");
    let db = std::fs::read(data.join("rproxy.db"))?;
    ensure!(!String::from_utf8_lossy(&db).contains(&bob), "a token is stored in clear");

    // SIGTERM: a clean stop, rclone with it
    let children = children_named(server.id(), "rcmd-rclone");
    signal(server.id(), "TERM");
    let status = wait_until(Duration::from_secs(20), "rproxy to stop", || server.try_wait().ok().flatten())?;
    ensure!(status.success(), "{status:?}");
    for pid in children {
        wait_until(Duration::from_secs(10), "rclone to stop", || (!alive(pid)).then_some(()))?;
    }

    // a non-loopback address without TLS is refused, loudly
    let out = Command::new(rproxy()?).args(["serve", "--listen", "0.0.0.0:0"]).env("RPROXY_DATA_DIR", &data).output()?;
    ensure!(out.status.code() == Some(1), "{:?}", out.status);
    ensure!(String::from_utf8_lossy(&out.stderr).contains("without TLS"), "{}", String::from_utf8_lossy(&out.stderr));
    Ok(())
}

/// HTTPS: with a certificate (made here by a test CA), a real `rclone rc` trusting that CA
/// works; without trusting it, or in plain HTTP, it fails.
#[test]
#[ignore = "needs the built binaries: run scripts/test.sh"]
fn rproxy_serves_https_with_a_certificate() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new())?;
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let ca_key = rcgen::KeyPair::generate()?;
    let ca = ca_params.self_signed(&ca_key)?;
    let key = rcgen::KeyPair::generate()?;
    let cert = rcgen::CertificateParams::new(vec!["127.0.0.1".to_owned()])?.signed_by(&key, &ca, &ca_key)?;
    let (ca_pem, cert_pem, key_pem) = (dir.path().join("ca.pem"), dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&ca_pem, ca.pem())?;
    std::fs::write(&cert_pem, cert.pem())?;
    std::fs::write(&key_pem, key.serialize_pem())?;
    let port = free_port();
    let mut server = Command::new(rproxy()?)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .args(["--tls-cert", cert_pem.to_str().unwrap(), "--tls-key", key_pem.to_str().unwrap()])
        .env("RPROXY_DATA_DIR", dir.path().join("data"))
        .env("RCMD_RCLONE", rclone())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    let mut lines = BufReader::new(server.stdout.take().unwrap()).lines();
    lines.next().context("no output")??;
    let token = lines.next().context("no token")??;
    let rc = |url: &str, extra: &[&str]| {
        Command::new(rclone())
            .args(["rc", "--config", "/dev/null", "--url", url, "--user", "admin", "--pass", &token])
            .args(extra)
            .args(["rc/noop", "x=1"])
            .output()
            .unwrap()
    };
    let https = format!("https://127.0.0.1:{port}/");
    let ca_flag = ["--ca-cert", ca_pem.to_str().unwrap()];
    let out = wait_until(Duration::from_secs(30), "rproxy over HTTPS", || {
        let o = rc(&https, &ca_flag);
        o.status.success().then_some(o)
    })?;
    ensure!(String::from_utf8_lossy(&out.stdout).contains("\"x\": \"1\""), "{}", String::from_utf8_lossy(&out.stdout));
    let untrusted = rc(&https, &[]);
    ensure!(!untrusted.status.success(), "a certificate from an unknown CA was accepted");
    ensure!(String::from_utf8_lossy(&untrusted.stderr).contains("certificate"), "{}", String::from_utf8_lossy(&untrusted.stderr));
    ensure!(!rc(&format!("http://127.0.0.1:{port}/"), &[]).status.success(), "plain HTTP answered on the TLS port");
    signal(server.id(), "TERM");
    let status = wait_until(Duration::from_secs(20), "rproxy to stop", || server.try_wait().ok().flatten())?;
    ensure!(status.success(), "{status:?}");
    Ok(())
}
