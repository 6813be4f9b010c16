//! `rclone serve sftp` of a folder on a free loopback port, and the `sftp:` remote for it
//! (created through rclone itself, which obscures the password).

#![allow(dead_code, clippy::unwrap_used)]

use std::{
    net::TcpListener,
    path::Path,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use serde_json::{json, Value};

pub struct SftpServer {
    child: Child,
    killed: bool,
    pub port: u16,
}

impl SftpServer {
    /// Serves `dir` on `port` (0: a free one) and waits until it accepts connections.
    pub fn start(dir: &Path, port: u16) -> SftpServer {
        let port = if port == 0 {
            TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
        } else {
            port
        };
        let child = Command::new(super::rclone_binary())
            .args([
                "serve",
                "sftp",
                dir.to_str().unwrap(),
                "--addr",
                &format!("127.0.0.1:{port}"),
            ])
            .args([
                "--user",
                "rcmd",
                "--pass",
                "sftp-secret",
                "--config",
                "/dev/null",
                "--log-level",
                "ERROR",
            ])
            // like OpenSSH's server, keep the Unicode forms of a name apart (rclone's VFS would
            // otherwise open an NFC name by its NFD form: batches then refuse such pairs)
            .arg("--no-unicode-normalization")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let end = Instant::now() + Duration::from_secs(15);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < end, "sftp server did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        SftpServer {
            child,
            killed: false,
            port,
        }
    }

    /// SIGKILL, by PID.
    pub fn kill(&mut self) {
        super::kill9(self.child.id());
        let _ = self.child.wait();
        self.killed = true;
    }

    /// Sends `sig` (e.g. "-STOP", "-CONT") to the server.
    pub fn signal(&self, sig: &str) {
        Command::new("kill")
            .args([sig, &self.child.id().to_string()])
            .status()
            .unwrap();
    }

    /// Adds the `sftp:` remote for this server to `rc`'s config.
    pub async fn add_remote(&self, rc: &super::Rclone) {
        let _: Value = rc
            .client
            .call(
                "config/create",
                &json!({
                    "name": "sftp", "type": "sftp",
                    "parameters": { "host": "127.0.0.1", "port": self.port.to_string(), "user": "rcmd", "pass": "sftp-secret" },
                    "opt": { "obscure": true, "nonInteractive": true }
                }),
            )
            .await
            .unwrap();
    }
}

impl Drop for SftpServer {
    fn drop(&mut self) {
        if self.killed {
            return;
        }
        self.signal("-CONT");
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
