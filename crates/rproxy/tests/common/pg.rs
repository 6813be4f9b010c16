#![allow(dead_code)]

//! A throwaway PostgreSQL for tests: `RPROXY_TEST_PG_URL` when set (a fresh database is made
//! in it per test), else a private cluster started here with Debian's `initdb`/`pg_ctl` as the
//! `postgres` user (they refuse root), listening only on a unix socket in a temp folder, and
//! stopped (`pg_ctl -m fast stop`) when the guard drops. Nothing is left running.

use std::{
    path::PathBuf,
    process::Command,
    sync::atomic::{AtomicU32, Ordering},
};

use sqlx::{postgres::PgPoolOptions, PgPool};

pub struct Pg {
    /// The database's URL (a private cluster's socket folder is in it as `host`).
    pub url: String,
    cluster: Option<(tempfile::TempDir, PathBuf)>,
    /// `pg_ctl -o` options of a private cluster (to start it again).
    opts: String,
}

static NEXT_DB: AtomicU32 = AtomicU32::new(0);

fn as_postgres(args: &[&str]) -> std::process::Output {
    let out = Command::new("runuser")
        .arg("-u")
        .arg("postgres")
        .arg("--")
        .args(args)
        .output()
        .expect("runuser");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// The folder of Debian's PostgreSQL binaries (`initdb` is not on root's PATH there).
fn bin_dir() -> PathBuf {
    let base = PathBuf::from("/usr/lib/postgresql");
    let mut versions: Vec<PathBuf> = std::fs::read_dir(&base)
        .expect("PostgreSQL is not installed (scripts/setup.sh --test installs it)")
        .flatten()
        .map(|e| e.path().join("bin"))
        .filter(|p| p.join("initdb").is_file())
        .collect();
    versions.sort();
    versions.pop().expect("no initdb under /usr/lib/postgresql")
}

impl Pg {
    pub async fn start() -> Pg {
        let db = format!(
            "rproxy_test_{}_{}",
            std::process::id(),
            NEXT_DB.fetch_add(1, Ordering::SeqCst)
        );
        if let Ok(base) = std::env::var("RPROXY_TEST_PG_URL") {
            let admin = PgPoolOptions::new()
                .max_connections(1)
                .connect(&base)
                .await
                .expect("RPROXY_TEST_PG_URL");
            sqlx::query(&format!("CREATE DATABASE {db}"))
                .execute(&admin)
                .await
                .unwrap();
            let mut url = url::Url::parse(&base).unwrap();
            url.set_path(&format!("/{db}"));
            return Pg {
                url: url.to_string(),
                cluster: None,
                opts: String::new(),
            };
        }
        let dir = tempfile::tempdir().unwrap();
        // postgres must own its data folder and write its socket next to it
        let (data, sock) = (dir.path().join("data"), dir.path().to_owned());
        Command::new("chown")
            .args(["postgres:postgres", sock.to_str().unwrap()])
            .status()
            .unwrap();
        let bin = bin_dir();
        let port = 20000 + (std::process::id() % 20000) as u16 + NEXT_DB.load(Ordering::SeqCst) as u16;
        as_postgres(&[
            bin.join("initdb").to_str().unwrap(),
            "-D",
            data.to_str().unwrap(),
            "-A",
            "trust",
            "-U",
            "postgres",
            "--no-sync",
        ]);
        let opts = format!(
            "-k {} -c listen_addresses='' -p {port} -c fsync=off -c max_connections=200",
            sock.display()
        );
        as_postgres(&[
            bin.join("pg_ctl").to_str().unwrap(),
            "-D",
            data.to_str().unwrap(),
            "-o",
            &opts,
            "-l",
            dir.path().join("log").to_str().unwrap(),
            "-w",
            "start",
        ]);
        let base = format!(
            "postgres://postgres@localhost/postgres?host={}&port={port}",
            sock.display()
        );
        let admin = PgPoolOptions::new()
            .max_connections(1)
            .connect(&base)
            .await
            .expect("connect to the test cluster");
        sqlx::query(&format!("CREATE DATABASE {db}"))
            .execute(&admin)
            .await
            .unwrap();
        admin.close().await;
        let url = format!("postgres://postgres@localhost/{db}?host={}&port={port}", sock.display());
        Pg {
            url,
            cluster: Some((dir, data)),
            opts,
        }
    }

    /// Stops the private cluster (`pg_ctl -m fast stop`: connections are closed at once),
    /// as an outage of the database server.
    pub fn stop(&self) {
        let (dir, data) = self.cluster.as_ref().expect("stop needs a private cluster");
        let _ = dir;
        as_postgres(&[
            bin_dir().join("pg_ctl").to_str().unwrap(),
            "-D",
            data.to_str().unwrap(),
            "-m",
            "fast",
            "-w",
            "stop",
        ]);
    }

    /// Starts the private cluster again after [`Pg::stop`].
    pub fn restart(&self) {
        let (dir, data) = self.cluster.as_ref().expect("restart needs a private cluster");
        as_postgres(&[
            bin_dir().join("pg_ctl").to_str().unwrap(),
            "-D",
            data.to_str().unwrap(),
            "-o",
            &self.opts,
            "-l",
            dir.path().join("log").to_str().unwrap(),
            "-w",
            "start",
        ]);
    }

    pub async fn pool(&self, max: u32) -> PgPool {
        PgPoolOptions::new()
            .max_connections(max)
            .connect(&self.url)
            .await
            .unwrap()
    }
}

impl Drop for Pg {
    fn drop(&mut self) {
        if let Some((_dir, data)) = &self.cluster {
            let _ = Command::new("runuser")
                .args(["-u", "postgres", "--"])
                .arg(bin_dir().join("pg_ctl"))
                .args(["-D", data.to_str().unwrap(), "-m", "fast", "-w", "stop"])
                .output();
        }
    }
}
