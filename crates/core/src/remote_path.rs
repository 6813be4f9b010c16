//! Validated remote names and paths, so bad input fails with a clear error before it
//! reaches rclone.

use std::fmt;

/// Why a remote name or path was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PathError {
    #[error("remote name is empty")]
    EmptyRemote,
    #[error("remote name {name:?} is invalid: use letters, digits, '_', '-', '.', '+', '@' and spaces, not starting with '-' or a space and not ending with a space")]
    InvalidRemote { name: String },
    #[error("path {path:?} contains a NUL byte")]
    NulInPath { path: String },
    /// One name per line in rclone's file lists cannot carry a raw control character; rclone
    /// itself lists a newline in a name as `␊` (U+240A), which round-trips.
    #[error("path {path:?} contains a control character (U+{code:04X}); rclone shows such characters as visible symbols such as ␊, use those")]
    ControlInPath { path: String, code: u32 },
    #[error("path {path:?} contains a '..' segment; give a path below the remote's root")]
    ParentSegment { path: String },
    #[error("{name:?} is not in {folder}")]
    NotInFolder { name: String, folder: String },
    #[error("a name cannot be empty, '.', '..' or contain '/': {name:?}")]
    InvalidName { name: String },
    /// A name that is not valid UTF-8 could not be told apart from another in its folder.
    #[error("{name:?} in {folder} holds bytes that are not UTF-8 and cannot be told apart from another file there; rename it (e.g. with convmv) and plan again")]
    Indistinct { name: String, folder: String },
    #[error("{path} already exists; choose another name")]
    Exists { path: String },
    #[error("a remote named {name} exists already; choose another name")]
    RemoteExists { name: String },
    #[error("there is no remote named {name}")]
    NoRemote { name: String },
    #[error("rclone has no storage type {kind:?}")]
    UnknownType { kind: String },
}

/// The name of a configured rclone remote (`name` in `name:path`), validated with rclone's
/// rules (`fs/config/configmap` / `fspath.CheckConfigName`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RemoteName(String);

/// The local disk without a configured remote: rclone's on-the-fly local backend (`:local:`).
pub const LOCAL_DISK: &str = ":local";

impl RemoteName {
    /// Accepts `name` or `name:`, and [`LOCAL_DISK`] (`:local` or `:local:`).
    pub fn parse(name: &str) -> Result<Self, PathError> {
        let name = name.strip_suffix(':').unwrap_or(name);
        if name == LOCAL_DISK {
            return Ok(RemoteName(name.to_owned()));
        }
        if name.is_empty() {
            return Err(PathError::EmptyRemote);
        }
        let ok_chars = name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '+' | '@' | ' '));
        let ok_ends = !name.starts_with('-') && !name.starts_with(' ') && !name.ends_with(' ');
        if ok_chars && ok_ends {
            Ok(RemoteName(name.to_owned()))
        } else {
            Err(PathError::InvalidRemote { name: name.to_owned() })
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The `fs` parameter rclone expects: `name:`.
    pub fn fs(&self) -> String {
        format!("{}:", self.0)
    }
}

impl fmt::Display for RemoteName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A path inside a remote, meaning exactly what rclone means by the same string:
/// `remote:dir/file` is relative to the remote's root (on sftp the login's home, on local
/// rclone's working directory), `remote:/dir/file` is absolute. The two are different places
/// on sftp, ftp and local remotes, so the leading slash is kept; trailing and doubled slashes
/// are dropped.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RemotePath {
    pub remote: RemoteName,
    absolute: bool,
    /// Below the root (`remote:` or `remote:/`), no leading or trailing slash.
    path: String,
}

