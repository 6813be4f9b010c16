//! `rproxy serve --db postgres://...`: the binary on a real PostgreSQL. The first start makes
//! the admin and prints its token; a real `rclone rc` client works; a second instance on the
//! same database starts without making another admin, answers with the same token, and both
//! are listed alive by `rproxy/instances`; after a `kill -9` the restarted instance answers at
//! once with the same token (it is in PostgreSQL, not in the data folder). Many instances
//! under load: `tests/scale_out.rs`.

#![allow(clippy::unwrap_used)]

mod common;

use common::Server;

use std::{
    io::{BufRead, BufReader},
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use common::pg::Pg;

fn serve(db: &str, data: &std::path::Path, port: u16) -> Server {
    Server(
        Command::new(env!("CARGO_BIN_EXE_rproxy"))
            .args(["serve", "--db", db, "--listen", &format!("127.0.0.1:{port}")])
            .env("RPROXY_DATA_DIR", data)
            .env("RCMD_RCLONE", common::rclone())
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    )
}

fn rc(port: u16, token: &str, args: &[&str]) -> std::process::Output {
    Command::new(common::rclone())
        .args([
            "rc",
            "--config",
            "/dev/null",
            "--url",
            &format!("http://127.0.0.1:{port}/"),
            "--user",
            "admin",
            "--pass",
            token,
        ])
        .args(args)
        .output()
        .unwrap()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_on_postgres_one_instance_and_a_restart_after_kill_9() {
    let pg = Pg::start().await;
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut first = serve(&pg.url, &dir.path().join("a"), port);
    let mut lines = BufReader::new(first.0.stdout.take().unwrap()).lines();
    assert!(lines.next().unwrap().unwrap().contains("created user admin"));
    let token = lines.next().unwrap().unwrap();
    let end = Instant::now() + Duration::from_secs(30);
    while !rc(port, &token, &["rc/noop"]).status.success() {
        assert!(Instant::now() < end, "rproxy on PostgreSQL did not answer");
        std::thread::sleep(Duration::from_millis(200));
    }
    let users = rc(port, &token, &["rproxy/users"]);
    assert!(
        String::from_utf8_lossy(&users.stdout).contains("\"admin\""),
        "{}",
        String::from_utf8_lossy(&users.stdout)
    );
    // a second instance on the same database: no new admin, the same token works there
    let port2 = free_port();
    let mut second = serve(&pg.url, &dir.path().join("b"), port2);
    let end = Instant::now() + Duration::from_secs(30);
    while !rc(port2, &token, &["rc/noop"]).status.success() {
        assert!(second.0.try_wait().unwrap().is_none(), "the second instance stopped");
        assert!(
            Instant::now() < end,
            "the second instance did not answer with the first one's token"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let end = Instant::now() + Duration::from_secs(15);
    loop {
        let listed = String::from_utf8_lossy(&rc(port, &token, &["rproxy/instances"]).stdout)
            .matches("\"alive\": true")
            .count();
        if listed == 2 {
            break;
        }
        assert!(
            Instant::now() < end,
            "rproxy/instances lists {listed} live instances, not 2"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    second.0.kill().unwrap();
    second.0.wait().unwrap();
    let mut out = String::new();
    std::io::Read::read_to_string(second.0.stdout.as_mut().unwrap(), &mut out).unwrap();
    assert!(
        !out.contains("created user"),
        "the second instance made another admin: {out}"
    );

    // kill -9 and start again at once: accepted, same token
    first.0.kill().unwrap();
    first.0.wait().unwrap();
    let _again = serve(&pg.url, &dir.path().join("a"), port);
    let end = Instant::now() + Duration::from_secs(30);
    while !rc(port, &token, &["rc/noop"]).status.success() {
        assert!(
            Instant::now() < end,
            "the restarted rproxy did not answer with the old token"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Three instances started at once on an empty database: exactly one makes the first admin,
/// none fails on the race, and all three answer with that one token.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_instances_started_at_once_on_an_empty_database() {
    let pg = Pg::start().await;
    let dir = tempfile::tempdir().unwrap();
    let ports = [free_port(), free_port(), free_port()];
    let mut servers: Vec<Server> = ports
        .iter()
        .enumerate()
        .map(|(i, p)| serve(&pg.url, &dir.path().join(format!("d{i}")), *p))
        .collect();
    // each instance's stdout, read on its own thread: the one that made the admin sends its token
    let (tx, rx) = std::sync::mpsc::channel();
    for s in servers.iter_mut() {
        let (out, tx) = (s.0.stdout.take().unwrap(), tx.clone());
        std::thread::spawn(move || {
            let mut lines = BufReader::new(out).lines();
            while let Some(Ok(line)) = lines.next() {
                if line.contains("created user admin") {
                    if let Some(Ok(token)) = lines.next() {
                        let _ = tx.send(token);
                    }
                }
            }
        });
    }
    let token = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("no instance made the first admin");
    for (i, port) in ports.iter().enumerate() {
        let end = Instant::now() + Duration::from_secs(60);
        while !rc(*port, &token, &["rc/noop"]).status.success() {
            assert!(
                servers[i].0.try_wait().unwrap().is_none(),
                "instance {i} exited on the first-start race"
            );
            assert!(
                Instant::now() < end,
                "instance {i} does not answer with the first token"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }
    assert!(
        rx.recv_timeout(Duration::from_millis(500)).is_err(),
        "a second instance made another admin"
    );
    let users = String::from_utf8_lossy(&rc(ports[0], &token, &["rproxy/users"]).stdout).into_owned();
    assert_eq!(users.matches("\"name\"").count(), 1, "one user: {users}");
}
