//! The local `rclone rcd` sidecar: how it is launched ([`Launcher`]), how its process is
//! started and logged ([`process`]), and how it is kept alive ([`Supervisor`]).

mod config;
pub mod config_lock;
mod endpoint;
pub mod orphans;
pub mod process;
mod supervisor;
pub mod version;

use std::path::PathBuf;

pub use config::SidecarConfig;
pub use supervisor::Supervisor;

use rcmd_types::SidecarState;

/// Failures of the sidecar layer.
#[derive(Debug, thiserror::Error)]
pub enum SidecarError {
    /// RC calls were attempted while rclone was not ready.
    #[error("rclone is not ready ({})", describe(.state))]
    NotReady { state: SidecarState },
    /// The launcher could not produce a command (binary missing, ...).
    #[error("cannot launch rclone: {message}")]
    Launch { message: String },
    /// The process could not be started.
    #[error("cannot start rclone: {source}")]
    Spawn {
        #[source]
        source: std::io::Error,
    },
}

fn describe(state: &SidecarState) -> &'static str {
    match state {
        SidecarState::Starting { .. } => "starting",
        SidecarState::Ready { .. } => "ready",
        SidecarState::Restarting { .. } => "restarting",
        SidecarState::Failed { .. } => "failed",
        SidecarState::Stopped => "stopped",
    }
}

/// Produces the command that runs the rclone binary (without arguments). The desktop app
/// resolves its bundled sidecar through tauri-plugin-shell; tests and the CLI use
/// [`BinaryLauncher`].
pub trait Launcher: Send + Sync + 'static {
    fn command(&self) -> Result<std::process::Command, SidecarError>;
}

/// Finds an rclone sidecar binary outside the Tauri app: `$RCMD_RCLONE`, else `rcmd-rclone`
/// next to the running executable, else `bin/rcmd-rclone-<triple>` in `workspace` (where
/// `scripts/fetch-rclone.sh` puts it).
pub fn locate_rclone(workspace: &std::path::Path) -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("RCMD_RCLONE") {
        return Some(PathBuf::from(p));
    }
    let beside = std::env::current_exe().ok()?.with_file_name(if cfg!(windows) {
        "rcmd-rclone.exe"
    } else {
        "rcmd-rclone"
    });
    if beside.is_file() {
        return Some(beside);
    }
    std::fs::read_dir(workspace.join("bin"))
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("rcmd-rclone-"))
        })
}

/// Launches rclone from a known path.
#[derive(Clone, Debug)]
pub struct BinaryLauncher {
    pub path: PathBuf,
}

impl BinaryLauncher {
    /// The sidecar of a program outside the Tauri app (the CLI, the server): see
    /// [`locate_rclone`], with the running executable's folder as the workspace.
    pub fn beside_exe() -> Option<BinaryLauncher> {
        let exe = std::env::current_exe().ok()?;
        let dir = exe.parent().map(std::path::Path::to_owned).unwrap_or_default();
        locate_rclone(&dir).map(|path| BinaryLauncher { path })
    }
}

impl Launcher for BinaryLauncher {
    fn command(&self) -> Result<std::process::Command, SidecarError> {
        if !self.path.is_file() {
            return Err(SidecarError::Launch {
                message: format!("rclone binary not found at {}", self.path.display()),
            });
        }
        Ok(std::process::Command::new(&self.path))
    }
}
