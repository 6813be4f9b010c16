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
    #[error("path {path:?} contains a '..' segment; give a path below the remote's root")]
    ParentSegment { path: String },
    #[error("{name:?} is not in {folder}")]
    NotInFolder { name: String, folder: String },
}

/// The name of a configured rclone remote (`name` in `name:path`), validated with rclone's
/// rules (`fs/config/configmap` / `fspath.CheckConfigName`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RemoteName(String);

impl RemoteName {
    /// Accepts `name` or `name:`.
    pub fn parse(name: &str) -> Result<Self, PathError> {
        let name = name.strip_suffix(':').unwrap_or(name);
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

/// A path inside a remote: `remote:dir/file`. The path is relative to the remote's root,
/// without leading or trailing slashes ("" is the root).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RemotePath {
    pub remote: RemoteName,
    path: String,
}

impl RemotePath {
    /// Builds a path from a remote name and a slash-separated path. Leading, trailing and
    /// doubled slashes are dropped; `..` segments and NUL bytes are rejected.
    pub fn new(remote: &str, path: &str) -> Result<Self, PathError> {
        let remote = RemoteName::parse(remote)?;
        if path.contains('\0') {
            return Err(PathError::NulInPath { path: path.replace('\0', "\\0") });
        }
        let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty() && *s != ".").collect();
        if segments.contains(&"..") {
            return Err(PathError::ParentSegment { path: path.to_owned() });
        }
        Ok(RemotePath { remote, path: segments.join("/") })
    }

    /// Parses `remote:path`.
    pub fn parse(spec: &str) -> Result<Self, PathError> {
        match spec.split_once(':') {
            Some((remote, path)) => RemotePath::new(remote, path),
            None => Err(PathError::InvalidRemote { name: spec.to_owned() }),
        }
    }

    /// The path below the remote's root ("" for the root).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// A child of this path.
    pub fn join(&self, name: &str) -> Result<Self, PathError> {
        RemotePath::new(self.remote.as_str(), &format!("{}/{}", self.path, name))
    }
}

impl fmt::Display for RemotePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.remote, self.path)
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
    }

    #[test]
    fn paths_are_normalised() {
        let p = RemotePath::new("r", "/a//b/./c/").unwrap();
        assert_eq!(p.path(), "a/b/c");
        assert_eq!(p.to_string(), "r:a/b/c");
        assert_eq!(RemotePath::new("r", "").unwrap().path(), "");
        assert_eq!(RemotePath::parse("r:x/y").unwrap().join("z").unwrap().path(), "x/y/z");
    }

    #[test]
    fn bad_paths_are_rejected() {
        assert!(matches!(RemotePath::new("r", "a/../b"), Err(PathError::ParentSegment { .. })));
        assert!(matches!(RemotePath::new("r", "a\0b"), Err(PathError::NulInPath { .. })));
        assert!(matches!(RemotePath::parse("nocolon"), Err(PathError::InvalidRemote { .. })));
        // the error message names the offending input
        let msg = RemoteName::parse("-bad").unwrap_err().to_string();
        assert!(msg.contains("-bad"), "{msg}");
    }
}
