//! Which process runs a mount or serve, across the app and `rcmd-cli`: the owner holds an OS
//! lock on `<dir>/<name>.lock` (released by the OS when it dies, however it dies), writes its
//! state to `<name>.state` on every change, and takes the mount down when another process
//! asks through `<name>.down`. So `rcmd-cli mount list` shows the app's mounts live, `rcmd-cli
//! mount down` works on them, and two processes never mount the same thing.

use std::{
    fs::File,
    io::Write,
    path::{Path, PathBuf},
    time::Duration,
};

use rcmd_types::{MountStatus, PendingChoice};
use serde::{Deserialize, Serialize};

/// The folder of lock, state and request files (`<data dir>/mounts`).
#[derive(Clone, Debug)]
pub struct Registry {
    dir: PathBuf,
}

/// A held ownership; dropping it releases the lock.
#[derive(Debug)]
pub struct Claim {
    /// `None` when the folder cannot hold files (read-only): nothing to coordinate with.
    _lock: Option<File>,
    path: PathBuf,
}

impl Drop for Claim {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(self.path.with_extension("state"));
    }
}

/// A request from another process to take a mount down.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DownRequest {
    pub choice: PendingChoice,
    pub wait_secs: u64,
}

impl Registry {
    pub fn new(dir: PathBuf) -> Self {
        Registry { dir }
    }

    fn file(&self, name: &str, ext: &str) -> PathBuf {
        // names are checked (no '/', no control characters); hex keeps any other character
        // out of the file system's way
        let hex: String = name.bytes().map(|b| format!("{b:02x}")).collect();
        self.dir.join(format!("{hex}.{ext}"))
    }

    /// Takes ownership of `name`; `Err(pid)` when another live process holds it (its pid,
    /// 0 when unknown).
    pub fn claim(&self, name: &str) -> Result<Claim, u32> {
        let _ = std::fs::create_dir_all(&self.dir);
        let path = self.file(name, "lock");
        let Ok(mut f) = File::options()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(&path)
        else {
            // cannot coordinate (a read-only data folder): do not block the mount for it
            return Ok(Claim { _lock: None, path });
        };
        if f.try_lock().is_err() {
            return Err(std::fs::read_to_string(&path)
                .ok()
                .and_then(|s| s.trim().parse().ok())
                .unwrap_or(0));
        }
        let _ = f.set_len(0);
        let _ = write!(f, "{}", std::process::id());
        let _ = std::fs::remove_file(self.file(name, "down"));
        Ok(Claim { _lock: Some(f), path })
    }

    /// The pid of the live process that owns `name`, if one does.
    pub fn owner(&self, name: &str) -> Option<u32> {
        let path = self.file(name, "lock");
        let f = File::options().read(true).write(true).open(&path).ok()?;
        if f.try_lock().is_ok() {
            let _ = f.unlock();
            return None;
        }
        Some(
            std::fs::read_to_string(&path)
                .ok()
                .and_then(|s| s.trim().parse().ok())
                .unwrap_or(0),
        )
    }

    /// Records `status` for other processes to read.
    pub fn write_state(&self, status: &MountStatus) {
        let path = self.file(&status.name, "state");
        let tmp = path.with_extension("state.tmp");
        if std::fs::write(&tmp, serde_json::to_vec(status).unwrap_or_default()).is_ok() {
            let _ = std::fs::rename(&tmp, &path);
        }
    }

    /// The state the owner of `name` last recorded (`None` when no live process owns it).
    pub fn read_state(&self, name: &str) -> Option<MountStatus> {
        self.owner(name)?;
        serde_json::from_slice(&std::fs::read(self.file(name, "state")).ok()?).ok()
    }

    /// Asks the owner of `name` to take it down.
    pub fn request_down(&self, name: &str, req: DownRequest) -> std::io::Result<()> {
        std::fs::write(self.file(name, "down"), serde_json::to_vec(&req).unwrap_or_default())
    }

    /// A pending request to take `name` down (consumed).
    pub fn take_request(&self, name: &str) -> Option<DownRequest> {
        let path = self.file(name, "down");
        let req = serde_json::from_slice(&std::fs::read(&path).ok()?).ok();
        let _ = std::fs::remove_file(&path);
        req
    }

    /// The outcome of a down request, written by the owner for the asker.
    pub fn write_answer(&self, name: &str, answer: &str) {
        let _ = std::fs::write(self.file(name, "answer"), answer);
    }

    /// Waits (at most `within`) for the owner's answer to a down request.
    pub async fn wait_answer(&self, name: &str, within: Duration) -> Option<String> {
        let path = self.file(name, "answer");
        let end = std::time::Instant::now() + within;
        while std::time::Instant::now() < end {
            if let Ok(a) = std::fs::read_to_string(&path) {
                let _ = std::fs::remove_file(&path);
                return Some(a);
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        None
    }

    pub fn clear_answer(&self, name: &str) {
        let _ = std::fs::remove_file(self.file(name, "answer"));
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }
}
