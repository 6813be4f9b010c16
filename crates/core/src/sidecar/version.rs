//! The oldest rclone the engine works with, and the check at start.
//!
//! 1.64 added unix sockets to rclone's HTTP servers (the sidecar's private RC socket); the
//! engine also relies on `operations/stat` options, `_filter` with `FilesFromRaw`,
//! `core/stats` `serverSideCopies`/`transferring` and `--use-json-log`, all older. Debian 12's
//! rclone 1.60.1 is refused.

/// The oldest accepted rclone version.
pub const MINIMUM: &str = "v1.64.0";

/// `Ok` when `version` (rclone's `core/version`, e.g. `v1.75.2`, `v1.66.0-DEV`) is at least
/// `minimum`; else the message to show. An unreadable version is accepted (and logged): a
/// custom build may print anything.
pub fn check(version: &str, minimum: &str) -> Result<(), String> {
    match (parse(version), parse(minimum)) {
        (Some(v), Some(m)) if v < m => Err(format!(
            "rclone {version} is too old: RCMD needs {minimum} or newer. Update rclone, or put a newer binary at bin/rcmd-rclone-<target> (scripts/fetch-rclone.sh fetches the tested one)"
        )),
        (None, _) => {
            tracing::warn!(version, "cannot read rclone's version; not checking it");
            Ok(())
        }
        _ => Ok(()),
    }
}

fn parse(v: &str) -> Option<(u32, u32, u32)> {
    let core = v.trim().trim_start_matches('v').split(['-', '+', ' ']).next()?;
    let mut parts = core.split('.').map(|p| p.parse::<u32>().ok());
    Some((parts.next()??, parts.next()??, parts.next().unwrap_or(Some(0))?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_compared_numerically() {
        assert!(check("v1.75.2", MINIMUM).is_ok());
        assert!(check("v1.64.0", MINIMUM).is_ok());
        assert!(check("v1.100.0-DEV", MINIMUM).is_ok());
        let err = check("v1.60.1-DEV", MINIMUM).unwrap_err();
        assert!(err.contains("v1.60.1-DEV") && err.contains(MINIMUM), "{err}");
        assert!(check("v1.9.0", MINIMUM).is_err(), "9 < 64, not '9' > '6'");
        assert!(check("unknown", MINIMUM).is_ok());
    }
}
