//! Is a mount point alive? Asked in a thread of its own with a deadline: a stat or a read of a
//! FUSE folder whose daemon is stopped blocks in the kernel, and must never block the app.

use std::{
    path::{Path, PathBuf},
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    time::Duration,
};

/// What a probe found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Probe {
    /// Mounted and answering.
    Alive,
    /// Nothing is mounted there (unmounted from outside, or never mounted).
    NotMounted,
    /// Mounted but broken ("Transport endpoint is not connected": its rclone is gone).
    Dead(String),
    /// No answer within the deadline (a hung FUSE daemon), or the previous probe is still stuck.
    Hung,
}

impl Probe {
    pub fn describe(&self) -> String {
        match self {
            Probe::Alive => "alive".into(),
            Probe::NotMounted => "the folder is no longer mounted".into(),
            Probe::Dead(why) => format!("the mount is dead: {why}"),
            Probe::Hung => "the mount does not answer (its FUSE daemon hangs)".into(),
        }
    }
}

/// Probes one mount point; at most one probe thread per prober is ever stuck.
#[derive(Clone, Debug, Default)]
pub struct Prober {
    /// A probe thread is running (maybe stuck in the kernel): no second one is started.
    busy: Arc<AtomicBool>,
}

impl Prober {
    /// Looks at `mount_point`, waiting at most `deadline`.
    pub async fn probe(&self, mount_point: &Path, deadline: Duration) -> Probe {
        if self.busy.swap(true, Ordering::SeqCst) {
            return Probe::Hung;
        }
        let (tx, rx) = tokio::sync::oneshot::channel();
        let busy = self.busy.clone();
        let path: PathBuf = mount_point.to_owned();
        let spawned = std::thread::Builder::new()
            .name("rcmd-mount-probe".into())
            .spawn(move || {
                let found = look(&path);
                busy.store(false, Ordering::SeqCst);
                let _ = tx.send(found);
            });
        if spawned.is_err() {
            self.busy.store(false, Ordering::SeqCst);
            return Probe::Dead("cannot start a probe thread".into());
        }
        match tokio::time::timeout(deadline, rx).await {
            Ok(Ok(p)) => p,
            _ => Probe::Hung,
        }
    }
}

/// The blocking look: first the mount table (never touches the mount), then a read of the
/// folder (answered by the FUSE daemon).
fn look(path: &Path) -> Probe {
    // `None`: this OS cannot tell without touching the mount; the read below decides
    if is_mounted(path) == Some(false) {
        return Probe::NotMounted;
    }
    match std::fs::read_dir(path).and_then(|mut d| d.next().transpose()) {
        Ok(_) => Probe::Alive,
        Err(e) => Probe::Dead(e.to_string()),
    }
}

/// Whether something is mounted at `path` (`None`: cannot tell on this OS).
#[cfg(target_os = "linux")]
pub fn is_mounted(path: &Path) -> Option<bool> {
    let table = std::fs::read_to_string("/proc/self/mountinfo").ok()?;
    // the kernel lists the real path: resolve symlinks above the mount point (never the
    // mount point itself, which may hang)
    let want = match (path.parent().map(std::fs::canonicalize), path.file_name()) {
        (Some(Ok(parent)), Some(name)) => parent.join(name),
        _ => path.to_owned(),
    };
    let found = mount_points(&table).any(|m| Path::new(&m) == want);
    Some(found)
}

/// Whether something is mounted at `path`: its device differs from its parent's.
#[cfg(all(unix, not(target_os = "linux")))]
pub fn is_mounted(path: &Path) -> Option<bool> {
    use std::os::unix::fs::MetadataExt;
    let parent = std::fs::metadata(path.parent()?).ok()?;
    let me = std::fs::metadata(path).ok()?;
    Some(me.dev() != parent.dev())
}

/// On Windows a mount is a drive letter or a folder that exists only while mounted.
#[cfg(windows)]
pub fn is_mounted(path: &Path) -> Option<bool> {
    Some(path.exists())
}

/// The mount points of a `/proc/self/mountinfo` table (field 5, octal escapes undone).
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
fn mount_points(table: &str) -> impl Iterator<Item = String> + '_ {
    table.lines().filter_map(|l| l.split(' ').nth(4)).map(unescape)
}

/// `\040` → space, as the kernel escapes space, tab, newline and backslash.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
fn unescape(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && i + 3 < b.len() && b[i + 1..i + 4].iter().all(|c| (b'0'..=b'7').contains(c)) {
            let v = (b[i + 1] - b'0') * 64 + (b[i + 2] - b'0') * 8 + (b[i + 3] - b'0');
            out.push(v);
            i += 4;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mountinfo_escapes_are_undone() {
        let table = "45 27 0:40 / /tmp/my\\040drive rw,nosuid - fuse.rclone mem: rw\n\
                     46 27 0:41 / /tmp/사진 rw - fuse.rclone x: rw\n";
        let got: Vec<String> = mount_points(table).collect();
        assert_eq!(got, ["/tmp/my drive", "/tmp/사진"]);
        assert_eq!(unescape("a\\134b"), "a\\b");
        assert_eq!(unescape("trailing\\04"), "trailing\\04");
    }

    #[tokio::test]
    async fn a_plain_folder_is_not_mounted_and_a_missing_one_is_not_either() {
        let dir = tempfile::tempdir().unwrap();
        let p = Prober::default();
        if cfg!(target_os = "linux") {
            assert_eq!(p.probe(dir.path(), Duration::from_secs(5)).await, Probe::NotMounted);
            assert_eq!(
                p.probe(&dir.path().join("missing"), Duration::from_secs(5)).await,
                Probe::NotMounted
            );
        }
    }
}
