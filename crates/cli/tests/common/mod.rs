//! The command line's test home: a private data folder, settings and rclone config, and the
//! real rclone sidecar.

#![allow(dead_code, clippy::unwrap_used)]

#[cfg(windows)]
pub mod windows;

use std::{
    path::{Path, PathBuf},
    process::{Command, Output, Stdio},
};

pub fn rclone() -> PathBuf {
    rcmd_core::sidecar::workspace_rclone(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."))
        .expect("no rclone sidecar for this platform in bin/: run scripts/setup.sh")
}

/// A private home for the CLI: data folder, settings, rclone config with a `local` remote.
pub struct Home {
    dir: tempfile::TempDir,
}

impl Home {
    pub fn new() -> Home {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("rclone.conf"), "[local]\ntype = local\n").unwrap();
        Home { dir }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn cli(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_rcmd-cli"));
        c.args(args)
            .env("RCMD_DATA_DIR", self.path("data"))
            .env("XDG_CONFIG_HOME", self.path("config"))
            .env("RCLONE_CONFIG", self.path("rclone.conf"))
            .env("RCMD_RCLONE", rclone())
            .env_remove("RCMD_RCLONE_FLAGS")
            .env_remove("RUST_LOG")
            .stdin(Stdio::null());
        c
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.cli(args).output().unwrap()
    }

    pub fn files(&self, rel: &str, n: usize, size: usize) {
        let dir = self.path(rel);
        std::fs::create_dir_all(&dir).unwrap();
        for i in 0..n {
            std::fs::write(dir.join(format!("f{i:03}.bin")), vec![i as u8; size]).unwrap();
        }
    }

    pub fn spec(&self, rel: &str) -> String {
        format!("local:{}", self.path(rel).display())
    }
}

pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}