impl RemotePath {
    /// Builds a path from a remote name and a slash-separated path. A leading slash makes it
    /// absolute; trailing, doubled and `.` segments are dropped; `..` segments, NUL bytes and
    /// other control characters are rejected.
    pub fn new(remote: &str, path: &str) -> Result<Self, PathError> {
        let remote = RemoteName::parse(remote)?;
        if path.contains('\0') {
            return Err(PathError::NulInPath {
                path: path.replace('\0', "\\0"),
            });
        }
        if let Some(c) = path.chars().find(|c| c.is_control()) {
            return Err(PathError::ControlInPath {
                path: path.escape_debug().to_string(),
                code: c as u32,
            });
        }
        let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty() && *s != ".").collect();
        if segments.contains(&"..") {
            return Err(PathError::ParentSegment { path: path.to_owned() });
        }
        Ok(RemotePath {
            remote,
            absolute: path.starts_with('/'),
            path: segments.join("/"),
        })
    }

    /// Whether the path starts at the remote's filesystem root (`remote:/...`).
    pub fn is_absolute(&self) -> bool {
        self.absolute
    }

    /// The `fs` parameter for RC calls that take `fs` + `remote`: `name:` or `name:/`, so
    /// that [`RemotePath::path`] is resolved where rclone resolves the full string.
    pub fn fs(&self) -> String {
        format!("{}:{}", self.remote, if self.absolute { "/" } else { "" })
    }

    /// Parses `remote:path`.
    pub fn parse(spec: &str) -> Result<Self, PathError> {
        if let Some(path) = spec.strip_prefix(LOCAL_DISK).and_then(|p| p.strip_prefix(':')) {
            return RemotePath::new(LOCAL_DISK, path);
        }
        match spec.split_once(':') {
            Some((remote, path)) => RemotePath::new(remote, path),
            None => Err(PathError::InvalidRemote { name: spec.to_owned() }),
        }
    }

    /// The path below [`RemotePath::fs`] ("" for the root), without a leading slash.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The path as the user wrote it after `remote:` (with its leading slash when absolute).
    pub fn spec_path(&self) -> String {
        format!("{}{}", if self.absolute { "/" } else { "" }, self.path)
    }

    /// `listed`, a path `operations/list` returned under [`RemotePath::fs`], relative to this
    /// path (unchanged when it is not below it).
    pub fn relative<'a>(&self, listed: &'a str) -> &'a str {
        if self.path.is_empty() {
            return listed;
        }
        listed
            .strip_prefix(self.path.as_str())
            .and_then(|r| r.strip_prefix('/'))
            .unwrap_or(listed)
    }

    /// The folder holding this path (itself for a root), absolute when this one is.
    pub fn parent(&self) -> RemotePath {
        let parent = self.path.rsplit_once('/').map(|(a, _)| a).unwrap_or("");
        RemotePath {
            remote: self.remote.clone(),
            absolute: self.absolute,
            path: parent.to_owned(),
        }
    }

    /// A sibling named `name` (a rename target): one path segment, no slash.
    pub fn sibling(&self, name: &str) -> Result<Self, PathError> {
        if name.is_empty() || name == "." || name == ".." || name.contains('/') || self.path.is_empty() {
            return Err(PathError::InvalidName { name: name.to_owned() });
        }
        self.parent().join(name)
    }

    /// A child of this path (absolute when this one is).
    pub fn join(&self, name: &str) -> Result<Self, PathError> {
        let rel = name.trim_start_matches('/');
        RemotePath::new(self.remote.as_str(), &format!("{}/{}", self.spec_path(), rel)).map(|p| RemotePath {
            absolute: self.absolute,
            ..p
        })
    }
}

