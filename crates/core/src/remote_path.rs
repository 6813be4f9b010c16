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
    /// A new name Windows cannot hold: a device name (CON, NUL, COM1, …, with any extension)
    /// or a trailing dot or space (Windows drops them; rclone would store `．` or `␠`).
    #[error("{name:?} cannot be a name on Windows ({why}); choose another name")]
    WindowsName { name: String, why: &'static str },
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
/// are dropped. On Windows a path that starts with a drive (`C:\Users`, `C:/Users`) is the
/// local folder rclone means by it: its backslashes are separators and it is absolute.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RemotePath {
    pub remote: RemoteName,
    absolute: bool,
    /// The drive letter of a Windows path (`C` in `local:C:/dir`); then `absolute` is true.
    drive: Option<char>,
    /// Below the root (`remote:` or `remote:/`), no leading or trailing slash.
    path: String,
}

impl RemotePath {
    /// Builds a path from a remote name and a slash-separated path. A leading slash makes it
    /// absolute; trailing, doubled and `.` segments are dropped; `..` segments, NUL bytes and
    /// other control characters are rejected.
    pub fn new(remote: &str, path: &str) -> Result<Self, PathError> {
        Self::new_for(remote, path, cfg!(windows))
    }

    /// [`RemotePath::new`] as on Windows (`windows`: drive letters) or elsewhere.
    fn new_for(remote: &str, path: &str, windows: bool) -> Result<Self, PathError> {
        let remote = RemoteName::parse(remote)?;
        let drive = windows.then(|| split_drive(path)).flatten();
        let owned;
        let path = match drive {
            Some((_, rest)) => {
                owned = format!("/{}", rest.replace('\\', "/"));
                owned.as_str()
            }
            None => path,
        };
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
            drive: drive.map(|(d, _)| d),
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
        format!("{}:{}", self.remote, self.root())
    }

    /// Parses `remote:path`. On Windows a bare drive path (`C:\\dir`) is the local disk, as
    /// rclone takes it (a one-letter remote name would be read as a drive there).
    pub fn parse(spec: &str) -> Result<Self, PathError> {
        Self::parse_for(spec, cfg!(windows))
    }

    fn parse_for(spec: &str, windows: bool) -> Result<Self, PathError> {
        if windows && split_drive(spec).is_some() {
            return RemotePath::new_for(LOCAL_DISK, spec, true);
        }
        if let Some(path) = spec.strip_prefix(LOCAL_DISK).and_then(|p| p.strip_prefix(':')) {
            return RemotePath::new_for(LOCAL_DISK, path, windows);
        }
        match spec.split_once(':') {
            Some((remote, path)) => RemotePath::new_for(remote, path, windows),
            None => Err(PathError::InvalidRemote { name: spec.to_owned() }),
        }
    }

    /// The path below [`RemotePath::fs`] ("" for the root), without a leading slash.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The path as the user wrote it after `remote:` (with its leading slash when absolute).
    pub fn spec_path(&self) -> String {
        format!("{}{}", self.root(), self.path)
    }

    /// What comes before [`RemotePath::path`]: `""`, `"/"` or `"C:/"`.
    fn root(&self) -> String {
        match (self.drive, self.absolute) {
            (Some(d), _) => format!("{d}:/"),
            (None, true) => "/".to_owned(),
            (None, false) => String::new(),
        }
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
            drive: self.drive,
            path: parent.to_owned(),
        }
    }

    /// A sibling named `name` (a rename target): one path segment, no slash; on a Windows
    /// drive, a name Windows can hold ([`RemotePath::check_new_name`]).
    pub fn sibling(&self, name: &str) -> Result<Self, PathError> {
        if name.is_empty() || name == "." || name == ".." || name.contains('/') || self.path.is_empty() {
            return Err(PathError::InvalidName { name: name.to_owned() });
        }
        let to = self.parent().join(name)?;
        to.check_new_name()?;
        Ok(to)
    }

    /// For a file or folder about to be made or renamed here: on a Windows drive path, its
    /// name must be one Windows can hold (no device name, no trailing dot or space). Names
    /// that come from elsewhere (copies) are not checked: rclone stores them its own way.
    pub fn check_new_name(&self) -> Result<(), PathError> {
        let name = self.path.rsplit('/').next().unwrap_or_default();
        match self.drive.and_then(|_| windows_name_problem(name)) {
            Some(why) => Err(PathError::WindowsName {
                name: name.to_owned(),
                why,
            }),
            None => Ok(()),
        }
    }

    /// A child of this path (absolute when this one is). `name` is slash-separated; a
    /// backslash in it is part of a name, also under a Windows drive path (rclone lists a
    /// local file stored as `a＼b` as `a\b`).
    pub fn join(&self, name: &str) -> Result<Self, PathError> {
        let child = RemotePath::new_for(self.remote.as_str(), name.trim_start_matches('/'), false)?;
        let path = match (self.path.is_empty(), child.path.is_empty()) {
            (_, true) => self.path.clone(),
            (true, false) => child.path,
            (false, false) => format!("{}/{}", self.path, child.path),
        };
        Ok(RemotePath {
            remote: self.remote.clone(),
            absolute: self.absolute,
            drive: self.drive,
            path,
        })
    }
}

