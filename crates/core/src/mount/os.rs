//! What mounting needs from the operating system: is FUSE (or its equivalent) installed, and
//! how to clear a mount whose daemon is gone.

use std::{path::Path, time::Duration};

/// Why mounts cannot work on this computer, with what to install. `None`: the prerequisites
/// are there (rclone may still refuse for its own reasons).
pub fn missing_fuse(mount_type: &str) -> Option<String> {
    // nfsmount serves NFS on loopback and uses the OS's NFS client: no FUSE needed
    if mount_type == "nfsmount" {
        return None;
    }
    missing_fuse_here()
}

#[cfg(target_os = "linux")]
fn missing_fuse_here() -> Option<String> {
    if !Path::new("/dev/fuse").exists() {
        return Some(
            "FUSE is not available: /dev/fuse is missing. Load the module (sudo modprobe fuse) \
             or, in a container, pass the device through (--device /dev/fuse)."
                .into(),
        );
    }
    if which("fusermount3").is_none() && which("fusermount").is_none() {
        return Some(
            "FUSE is not installed: fusermount3 was not found on PATH. Install it: \
             sudo apt install fuse3 (Debian, Ubuntu), sudo dnf install fuse3 (Fedora), \
             sudo pacman -S fuse3 (Arch)."
                .into(),
        );
    }
    None
}

#[cfg(target_os = "macos")]
fn missing_fuse_here() -> Option<String> {
    let found = [
        "/Library/Filesystems/macfuse.fs",
        "/usr/local/lib/libfuse-t.dylib",
        "/Library/Frameworks/fuse_t.framework",
    ]
    .iter()
    .any(|p| Path::new(p).exists());
    (!found).then(|| {
        "macFUSE or FUSE-T is not installed: install one (brew install --cask macfuse, or \
         brew install macos-fuse-t/homebrew-cask/fuse-t), or choose the nfsmount type, which \
         needs nothing."
            .into()
    })
}

#[cfg(windows)]
fn missing_fuse_here() -> Option<String> {
    let dirs = [std::env::var_os("ProgramFiles(x86)"), std::env::var_os("ProgramFiles")];
    let found = dirs
        .into_iter()
        .flatten()
        .any(|d| Path::new(&d).join("WinFsp").join("bin").join("winfsp-x64.dll").exists());
    (!found).then(|| "WinFsp is not installed: install it (winget install WinFsp.WinFsp) and try again.".into())
}

#[cfg(not(any(target_os = "linux", target_os = "macos", windows)))]
fn missing_fuse_here() -> Option<String> {
    None
}

/// The first `name` on PATH.
pub fn which(name: &str) -> Option<std::path::PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|d| d.join(name)).find(|p| p.is_file())
}

/// Clears a mount point whose daemon is dead or hung, as the OS needs (a lazy unmount on
/// Linux, a forced one on macOS). Waits at most `within`; errors are returned as text (the
/// mount point may already be clear).
pub async fn force_unmount(mount_point: &Path, within: Duration) -> Result<(), String> {
    let (prog, args): (String, Vec<&str>) = force_command();
    if prog.is_empty() {
        return Ok(());
    }
    let mut cmd = tokio::process::Command::new(&prog);
    cmd.args(args)
        .arg(mount_point)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true);
    let out = tokio::time::timeout(within, cmd.output())
        .await
        .map_err(|_| format!("{prog} did not finish within {} s", within.as_secs()))?
        .map_err(|e| format!("cannot run {prog}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!("{prog}: {}", String::from_utf8_lossy(&out.stderr).trim()))
    }
}

#[cfg(target_os = "linux")]
fn force_command() -> (String, Vec<&'static str>) {
    for f in ["fusermount3", "fusermount"] {
        if let Some(p) = which(f) {
            return (p.to_string_lossy().into_owned(), vec!["-uz"]);
        }
    }
    ("umount".into(), vec!["-l"])
}

#[cfg(target_os = "macos")]
fn force_command() -> (String, Vec<&'static str>) {
    ("diskutil".into(), vec!["unmount", "force"])
}

/// On Windows a WinFsp mount ends with its process: nothing to clear.
#[cfg(not(any(target_os = "linux", target_os = "macos")))]
fn force_command() -> (String, Vec<&'static str>) {
    (String::new(), vec![])
}

/// The mount types rclone offers on this OS, the default first.
pub fn mount_types() -> &'static [&'static str] {
    if cfg!(target_os = "linux") {
        &["mount", "mount2", "nfsmount"]
    } else if cfg!(target_os = "macos") {
        &["mount", "nfsmount"]
    } else {
        &["mount"]
    }
}

/// The systemd user unit that keeps the auto-mounts mounted while the user is logged in,
/// without the app (`rcmd-cli mount service install`).
pub const SYSTEMD_UNIT: &str = "rcmd-mounts.service";

/// [`SYSTEMD_UNIT`]'s text for the command line at `cli`.
pub fn systemd_unit(cli: &Path) -> String {
    include_str!("templates/rcmd-mounts.service").replace("{CLI}", &crate::schedule::timer::systemd_quote(cli))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_unit_runs_the_auto_mounts_and_waits_for_uploads_when_stopped() {
        let unit = systemd_unit(Path::new("/opt/My Apps/rcmd-cli"));
        assert!(
            unit.contains("ExecStart=\"/opt/My Apps/rcmd-cli\" mount up --auto --wait 60\n"),
            "{unit}"
        );
        assert!(unit.contains("KillSignal=SIGTERM") && unit.contains("TimeoutStopSec=90"));
        assert!(unit.contains("WantedBy=default.target"));
    }
}
