//! The one canonical spelling of an RC path. rcd and the RC client that forwards to it each
//! rebuild a path in their own way (percent-decoding, dropping `.` and `..` segments,
//! trimming slashes), so a path that is not already canonical may run as a different call
//! than the one judged. Such paths are refused, never normalized: what the policy judges is
//! byte for byte what rcd is asked.

/// Why a request path was refused.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum NotCanonical {
    #[error("the request path is empty")]
    Empty,
    #[error("the request path {0:?} is not in canonical form: write it as segments of letters, digits, '-' and '_' joined by single '/' (no '.' or '..' segments, no empty segments, no percent-encoding, no backslashes)")]
    Spelling(String),
}

/// The longest path accepted (rclone's longest is under 40 characters).
const MAX_LEN: usize = 128;

/// The canonical RC path of a request's raw URI path (`/core/stats` → `core/stats`): exactly
/// one leading `/`, then non-empty segments of `[A-Za-z0-9_-]` separated by single `/`.
/// Anything else — `.`/`..` segments, `//`, a trailing `/`, `%`-escapes (even of plain
/// letters), `\`, `;`, non-ASCII — is refused.
pub fn rc_path(raw: &str) -> Result<&str, NotCanonical> {
    let path = raw
        .strip_prefix('/')
        .ok_or_else(|| NotCanonical::Spelling(raw.to_owned()))?;
    if path.is_empty() {
        return Err(NotCanonical::Empty);
    }
    if path.len() > MAX_LEN || !path.split('/').all(segment_ok) {
        return Err(NotCanonical::Spelling(raw.to_owned()));
    }
    Ok(path)
}

/// An RC path given as a parameter (`_path` of a `job/batch` input): the same rule without
/// the leading `/` (rcd's batch looks the path up as given).
pub fn param_path(path: &str) -> Result<&str, NotCanonical> {
    if path.is_empty() {
        return Err(NotCanonical::Empty);
    }
    if path.len() > MAX_LEN || !path.split('/').all(segment_ok) {
        return Err(NotCanonical::Spelling(path.to_owned()));
    }
    Ok(path)
}

fn segment_ok(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_plain_spelling_passes() {
        for ok in [
            "/core/stats",
            "/rc/noop",
            "/core/stats-reset",
            "/pluginsctl/listPlugins",
            "/rproxy/batch/create",
        ] {
            assert_eq!(rc_path(ok), Ok(&ok[1..]), "{ok}");
        }
        for bad in [
            "/core/command/.",
            "/./config/dump",
            "/core/./command",
            "/core/../core/command",
            "//core/command",
            "/core//command",
            "/core/command/",
            "/core%2fcommand",
            "/core%2Fcommand",
            "/%63ore/command",
            "/core/%2e",
            "/core\\command",
            "/core/command;x",
            "/core/command%3F",
            "/core/command%00",
            "/core/commänd",
            "core/command",
            "/core/command ",
            "/.",
            "/..",
        ] {
            assert!(rc_path(bad).is_err(), "{bad}");
        }
        assert_eq!(rc_path("/"), Err(NotCanonical::Empty));
        assert!(param_path("/core/command").is_err());
        assert!(param_path("core/command/.").is_err());
        assert_eq!(param_path("operations/list"), Ok("operations/list"));
    }
}
