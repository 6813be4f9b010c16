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
use rcmd_e2e::{server::*, *};

#[test]
#[ignore = "needs the built binaries: run scripts/test.sh"]
fn rproxy_serves_real_rc_clients_from_the_first_start() -> Result<()> {
    let dir = tempfile::tempdir()?;
    std::fs::create_dir_all(dir.path().join("files"))?;
    std::fs::write(dir.path().join("files/a.txt"), b"a")?;
    let conf = dir.path().join("rclone.conf");
    std::fs::write(
        &conf,
        format!(
            "[files]\ntype = alias\nremote = {}\n",
            dir.path().join("files").display()
        ),
    )?;
    let data = dir.path().join("data");
    let port = free_port();
    let mut server = Proc::new(
        Command::new(rproxy()?)
            .args([
                "serve",
                "--listen",
                &format!("127.0.0.1:{port}"),
                "--rclone-config",
                conf.to_str().unwrap(),
            ])
            .env("RPROXY_DATA_DIR", &data)
            .env("RCMD_RCLONE", rclone())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()?,
    );
    // the first start prints the admin token once
    let mut lines = BufReader::new(server.child.stdout.take().unwrap()).lines();
    let first = lines.next().context("no output")??;
    ensure!(first.contains("created user admin"), "{first}");
    let token = lines.next().context("no token")??;
    ensure!(token.starts_with("rpx_"), "token line {token:?}");
    let url = format!("http://127.0.0.1:{port}/");
    let rc = |user: &str, pass: &str, args: &[&str]| {
        Command::new(rclone())
            .args([
                "rc",
                "--config",
                "/dev/null",
                "--url",
                &url,
                "--user",
                user,
                "--pass",
                pass,
            ])
            .args(args)
            .output()
            .unwrap()
    };
    let out = wait_until(Duration::from_secs(30), "rproxy to answer", || {
        let o = rc("admin", &token, &["operations/list", "fs=files:", "remote="]);
        o.status.success().then_some(o)
    })?;
    ensure!(String::from_utf8_lossy(&out.stdout).contains("a.txt"));
    ensure!(
        !rc("admin", "wrong", &["rc/noop"]).status.success(),
        "a wrong token was accepted"
    );

    // users: added with a token of their own, listed; the database holds no token
    let add = Command::new(rproxy()?)
        .args(["user", "add", "bob", "--role", "viewer"])
        .env("RPROXY_DATA_DIR", &data)
        .output()?;
    ensure!(add.status.success(), "{}", String::from_utf8_lossy(&add.stderr));
    let bob = String::from_utf8_lossy(&add.stdout)
        .lines()
        .last()
        .unwrap_or_default()
        .to_owned();
    ensure!(rc("bob", &bob, &["operations/list", "fs=files:", "remote="])
        .status
        .success());
    ensure!(
        !rc("bob", &bob, &["operations/mkdir", "fs=files:", "remote=new"])
            .status
            .success(),
        "a viewer made a folder"
    );
    let list = Command::new(rproxy()?)
        .args(["user", "list"])
        .env("RPROXY_DATA_DIR", &data)
        .output()?;
    let listed = String::from_utf8_lossy(&list.stdout);
    ensure!(
        listed.contains("admin\tadmin") && listed.contains("bob\tviewer"),
        "{listed}"
    );
    let db = std::fs::read(data.join("rproxy.db"))?;
    ensure!(
        !String::from_utf8_lossy(&db).contains(&bob),
        "a token is stored in clear"
    );
    // tokens: a second one for bob, the first revoked from the command line
    let made = Command::new(rproxy()?)
        .args(["token", "create", "bob", "--label", "cli"])
        .env("RPROXY_DATA_DIR", &data)
        .output()?;
    ensure!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    let bob2 = String::from_utf8_lossy(&made.stdout)
        .lines()
        .last()
        .unwrap_or_default()
        .to_owned();
    let first_id = bob
        .strip_prefix("rpx_")
        .and_then(|r| r.split('_').next())
        .context("token id")?;
    let revoked = Command::new(rproxy()?)
        .args(["token", "revoke", first_id])
        .env("RPROXY_DATA_DIR", &data)
        .output()?;
    ensure!(revoked.status.success(), "{}", String::from_utf8_lossy(&revoked.stderr));
    // the running server sees the revocation within a second
    wait_until(Duration::from_secs(5), "the revoked token to be refused", || {
        (!rc("bob", &bob, &["rc/noop"]).status.success()).then_some(())
    })?;
    ensure!(
        rc("bob", &bob2, &["rc/noop"]).status.success(),
        "the new token does not work"
    );
    let tokens = Command::new(rproxy()?)
        .args(["token", "list", "bob"])
        .env("RPROXY_DATA_DIR", &data)
        .output()?;
    let tokens = String::from_utf8_lossy(&tokens.stdout);
    ensure!(
        tokens.contains("\trevoked\t") && tokens.contains("\tlive\tcli") && !tokens.contains(&bob2),
        "{tokens}"
    );

    // SIGTERM: a clean stop, rclone with it
    let children = children_named(server.pid(), "rcmd-rclone");
    signal(server.pid(), "TERM");
    let status = wait_until(Duration::from_secs(20), "rproxy to stop", || {
        server.child.try_wait().ok().flatten()
    })?;
    ensure!(status.success(), "{status:?}");
    for pid in children {
        wait_until(Duration::from_secs(10), "rclone to stop", || {
            (!alive(pid)).then_some(())
        })?;
    }

    // a non-loopback address without TLS is refused, loudly
    let out = Command::new(rproxy()?)
        .args(["serve", "--listen", "0.0.0.0:0"])
        .env("RPROXY_DATA_DIR", &data)
        .output()?;
    ensure!(out.status.code() == Some(1), "{:?}", out.status);
    ensure!(
        String::from_utf8_lossy(&out.stderr).contains("without TLS"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(())
}

/// HTTPS: with a certificate (made here by a test CA), a real `rclone rc` trusting that CA
/// works; without trusting it, or in plain HTTP, it fails.
#[test]
#[ignore = "needs the built binaries: run scripts/test.sh"]
fn rproxy_serves_https_with_a_certificate() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let (ca_pem, cert_pem, key_pem) = test_certificates(dir.path())?;
    let port = free_port();
    let mut server = Proc::new(
        Command::new(rproxy()?)
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .args([
                "--tls-cert",
                cert_pem.to_str().unwrap(),
                "--tls-key",
                key_pem.to_str().unwrap(),
            ])
            .env("RPROXY_DATA_DIR", dir.path().join("data"))
            .env("RCMD_RCLONE", rclone())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()?,
    );
    let mut lines = BufReader::new(server.child.stdout.take().unwrap()).lines();
    lines.next().context("no output")??;
    let token = lines.next().context("no token")??;
    let rc = |url: &str, extra: &[&str]| {
        Command::new(rclone())
            .args([
                "rc",
                "--config",
                "/dev/null",
                "--url",
                url,
                "--user",
                "admin",
                "--pass",
                &token,
            ])
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
    ensure!(
        String::from_utf8_lossy(&out.stdout).contains("\"x\": \"1\""),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let untrusted = rc(&https, &[]);
    ensure!(
        !untrusted.status.success(),
        "a certificate from an unknown CA was accepted"
    );
    ensure!(
        String::from_utf8_lossy(&untrusted.stderr).contains("certificate"),
        "{}",
        String::from_utf8_lossy(&untrusted.stderr)
    );
    ensure!(
        !rc(&format!("http://127.0.0.1:{port}/"), &[]).status.success(),
        "plain HTTP answered on the TLS port"
    );
    signal(server.pid(), "TERM");
    let status = wait_until(Duration::from_secs(20), "rproxy to stop", || {
        server.child.try_wait().ok().flatten()
    })?;
    ensure!(status.success(), "{status:?}");
    Ok(())
}

/// The durable queue under a crash: 1,000 `operations/copyfile` calls (`_async`) from 8
/// clients, `kill -9` of rproxy mid-run, restart on the same data folder: every accepted call
/// finishes successfully exactly once (one `job_finished` event and one queue row per job),
/// every file is at the destination with its content, and calls refused while rproxy was
/// down are accepted after the restart.
#[test]
#[ignore = "needs the built binaries: run scripts/test.sh"]
fn rproxy_queue_completes_every_accepted_call_once_after_kill_9() -> Result<()> {
    const FILES: usize = 1000;
    const CLIENTS: usize = 8;
    let TreeServer {
        dir: _dir,
        src,
        dst,
        data,
        conf,
        port,
        mut server,
        token,
    } = TreeServer::start(FILES, |i| {
        (
            format!("d{:02}/f{i:04}.txt", i % 10),
            format!("content of file {i}\n").repeat(1 + i % 7).into_bytes(),
        )
    })?;

    // 8 clients; a call that gets no answer is sent again until one accepts it
    let accepted = std::sync::Arc::new(std::sync::Mutex::new(Vec::<(usize, i64)>::new()));
    let clients: Vec<_> = (0..CLIENTS)
        .map(|c| {
            let (token, accepted) = (token.clone(), accepted.clone());
            std::thread::spawn(move || -> Result<()> {
                for i in (c..FILES).step_by(CLIENTS) {
                    let remote = format!("d{:02}/f{i:04}.txt", i % 10);
                    let body = serde_json::json!({ "srcFs": "src:", "srcRemote": remote, "dstFs": "dst:", "dstRemote": remote, "_async": true });
                    let deadline = std::time::Instant::now() + Duration::from_secs(120);
                    loop {
                        ensure!(std::time::Instant::now() < deadline, "call {i} never accepted");
                        match post(port, &token, "operations/copyfile", &body) {
                            Ok((200, reply)) => {
                                let v: serde_json::Value = serde_json::from_str(&reply)?;
                                let id = v["jobid"].as_i64().context("no jobid")?;
                                accepted.lock().unwrap().push((i, id));
                                break;
                            }
                            Ok((status, reply)) => anyhow::bail!("call {i}: {status} {reply}"),
                            Err(_) => std::thread::sleep(Duration::from_millis(100)),
                        }
                    }
                }
                Ok(())
            })
        })
        .collect();
    wait_until(Duration::from_secs(120), "400 calls accepted", || {
        (accepted.lock().unwrap().len() >= 400).then_some(())
    })?;
    let children = children_named(server.pid(), "rcmd-rclone");
    signal(server.pid(), "KILL");
    server.child.wait()?;
    let at_kill = accepted.lock().unwrap().len();
    for pid in children {
        wait_until(Duration::from_secs(10), "rclone to die with rproxy", || {
            (!alive(pid)).then_some(())
        })?;
    }
    std::thread::sleep(Duration::from_millis(500));
    let mut server = Proc::new(start_rproxy(&data, &conf, port)?);
    for c in clients {
        c.join().map_err(|_| anyhow::anyhow!("a client panicked"))??;
    }
    let accepted = accepted.lock().unwrap().clone();
    ensure!(accepted.len() == FILES, "{} of {FILES} calls accepted", accepted.len());

    // every job finishes, successfully
    let mut pending: Vec<i64> = accepted.iter().map(|a| a.1).collect();
    wait_until(Duration::from_secs(120), "every queued job to finish", || {
        pending.retain(|id| {
            let st = post(port, &token, "job/status", &serde_json::json!({ "jobid": id })).ok();
            let v: serde_json::Value = st.and_then(|(_, b)| serde_json::from_str(&b).ok()).unwrap_or_default();
            v["finished"] != true
        });
        pending.is_empty().then_some(())
    })?;
    for (i, id) in &accepted {
        let (_, body) = post(port, &token, "job/status", &serde_json::json!({ "jobid": id }))?;
        let v: serde_json::Value = serde_json::from_str(&body)?;
        ensure!(v["success"] == true, "file {i} (job {id}): {v}");
    }
    // the files, each with its content
    for i in 0..FILES {
        let rel = format!("d{:02}/f{i:04}.txt", i % 10);
        ensure!(
            std::fs::read(src.join(&rel))?
                == std::fs::read(dst.join(&rel)).with_context(|| format!("{rel} missing"))?,
            "{rel} differs"
        );
    }
    // exactly once: one job_finished event per accepted job, no job twice
    let events = stored_events(port, &token)?;
    let mut want: Vec<i64> = accepted.iter().map(|a| a.1).collect();
    want.sort_unstable();
    let all: Vec<i64> = events
        .iter()
        .filter(|(k, _)| k == "job_finished")
        .filter_map(|(_, d)| d["id"].as_i64())
        .collect();
    // a call whose reply the kill cut off was sent again: its first job runs too, unreported
    let (mut finished, unanswered): (Vec<i64>, Vec<i64>) =
        all.into_iter().partition(|id| want.binary_search(id).is_ok());
    finished.sort_unstable();
    ensure!(
        finished == want,
        "job_finished events: {} for {} jobs (duplicates or gaps)",
        finished.len(),
        want.len()
    );
    eprintln!(
        "queue after kill -9: {at_kill} of {FILES} calls accepted before the kill; all {FILES} finished once after the restart; {} calls whose reply was cut off ran too",
        unanswered.len()
    );

    signal(server.pid(), "TERM");
    let status = wait_until(Duration::from_secs(30), "rproxy to stop", || {
        server.child.try_wait().ok().flatten()
    })?;
    ensure!(status.success(), "{status:?}");
    Ok(())
}

/// A real deployment's shape: every setting in `rproxy.toml`, an rclone.conf encrypted with a
/// config password that rclone reads through a password command (never in rproxy's config,
/// arguments or log).
#[test]
#[ignore = "needs the built binaries: run scripts/test.sh"]
fn rproxy_reads_rproxy_toml_and_an_encrypted_rclone_conf() -> Result<()> {
    let dir = tempfile::tempdir()?;
    std::fs::create_dir_all(dir.path().join("files"))?;
    std::fs::write(dir.path().join("files/secret-plan.txt"), b"x")?;
    let conf = dir.path().join("rclone.conf");
    std::fs::write(
        &conf,
        format!(
            "[files]\ntype = alias\nremote = {}\n",
            dir.path().join("files").display()
        ),
    )?;
    let pw = dir.path().join("rclone-pass");
    let password = "correct horse battery staple";
    std::fs::write(&pw, password)?;
    let command = format!("cat {}", pw.display());
    let enc = Command::new(rclone())
        .args([
            "config",
            "encryption",
            "set",
            "--config",
            conf.to_str().unwrap(),
            "--password-command",
            &command,
        ])
        .output()?;
    ensure!(enc.status.success(), "{}", String::from_utf8_lossy(&enc.stderr));
    ensure!(
        std::fs::read_to_string(&conf)?.contains("RCLONE_ENCRYPT_V0"),
        "rclone.conf is not encrypted"
    );
    let port = free_port();
    let data = dir.path().join("data");
    let toml = dir.path().join("rproxy.toml");
    std::fs::write(
        &toml,
        format!(
            "listen = \"127.0.0.1:{port}\"\ndata_dir = \"{}\"\nrclone_config = \"{}\"\nrclone_password_command = \"{command}\"\nrclone = \"{}\"\n",
            data.display(),
            conf.display(),
            rclone().display()
        ),
    )?;
    let log = dir.path().join("rproxy.log");
    let mut server = Proc::new(
        Command::new(rproxy()?)
            .args(["serve", "--config", toml.to_str().unwrap()])
            .env_remove("RPROXY_DATA_DIR")
            .env("RUST_LOG", "debug")
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log)?)
            .spawn()?,
    );
    let mut lines = BufReader::new(server.child.stdout.take().unwrap()).lines();
    lines.next().context("no output")??;
    let token = lines.next().context("no token")??;
    let url = format!("http://127.0.0.1:{port}/");
    let out = wait_until(
        Duration::from_secs(30),
        "rproxy to list the encrypted config's remote",
        || {
            let o = Command::new(rclone())
                .args([
                    "rc",
                    "--config",
                    "/dev/null",
                    "--url",
                    &url,
                    "--user",
                    "admin",
                    "--pass",
                    &token,
                    "operations/list",
                    "fs=files:",
                    "remote=",
                ])
                .output()
                .ok()?;
            o.status.success().then_some(o)
        },
    )?;
    ensure!(String::from_utf8_lossy(&out.stdout).contains("secret-plan.txt"));
    ensure!(data.join("rproxy.db").is_file(), "data_dir from rproxy.toml not used");
    signal(server.pid(), "TERM");
    let status = wait_until(Duration::from_secs(20), "rproxy to stop", || {
        server.child.try_wait().ok().flatten()
    })?;
    ensure!(status.success(), "{status:?}");
    let logged = std::fs::read_to_string(&log)?;
    ensure!(
        !logged.contains(password) && !logged.contains(&token),
        "a secret is in rproxy's log"
    );
    // requests are traced with their headers at debug level, the credentials marked sensitive
    ensure!(
        logged.contains("\"authorization\": Sensitive"),
        "no traced request with a redacted Authorization header in the log"
    );
    // a typo in the file is refused, naming the key
    std::fs::write(&toml, "lisen = \"127.0.0.1:1\"\n")?;
    let bad = Command::new(rproxy()?)
        .args(["serve", "--config", toml.to_str().unwrap()])
        .output()?;
    ensure!(
        !bad.status.success() && String::from_utf8_lossy(&bad.stderr).contains("listen"),
        "{}",
        String::from_utf8_lossy(&bad.stderr)
    );
    Ok(())
}

/// A batch created on the server keeps its place across `kill -9` of rproxy: after the
/// restart the server resumes it by itself (no client asks) and it completes with every file.
#[test]
#[ignore = "needs the built binaries: run scripts/test.sh"]
fn rproxy_resumes_a_server_batch_after_kill_9() -> Result<()> {
    const FILES: usize = 300;
    let TreeServer {
        dir: _dir,
        src,
        dst,
        data,
        conf,
        port,
        mut server,
        token,
    } = TreeServer::start(FILES, |i| {
        (format!("d{}/f{i:03}.bin", i % 5), vec![(i % 251) as u8; 2048])
    })?;
    // slow enough to be mid-way at the kill: 600 KiB at 40 KiB/s
    post(port, &token, "core/bwlimit", &serde_json::json!({ "rate": "40k" }))?;
    let (status, body) = post(
        port,
        &token,
        "rproxy/batch/create",
        &serde_json::json!({ "kind": "copy", "srcFs": "src:", "dstFs": "dst:copy" }),
    )?;
    ensure!(status == 200, "{status} {body}");
    let id = serde_json::from_str::<serde_json::Value>(&body)?["id"]
        .as_i64()
        .context("no batch id")?;
    std::thread::sleep(Duration::from_secs(2));
    signal(server.pid(), "KILL");
    server.child.wait()?;
    let copied_before = count_files(&dst.join("copy"));
    ensure!(
        copied_before < FILES,
        "the batch ended before the kill ({copied_before} files)"
    );
    let server = Proc::new(start_rproxy(&data, &conf, port)?);
    let report = wait_until(
        Duration::from_secs(120),
        "the server batch to complete after the restart",
        || {
            let (_, body) = post(port, &token, "rproxy/batch/get", &serde_json::json!({ "id": id })).ok()?;
            let v: serde_json::Value = serde_json::from_str(&body).ok()?;
            (v["batch"]["status"] == "completed").then_some(v)
        },
    )?;
    ensure!(report["batch"]["counts"]["done"] == FILES as u64, "{report}");
    for i in 0..FILES {
        let rel = format!("d{}/f{i:03}.bin", i % 5);
        ensure!(
            std::fs::read(src.join(&rel))?
                == std::fs::read(dst.join("copy").join(&rel)).with_context(|| format!("{rel} missing"))?,
            "{rel} differs"
        );
    }
    eprintln!("server batch: {copied_before} of {FILES} files copied before kill -9; completed after the restart without a client asking");
    drop(server);
    Ok(())
}

/// The command line against a server: a saved server (token read from stdin, kept out of the
/// settings file), `rcmd --server NAME batch copy` running ON the server and followed by
/// the command, rproxy killed with `kill -9` mid-batch and restarted: the command says the
/// server is offline, waits, and ends with the batch completed; `batch list` shows it; a batch
/// paused from the command line stays paused across another restart and `batch resume`
/// finishes it; a wrong token gets a clear message.
#[test]
#[ignore = "needs the built binaries: run scripts/test.sh"]
fn the_command_line_runs_batches_on_a_server() -> Result<()> {
    const FILES: usize = 200;
    let TreeServer {
        dir,
        src: _,
        dst,
        data,
        conf,
        port,
        mut server,
        token,
    } = TreeServer::start(FILES, |i| {
        (format!("d{}/f{i:03}.bin", i % 4), vec![(i % 251) as u8; 2048])
    })?;
    let home = dir.path().to_owned();
    let cli = |args: &[&str]| cli_command(&home, args);
    let add = |name: &str, secret: &str| save_server(&home, name, &format!("http://127.0.0.1:{port}/"), secret, None);
    let added = add("srv", &token)?;
    ensure!(added.status.success(), "{}", String::from_utf8_lossy(&added.stderr));
    let settings = std::fs::read_to_string(dir.path().join("config/dev.rcmd.app/settings.json"))?;
    ensure!(
        settings.contains("\"srv\"") && !settings.contains(&token),
        "the token is in the settings file: {settings}"
    );
    let listed = cli(&["server", "list"]).output()?;
    ensure!(
        String::from_utf8_lossy(&listed.stdout).contains(&format!("srv\thttp://127.0.0.1:{port}/\tadmin")),
        "{}",
        String::from_utf8_lossy(&listed.stdout)
    );

    // slow enough to be mid-way at the kill
    post(port, &token, "core/bwlimit", &serde_json::json!({ "rate": "40k" }))?;
    let follower = Proc::new(cli(&["--server", "srv", "batch", "copy", "src:", "dst:copy"]).spawn()?);
    std::thread::sleep(Duration::from_secs(3));
    signal(server.pid(), "KILL");
    server.child.wait()?;
    std::thread::sleep(Duration::from_secs(2));
    let server = Proc::new(start_rproxy(&data, &conf, port)?);
    let mut follower = follower;
    let status = wait_until(
        Duration::from_secs(120),
        "the command to see the batch complete",
        || follower.child.try_wait().ok().flatten(),
    )?;
    let mut err = String::new();
    std::io::Read::read_to_string(follower.child.stderr.as_mut().unwrap(), &mut err)?;
    ensure!(status.code() == Some(0), "exit {status:?}: {err}");
    ensure!(
        err.contains("offline") && err.contains("is back") && err.contains("Completed"),
        "{err}"
    );
    ensure!(
        count_files(&dst.join("copy")) == FILES,
        "{} files copied",
        count_files(&dst.join("copy"))
    );
    let list = cli(&["--server", "srv", "batch", "list"]).output()?;
    let list = String::from_utf8_lossy(&list.stdout);
    ensure!(
        list.contains("[Completed]") && list.contains(&format!("{FILES}/{FILES} done")),
        "{list}"
    );

    // a batch paused from the command line stays paused across a restart of rproxy, and
    // `batch resume` finishes it
    post(port, &token, "core/bwlimit", &serde_json::json!({ "rate": "40k" }))?;
    let mut second = Proc::new(cli(&["--server", "srv", "batch", "copy", "src:", "dst:again"]).spawn()?);
    wait_until(Duration::from_secs(30), "some files of the second batch", || {
        (count_files(&dst.join("again")) > 0).then_some(())
    })?;
    // its id as the server gave it (each rproxy store has its own id range)
    let listed = cli(&["--server", "srv", "batch", "list"]).output()?;
    let listed = String::from_utf8_lossy(&listed.stdout).into_owned();
    let second_id = listed
        .lines()
        .find(|l| l.contains("dst:again"))
        .and_then(|l| l.strip_prefix('#')?.split(' ').next().map(str::to_owned))
        .with_context(|| format!("the second batch is not listed: {listed}"))?;
    let paused = cli(&["--server", "srv", "batch", "pause", &second_id]).output()?;
    ensure!(paused.status.success(), "{}", String::from_utf8_lossy(&paused.stderr));
    let status = wait_until(Duration::from_secs(60), "the follower to see the pause", || {
        second.child.try_wait().ok().flatten()
    })?;
    ensure!(status.code() != Some(0), "a paused batch is not a success: {status:?}");
    drop(second);
    let mut server = server;
    signal(server.pid(), "KILL");
    server.child.wait()?;
    let server = Proc::new(start_rproxy(&data, &conf, port)?);
    let list = wait_until(Duration::from_secs(30), "rproxy back", || {
        let o = cli(&["--server", "srv", "batch", "list"]).output().ok()?;
        o.status
            .success()
            .then(|| String::from_utf8_lossy(&o.stdout).into_owned())
    })?;
    ensure!(
        list.lines().any(|l| l.contains("dst:again") && l.contains("[Paused]")),
        "after the restart: {list}"
    );
    let resumed = cli(&["--server", "srv", "batch", "resume", &second_id]).output()?;
    let err = String::from_utf8_lossy(&resumed.stderr);
    ensure!(
        resumed.status.code() == Some(0) && err.contains("Completed"),
        "resume: {:?} {err}",
        resumed.status
    );
    ensure!(
        count_files(&dst.join("again")) == FILES,
        "{} files after the resume",
        count_files(&dst.join("again"))
    );

    // a wrong token: a clear message, exit 1
    let added = add("bad", "rpx_1_00000000000000000000000000000000")?;
    ensure!(added.status.success());
    let refused = cli(&["--server", "bad", "batch", "list"]).output()?;
    ensure!(refused.status.code() == Some(1), "{:?}", refused.status);
    ensure!(
        String::from_utf8_lossy(&refused.stderr).contains("refused the credentials"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    drop(server);
    Ok(())
}

#[test]
#[ignore = "needs the built binaries: run scripts/test.sh"]
fn the_command_line_runs_a_two_way_pair_on_a_server() -> Result<()> {
    let TreeServer {
        dir,
        src,
        dst,
        port,
        server,
        token,
        ..
    } = TreeServer::start(5, |i| (format!("f{i}.txt"), vec![b'a' + i as u8; 10]))?;
    let home = dir.path().to_owned();
    let cli = |args: &[&str]| cli_command(&home, args);
    let out = |o: &std::process::Output| {
        format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    };
    let added = save_server(&home, "srv", &format!("http://127.0.0.1:{port}/"), &token, None)?;
    ensure!(added.status.success(), "{}", out(&added));
    // the pair is kept here; its sides are the server's remotes
    let pair = cli(&["bisync", "add", "docs", "src:", "dst:"]).output()?;
    ensure!(pair.status.success(), "{}", out(&pair));

    // the server never resynchronised it: a lockout (4), nothing written
    let run = cli(&["--server", "srv", "bisync", "run", "docs"]).output()?;
    ensure!(run.status.code() == Some(4), "{:?} {}", run.status, out(&run));
    ensure!(count_files(&dst) == 0, "the lockout wrote");

    // the guided resync: the preview alone writes nothing; with --yes it runs on the server
    let shown = cli(&["--server", "srv", "bisync", "resync", "docs"]).output()?;
    ensure!(
        shown.status.success() && out(&shown).contains("→ path2: f0.txt"),
        "{}",
        out(&shown)
    );
    ensure!(count_files(&dst) == 0, "the preview wrote");
    let done = cli(&["--server", "srv", "bisync", "resync", "docs", "--yes"]).output()?;
    ensure!(done.status.success(), "{:?} {}", done.status, out(&done));
    ensure!(
        count_files(&dst) == 6,
        "5 files and the check file: {}",
        count_files(&dst)
    );

    // a change on the server's second side comes back to the first
    std::fs::write(dst.join("new.txt"), b"made on dst")?;
    let run = cli(&["--server", "srv", "bisync", "run", "docs", "--json"]).output()?;
    ensure!(run.status.success(), "{:?} {}", run.status, out(&run));
    let report: serde_json::Value = serde_json::from_slice(&run.stdout)?;
    ensure!(report["copied_to_path1"] == 1, "{report}");
    ensure!(std::fs::read(src.join("new.txt"))? == b"made on dst");
    // watch mode is this computer's
    let watch = cli(&["--server", "srv", "watch", "run"]).output()?;
    ensure!(
        watch.status.code() == Some(1) && out(&watch).contains("this computer"),
        "{}",
        out(&watch)
    );
    drop(server);
    Ok(())
}

/// `rcmd-cli` with its own folders under `home` and no keyring (the private file is used).
fn cli_command(home: &std::path::Path, args: &[&str]) -> Command {
    let mut c = Command::new(cli_binary().unwrap());
    c.args(args)
        .env("HOME", home.join("home"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("RCMD_DATA_DIR", home.join("rcmd-data"))
        // a bus that does not exist (unset, libdbus would autolaunch one on $DISPLAY)
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            format!("unix:path={}", home.join("no-session-bus").display()),
        )
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    c
}

/// `rcmd-cli server add NAME URL --user admin [--ca-file CA]` with `secret` on stdin.
fn save_server(
    home: &std::path::Path,
    name: &str,
    url: &str,
    secret: &str,
    ca: Option<&std::path::Path>,
) -> Result<std::process::Output> {
    let mut args = vec!["server", "add", name, url, "--user", "admin"];
    let ca = ca.map(|c| c.display().to_string());
    if let Some(c) = &ca {
        args.extend(["--ca-file", c.as_str()]);
    }
    let mut child = cli_command(home, &args).spawn()?;
    use std::io::Write;
    writeln!(child.stdin.take().unwrap(), "{secret}")?;
    Ok(child.wait_with_output()?)
}

/// `rcmd server test`: what works and, when not, why in words: a good HTTPS server with its
/// CA (user, role, rclone version), the same without the CA (certificate not trusted), a wrong
/// token, a plain rclone rcd (not rproxy), a server answering 500, nothing listening.
#[test]
#[ignore = "needs the built binaries: run scripts/test.sh"]
fn the_command_line_checks_a_server_connection() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let (_server, port, token, ca) = start_tls_rproxy(dir.path())?;
    let https = format!("https://127.0.0.1:{port}/");
    let home = dir.path().to_owned();
    let test = |name: &str| cli_command(&home, &["server", "test", name]).output().unwrap();
    ensure!(save_server(&home, "good", &https, &token, Some(&ca))?.status.success());
    let good = wait_until(Duration::from_secs(30), "the server to answer", || {
        Some(test("good")).filter(|o| o.status.success())
    })?;
    let out = String::from_utf8_lossy(&good.stdout);
    ensure!(
        out.contains("certificate trusted: yes") && out.contains("user: admin (admin)") && out.contains("rclone: v1."),
        "{out}"
    );

    let cases: Vec<(&str, String, String, bool, &str)> = vec![
        (
            "nocert",
            https.clone(),
            token.clone(),
            false,
            "certificate is not trusted",
        ),
        (
            "wrong",
            https.clone(),
            "rpx_1_0123456789abcdef".into(),
            true,
            "refused the credentials",
        ),
        (
            "refused",
            format!("http://127.0.0.1:{}/", free_port()),
            token.clone(),
            false,
            "cannot reach the server",
        ),
        (
            "failing",
            format!("http://127.0.0.1:{}/", failing_server()?),
            token.clone(),
            false,
            "answered with an error (500): database is locked",
        ),
    ];
    for (name, url, secret, with_ca, want) in &cases {
        ensure!(save_server(&home, name, url, secret, with_ca.then_some(ca.as_path()))?
            .status
            .success());
        let o = test(name);
        let err = String::from_utf8_lossy(&o.stderr);
        ensure!(
            o.status.code() == Some(1) && err.contains(want),
            "{name}: {:?} {err}",
            o.status
        );
        ensure!(!err.contains(&token), "{name}: the token is in the message");
        // the app's table, line for line, whatever failed
        let out = String::from_utf8_lossy(&o.stdout);
        let tls = match (url.starts_with("https"), with_ca) {
            (false, _) => "certificate trusted: plain HTTP",
            (true, true) => "certificate trusted: yes",
            (true, false) => "certificate trusted: no",
        };
        ensure!(
            out.contains(tls) && out.contains("authenticated: ") && out.contains("user: ") && out.contains("rclone: "),
            "{name}: {out}"
        );
    }
    // a plain rclone rcd is not rproxy
    let rcd_port = free_port();
    // with the same credentials, so the call gets past its authentication and finds no rproxy
    let _rcd = Proc::new(
        Command::new(rclone())
            .args([
                "rcd",
                "--rc-addr",
                &format!("127.0.0.1:{rcd_port}"),
                "--rc-user",
                "admin",
                "--config",
                "/dev/null",
            ])
            .env("RCLONE_RC_PASS", &token)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?,
    );
    ensure!(
        save_server(&home, "plain", &format!("http://127.0.0.1:{rcd_port}/"), &token, None)?
            .status
            .success()
    );
    let plain = wait_until(Duration::from_secs(20), "the plain rcd to answer", || {
        let o = test("plain");
        String::from_utf8_lossy(&o.stderr).contains("plain rclone").then_some(o)
    })?;
    ensure!(plain.status.code() == Some(1));
    Ok(())
}

/// The server's own notifications from the command line: a webhook URL saved with `rproxy
/// secret set` (from stdin; listed as set, never shown), `[notifications]` in rproxy.toml, and
/// `rproxy notify test webhook` posting to a real receiver on loopback; a channel not set up
/// is a clear error.
#[test]
#[ignore = "needs the built binaries: run scripts/test.sh"]
fn rproxy_notifications_are_set_up_and_tested_from_the_command_line() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data)?;
    std::fs::write(data.join("rproxy.toml"), "[notifications.webhook]\nenabled = true\n")?;
    let sink = HttpSink::start();
    let hook = format!("http://127.0.0.1:{}/hook-secret-path", sink.port);
    let cmd = |args: &[&str]| {
        let mut c = Command::new(rproxy().unwrap());
        c.args(args)
            .env("RPROXY_DATA_DIR", &data)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        c
    };
    let mut set = cmd(&["secret", "set", "webhook.url"]).spawn()?;
    std::io::Write::write_all(&mut set.stdin.take().unwrap(), format!("{hook}\n").as_bytes())?;
    let set = set.wait_with_output()?;
    ensure!(set.status.success(), "{}", String::from_utf8_lossy(&set.stderr));
    let list = cmd(&["secret", "list"]).output()?;
    let listed = String::from_utf8_lossy(&list.stdout);
    ensure!(
        listed.contains("webhook.url\tset")
            && listed.contains("telegram.token\t-")
            && !listed.contains("hook-secret-path"),
        "{listed}"
    );
    let bad = cmd(&["secret", "set", "nonsense"]).output()?;
    ensure!(
        !bad.status.success() && String::from_utf8_lossy(&bad.stderr).contains("webhook.url"),
        "{}",
        String::from_utf8_lossy(&bad.stderr)
    );
    let test = cmd(&["notify", "test", "webhook"]).output()?;
    ensure!(test.status.success(), "{}", String::from_utf8_lossy(&test.stderr));
    let seen = sink.seen.lock().unwrap().clone();
    ensure!(
        seen.len() == 1 && seen[0].starts_with("POST /hook-secret-path") && seen[0].to_lowercase().contains("test"),
        "{seen:?}"
    );
    let off = cmd(&["notify", "test", "telegram"]).output()?;
    ensure!(
        !off.status.success() && String::from_utf8_lossy(&off.stderr).contains("no Telegram bot token set"),
        "{}",
        String::from_utf8_lossy(&off.stderr)
    );
    Ok(())
}
