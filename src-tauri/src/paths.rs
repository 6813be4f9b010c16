//! Where RCMD keeps its files, shared by the app and the command line. Matches Tauri's
//! `app_data_dir`/`app_config_dir` (the platform folder + the bundle identifier).

use std::path::PathBuf;

const IDENTIFIER: &str = "dev.rcmd.app";

/// `$RCMD_DATA_DIR`, else e.g. `~/.local/share/dev.rcmd.app`.
pub fn data_dir() -> PathBuf {
    std::env::var_os("RCMD_DATA_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| dirs::data_dir().unwrap_or_else(std::env::temp_dir).join(IDENTIFIER))
}

/// e.g. `~/.config/dev.rcmd.app`.
pub fn config_dir() -> PathBuf {
    dirs::config_dir().unwrap_or_else(std::env::temp_dir).join(IDENTIFIER)
}

/// The batch database.
pub fn batch_db() -> PathBuf {
    data_dir().join("rcmd.db")
}

/// Extra rclone flags from `$RCMD_RCLONE_FLAGS` (space-separated, e.g. `--bwlimit 10M`).
pub fn extra_rclone_flags() -> Vec<String> {
    std::env::var("RCMD_RCLONE_FLAGS").map(|f| f.split_whitespace().map(str::to_owned).collect()).unwrap_or_default()
}