/// A Windows drive at the start of `path`: `C:`, `C:\dir`, `C:/dir` give `('C', rest)`
/// (the letter upper-cased, the rest after the colon). `C:dir` (relative to that drive's
/// current folder) is not taken as one.
fn split_drive(path: &str) -> Option<(char, &str)> {
    let mut chars = path.chars();
    let letter = chars.next().filter(char::is_ascii_alphabetic)?;
    let rest = path.get(1..)?.strip_prefix(':')?;
    (rest.is_empty() || rest.starts_with(['\\', '/'])).then(|| (letter.to_ascii_uppercase(), rest))
}

/// Why Windows cannot hold `name`, if it cannot.
fn windows_name_problem(name: &str) -> Option<&'static str> {
    if name.ends_with('.') || name.ends_with(' ') {
        return Some("it ends with a dot or a space");
    }
    let stem = name
        .split('.')
        .next()
        .unwrap_or_default()
        .trim_end_matches(' ')
        .to_ascii_uppercase();
    let device = matches!(stem.as_str(), "CON" | "PRN" | "AUX" | "NUL" | "CONIN$" | "CONOUT$")
        || (stem.len() == 4
            && (stem.starts_with("COM") || stem.starts_with("LPT"))
            && stem.as_bytes()[3].is_ascii_digit())
        || ["COM", "LPT"]
            .iter()
            .any(|p| stem.strip_prefix(p).is_some_and(|d| ["¹", "²", "³"].contains(&d)));
    device.then_some("it is a device name")
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
    fn windows_drive_paths_are_local_folders() {
        for spec in [r"C:\Users\me\src\", "C:/Users/me//src", r"c:\Users/me\.\src"] {
            let p = RemotePath::new_for("local", spec, true).unwrap();
            assert_eq!(
                (p.fs(), p.path(), p.to_string(), p.is_absolute()),
                ("local:C:/".into(), "Users/me/src", "local:C:/Users/me/src".into(), true),
                "{spec}"
            );
            // elsewhere "C:" is a name like any other
            assert_eq!(RemotePath::new_for("local", spec, false).unwrap().fs(), "local:");
        }
        let root = RemotePath::new_for(LOCAL_DISK, "D:", true).unwrap();
        assert_eq!(
            (root.fs(), root.path(), root.to_string()),
            (":local:D:/".into(), "", ":local:D:/".into())
        );
        let dir = RemotePath::new_for("local", r"C:\a", true).unwrap();
        // a backslash in a joined name is part of the name; the drive stays
        let child = dir.join(r"x\y").unwrap();
        assert_eq!((child.fs(), child.path()), ("local:C:/".into(), r"a/x\y"));
        assert_eq!(child.parent(), dir);
        assert_eq!(dir.parent().to_string(), "local:C:/");
        assert!(
            RemotePath::new_for("local", r"C:\a\..\b", true).is_err(),
            "no parent segments"
        );
        // drive-relative (C:dir) and one-letter remotes are not drives
        assert_eq!(RemotePath::new_for("local", "C:dir", true).unwrap().fs(), "local:");
        assert_eq!(split_drive("1:/x"), None);
        let bare = RemotePath::parse_for(r"E:\photos", true).unwrap();
        assert_eq!(bare.to_string(), ":local:E:/photos");
        assert_eq!(
            RemotePath::parse_for("local:E:/photos", true).unwrap().fs(),
            "local:E:/"
        );
        // elsewhere a one-letter remote
        assert_eq!(RemotePath::parse_for(r"E:\photos", false).unwrap().fs(), "E:");
        assert_eq!(split_drive("ab:/x"), None);
    }

    #[test]
    fn names_windows_cannot_hold_are_refused_on_a_drive() {
        let dir = RemotePath::new_for("local", r"C:\a\old", true).unwrap();
        for bad in [
            "CON", "nul", "Aux.txt", "com1", "LPT9.log", "COM¹", "con .txt", "notes.", "notes ",
        ] {
            assert!(
                matches!(dir.sibling(bad), Err(PathError::WindowsName { .. })),
                "{bad:?}"
            );
            assert!(dir.parent().join(bad).unwrap().check_new_name().is_err(), "{bad:?}");
        }
        for good in ["CONsole", "com10", "nul-x", "a.b", ".hidden", "LPT"] {
            assert!(dir.sibling(good).is_ok(), "{good:?}");
        }
        // off a Windows drive these are ordinary names
        let unix = RemotePath::new_for("local", "/a/old", true).unwrap();
        assert!(unix.sibling("CON").is_ok() && unix.sibling("notes.").is_ok());
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
