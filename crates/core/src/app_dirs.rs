//! Where RCMD keeps its files, shared by the app and the command line. Matches Tauri's
//! `app_data_dir`/`app_config_dir`/`app_log_dir` (the platform folder + the bundle
//! identifier).

use std::path::PathBuf;

pub const IDENTIFIER: &str = "dev.rcmd.app";

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

/// `$RCMD_LOG_DIR`, else the platform's log folder for the app (e.g.
/// `~/.local/share/dev.rcmd.app/logs` on Linux, `~/Library/Logs/dev.rcmd.app` on macOS).
pub fn log_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("RCMD_LOG_DIR") {
        return PathBuf::from(d);
    }
    if cfg!(target_os = "macos") {
        if let Some(home) = dirs::home_dir() {
            return home.join("Library/Logs").join(IDENTIFIER);
        }
    }
    data_dir().join("logs")
}

/// The settings file.
pub fn settings_file() -> PathBuf {
    config_dir().join("settings.json")
}

/// Secrets kept in a private file where no keyring service exists.
pub fn secrets_file() -> PathBuf {
    config_dir().join("secrets.json")
}

/// Where quick views keep their copies: the platform's cache folder (below the data folder
/// when `$RCMD_DATA_DIR` moves it, so a test or a portable setup keeps everything together).
pub fn view_cache() -> PathBuf {
    match std::env::var_os("RCMD_DATA_DIR") {
        Some(d) => PathBuf::from(d).join("view-cache"),
        None => dirs::cache_dir()
            .unwrap_or_else(std::env::temp_dir)
            .join(IDENTIFIER)
            .join("view"),
    }
}

/// Where F4 keeps the files being edited (a private folder per session; they stay after
/// the session, so an edit that could not be uploaded is never lost).
pub fn edit_dir() -> PathBuf {
    data_dir().join("edits")
}

/// The batch database.
pub fn batch_db() -> PathBuf {
    data_dir().join("rcmd.db")
}

/// Extra rclone flags from `$RCMD_RCLONE_FLAGS` (space-separated, e.g. `--bwlimit 10M`).
/// Flags that would reopen or re-address the RC server (`--rc*`) or replace the sidecar's
/// own settings are refused: the RC server is private to RCMD.
pub fn extra_rclone_flags() -> Result<Vec<String>, String> {
    let flags: Vec<String> = std::env::var("RCMD_RCLONE_FLAGS")
        .map(|f| f.split_whitespace().map(str::to_owned).collect())
        .unwrap_or_default();
    check_rclone_flags(&flags)?;
    Ok(flags)
}

/// Refuses flags that touch the RC server or the sidecar's own settings.
pub fn check_rclone_flags(flags: &[String]) -> Result<(), String> {
    // the log level is the sidecar's too: rclone refuses -v next to --log-level, and at debug
    // level it prints its own RC credentials
    const OWN: [&str; 6] = [
        "--config",
        "--use-json-log",
        "--log-file",
        "--log-format",
        "--log-level",
        "--verbose",
    ];
    for f in flags {
        let name = f.split('=').next().unwrap_or(f);
        let verbose =
            name.len() >= 2 && name.starts_with('-') && !name.starts_with("--") && name[1..].chars().all(|c| c == 'v');
        if name.starts_with("--rc") || name == "--metrics-addr" || OWN.contains(&name) || verbose {
            return Err(format!(
                "RCMD_RCLONE_FLAGS may not contain {name}: RCMD runs rclone's remote-control server privately and sets it up itself"
            ));
        }
    }
    Ok(())
}

/// Renames `path` to `<path>.bak` (`.bak.1`, `.bak.2`, ... when taken); returns the new name.
pub fn set_aside(path: &std::path::Path) -> std::io::Result<PathBuf> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let candidate = |i: u32| {
        path.with_file_name(if i == 0 {
            format!("{name}.bak")
        } else {
            format!("{name}.bak.{i}")
        })
    };
    let kept = (0..1000)
        .map(candidate)
        .find(|p| !p.exists())
        .unwrap_or_else(|| candidate(0));
    std::fs::rename(path, &kept)?;
    Ok(kept)
}

/// The user's home folder (where the app's local disk opens).
pub fn home_dir() -> Option<PathBuf> {
    dirs::home_dir()
}

#[cfg(test)]
mod tests {
    use super::check_rclone_flags;

    #[test]
    fn rc_flags_are_refused() {
        let ok = |f: &[&str]| check_rclone_flags(&f.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert!(ok(&["--bwlimit", "10M", "--transfers=8", "--fast-list"]).is_ok());
        for bad in [
            &["--rc-addr", "0.0.0.0:5572"][..],
            &["--rc-no-auth"],
            &["--rc-serve"],
            &["--rc-user=x"],
            &["--rc"],
            &["--config", "/x"],
            &["--metrics-addr=:1"],
            &["-vv"],
            &["-v"],
            &["--log-level=DEBUG"],
            &["--verbose"],
        ] {
            let err = ok(bad).unwrap_err();
            assert!(err.contains(bad[0].split('=').next().unwrap()), "{err}");
        }
    }
}
