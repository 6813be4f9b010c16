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
    workspace_rclone(workspace)
}

/// `bin/rcmd-rclone-<triple>` in `workspace` for the platform this program was built for
/// (`bin/` may hold the sidecars of several platforms: the cross builds fetch theirs).
pub fn workspace_rclone(workspace: &std::path::Path) -> Option<PathBuf> {
    let os = match std::env::consts::OS {
        "linux" => "-unknown-linux-",
        "macos" => "-apple-darwin",
        "windows" => "-pc-windows-",
        other => other,
    };
    let prefix = format!("rcmd-rclone-{}{os}", std::env::consts::ARCH);
    let mut found: Vec<PathBuf> = std::fs::read_dir(workspace.join("bin"))
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name().is_some_and(|n| {
                let n = n.to_string_lossy();
                n.starts_with(&prefix) && n.ends_with(std::env::consts::EXE_SUFFIX) && !n.ends_with(".sha256")
            })
        })
        .collect();
    // one name per build: the GNU and the MSVC Windows sidecars are the same binary
    found.sort();
    found.into_iter().next()
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
