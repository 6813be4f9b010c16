//! An encrypted `rclone.conf`: detecting it, checking its password, and passing the password
//! to rclone through the environment (`RCLONE_CONFIG_PASS`), never on a command line.

use std::path::{Path, PathBuf};

use super::{Launcher, SidecarError};
use crate::secret::Secret;

/// The line rclone writes at the top of an encrypted config's body.
const ENCRYPTED_MARK: &str = "RCLONE_ENCRYPT_V0:";

/// The config file rclone uses: the chosen one, else `$RCLONE_CONFIG`, else rclone's default
/// (`<config dir>/rclone/rclone.conf`).
pub fn effective_config(chosen: Option<&Path>) -> Option<PathBuf> {
    chosen
        .map(Path::to_owned)
        .or_else(|| std::env::var_os("RCLONE_CONFIG").map(PathBuf::from))
        .or_else(|| dirs::config_dir().map(|d| d.join("rclone").join("rclone.conf")))
}

/// Whether the config file at `path` is encrypted (a missing or unreadable file is not).
pub fn is_encrypted(path: &Path) -> bool {
    std::fs::read(path)
        .map(|bytes| {
            String::from_utf8_lossy(&bytes[..bytes.len().min(4096)])
                .lines()
                .any(|l| l.trim() == ENCRYPTED_MARK)
        })
        .unwrap_or(false)
}

/// Why a password was not accepted.
#[derive(Debug, thiserror::Error)]
pub enum UnlockError {
    #[error("wrong password for the rclone config {}", .0.display())]
    WrongPassword(PathBuf),
    #[error("cannot check the rclone config password: {0}")]
    Check(String),
}

/// Checks `password` against the config at `config` by letting rclone decrypt it
/// (`rclone listremotes`, password in the environment, never asked on a terminal).
pub async fn check_password(launcher: &dyn Launcher, config: &Path, password: &Secret) -> Result<(), UnlockError> {
    let mut cmd = launcher
        .command()
        .map_err(|e: SidecarError| UnlockError::Check(e.to_string()))?;
    cmd.arg("listremotes")
        .arg("--ask-password=false")
        .arg("--config")
        .arg(config);
    cmd.env("RCLONE_CONFIG_PASS", password.expose())
        .env_remove("RCLONE_PASSWORD_COMMAND");
    cmd.stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped());
    let out = tokio::process::Command::from(cmd)
        .output()
        .await
        .map_err(|e| UnlockError::Check(e.to_string()))?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    if crate::resilience::classify::is_config_password_error(&stderr) {
        return Err(UnlockError::WrongPassword(config.to_owned()));
    }
    if !out.status.success() {
        // rclone's own words, without anything of ours in them
        let last = stderr.lines().last().unwrap_or_default().to_owned();
        return Err(UnlockError::Check(last));
    }
    Ok(())
}