impl fmt::Display for RemotePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.remote, self.spec_path())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remote_names() {
        for ok in ["gdrive", "my remote", "a.b+c@d_e-f", "드라이브", "s3:"] {
            assert!(RemoteName::parse(ok).is_ok(), "{ok}");
        }
        for bad in ["", "-x", " x", "x ", "a/b", "a:b", "a\\b", "a*b", "a\nb"] {
            assert!(RemoteName::parse(bad).is_err(), "{bad:?}");
        }
        assert_eq!(RemoteName::parse("s3:").map(|r| r.fs()), Ok("s3:".to_owned()));
        // the local disk without a configured remote; other on-the-fly backends are refused
        assert_eq!(RemoteName::parse(":local").map(|r| r.fs()), Ok(":local:".to_owned()));
        assert!(RemoteName::parse(":s3").is_err() && RemoteName::parse(":local2").is_err());
        let home = RemotePath::parse(":local:/home/u").unwrap();
        assert_eq!(
            (home.fs(), home.path(), home.to_string()),
            (":local:/".into(), "home/u", ":local:/home/u".into())
        );
        assert_eq!(
            RemotePath::parse(&home.join("a b").unwrap().to_string())
                .unwrap()
                .path(),
            "home/u/a b"
        );
        assert_eq!(home.sibling("v").unwrap().to_string(), ":local:/home/v");
        for bad in ["", ".", "..", "a/b"] {
            assert!(home.sibling(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn paths_are_normalised() {
        let p = RemotePath::new("r", "a//b/./c/").unwrap();
        assert_eq!(p.path(), "a/b/c");
        assert_eq!(p.to_string(), "r:a/b/c");
        assert_eq!(RemotePath::new("r", "").unwrap().path(), "");
        assert_eq!(RemotePath::parse("r:x/y").unwrap().join("z").unwrap().path(), "x/y/z");
    }

    #[test]
    fn absolute_and_relative_stay_distinct() {
        let abs = RemotePath::parse("nas:/backup").unwrap();
        let rel = RemotePath::parse("nas:backup").unwrap();
        assert_ne!(abs, rel);
        assert_eq!(
            (abs.to_string(), abs.fs(), abs.path()),
            ("nas:/backup".into(), "nas:/".into(), "backup")
        );
        assert_eq!(
            (rel.to_string(), rel.fs(), rel.path()),
            ("nas:backup".into(), "nas:".into(), "backup")
        );
        let root = RemotePath::parse("local:/").unwrap();
        assert!(root.is_absolute());
        assert_eq!((root.to_string(), root.path()), ("local:/".into(), ""));
        assert_eq!(RemotePath::parse("local:").unwrap().to_string(), "local:");
        let child = abs.join("photos/2026").unwrap();
        assert_eq!(child.to_string(), "nas:/backup/photos/2026");
        assert_eq!(rel.join("x").unwrap().to_string(), "nas:backup/x");
        // a round trip through the string keeps the meaning
        assert_eq!(RemotePath::parse(&child.to_string()).unwrap(), child);
        assert_eq!(child.parent().to_string(), "nas:/backup/photos");
        assert_eq!(abs.parent().to_string(), "nas:/");
        assert_eq!(rel.parent().to_string(), "nas:");
        assert_eq!(root.parent(), root);
        assert_eq!(
            (
                abs.relative("backup/a/b"),
                abs.relative("other/x"),
                root.relative("x/y")
            ),
            ("a/b", "other/x", "x/y")
        );
    }

    #[test]
    fn bad_paths_are_rejected() {
        assert!(matches!(
            RemotePath::new("r", "a/../b"),
            Err(PathError::ParentSegment { .. })
        ));
        assert!(matches!(RemotePath::new("r", "a\0b"), Err(PathError::NulInPath { .. })));
        for raw in ["a\nb", "tab\there", "x\ry", "bell\u{7}"] {
            let err = RemotePath::new("r", raw).unwrap_err();
            assert!(matches!(err, PathError::ControlInPath { .. }), "{raw:?}: {err:?}");
        }
        // rclone's visible stand-ins for control characters are ordinary names
        assert!(RemotePath::new("r", "line\u{240A}break").is_ok());
        assert!(matches!(
            RemotePath::parse("nocolon"),
            Err(PathError::InvalidRemote { .. })
        ));
        // the error message names the offending input
        let msg = RemoteName::parse("-bad").unwrap_err().to_string();
        assert!(msg.contains("-bad"), "{msg}");
    }
}
