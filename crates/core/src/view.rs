//! Quick view (F3): a remote file fetched once into a private folder of this computer, through
//! the resilient layer ([`Resilient::download`]: a copy job by this computer's rclone, or a
//! read through the server's `rproxy/file` route; breakers and a stall limit either way), and read
//! from there. A file is fetched again only when its size or time changed; files over
//! [`VIEW_MAX_BYTES`] are refused before anything is fetched, and the folder is kept under
//! [`CACHE_MAX_BYTES`] (the least recently used copies go first).

use std::{
    path::{Path, PathBuf},
    time::SystemTime,
};

use rcmd_types::FileEntry;
use tokio_util::sync::CancellationToken;

use crate::{remote_path::RemotePath, resilience::layer::Resilient, Error};

/// The largest file a quick view fetches.
pub const VIEW_MAX_BYTES: i64 = 64 * 1024 * 1024;
/// How much of a text file is shown.
pub const TEXT_SHOWN_BYTES: usize = 512 * 1024;
/// What the view cache keeps at most.
pub const CACHE_MAX_BYTES: u64 = 512 * 1024 * 1024;

/// Why a file cannot be viewed (the user's case, said plainly).
#[derive(Debug, thiserror::Error)]
pub enum ViewError {
    #[error("{path} is a folder; quick view shows files (Enter opens a folder)")]
    Folder { path: String },
    #[error("{path} is {size} bytes; quick view fetches files up to {max} bytes: copy it (F5) to open it")]
    TooBig { path: String, size: i64, max: i64 },
    #[error("{path} does not exist (any more); refresh the listing")]
    Gone { path: String },
    #[error("the view cache at {dir} cannot be used: {reason}")]
    Cache { dir: String, reason: String },
}

/// A file ready to show: where its copy is and what it was.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fetched {
    pub local: PathBuf,
    pub entry: FileEntry,
    /// The copy from an earlier view was used (nothing was fetched).
    pub reused: bool,
}

/// Fetches `file` into `cache` (unless an earlier copy of the same size and time is there).
pub async fn fetch(
    rc: &Resilient,
    file: &RemotePath,
    cache: &Path,
    cancel: &CancellationToken,
) -> Result<Fetched, Error> {
    let path = file.to_string();
    let entry = file_entry(rc, file, VIEW_MAX_BYTES, cancel).await?;
    let dir = cache.join(key(&path, &entry));
    let local = dir.join(&entry.name);
    let size = u64::try_from(entry.size).unwrap_or(0);
    if std::fs::metadata(&local).is_ok_and(|m| m.len() == size) {
        touch(&local);
        return Ok(Fetched {
            local,
            entry,
            reused: true,
        });
    }
    private_dir(&dir)?;
    rc.download(file, &local, cancel).await?;
    prune(cache, CACHE_MAX_BYTES, &dir);
    Ok(Fetched {
        local,
        entry,
        reused: false,
    })
}

/// The entry of `file` when it is a file of at most `max` bytes; a folder, a bigger file or
/// nothing there is refused (before anything is fetched).
pub async fn file_entry(
    rc: &Resilient,
    file: &RemotePath,
    max: i64,
    cancel: &CancellationToken,
) -> Result<FileEntry, Error> {
    let path = file.to_string();
    let entry = rc
        .stat(file, cancel)
        .await?
        .ok_or(ViewError::Gone { path: path.clone() })?;
    if entry.is_dir {
        return Err(ViewError::Folder { path }.into());
    }
    if entry.size > max {
        return Err(ViewError::TooBig {
            path,
            size: entry.size,
            max,
        }
        .into());
    }
    Ok(entry)
}

/// The text of a fetched file, at most [`TEXT_SHOWN_BYTES`] (cut at a character), with
/// whether it was cut; `None` when it is not text (a NUL byte, or not UTF-8 before the cut).
pub fn read_text(local: &Path) -> std::io::Result<Option<(String, bool)>> {
    use std::io::Read;
    let mut buf = Vec::new();
    std::fs::File::open(local)?
        .take(TEXT_SHOWN_BYTES as u64 + 1)
        .read_to_end(&mut buf)?;
    let cut = buf.len() > TEXT_SHOWN_BYTES;
    buf.truncate(TEXT_SHOWN_BYTES);
    if buf.contains(&0) {
        return Ok(None);
    }
    let text = match String::from_utf8(buf) {
        Ok(t) => t,
        // a multi-byte character cut at the end is not a reason to call it binary
        Err(e) if cut && e.utf8_error().error_len().is_none() => {
            let valid = e.utf8_error().valid_up_to();
            let mut bytes = e.into_bytes();
            bytes.truncate(valid);
            String::from_utf8(bytes).unwrap_or_default()
        }
        Err(_) => return Ok(None),
    };
    Ok(Some((text, cut)))
}

/// What kind of view a file gets, from its name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Image(&'static str),
    Pdf,
    /// Shown as text when it reads as text.
    Other,
}

pub fn kind_of(name: &str) -> Kind {
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "png" => Kind::Image("image/png"),
        "jpg" | "jpeg" => Kind::Image("image/jpeg"),
        "gif" => Kind::Image("image/gif"),
        "webp" => Kind::Image("image/webp"),
        "bmp" => Kind::Image("image/bmp"),
        "svg" => Kind::Image("image/svg+xml"),
        "ico" => Kind::Image("image/x-icon"),
        "pdf" => Kind::Pdf,
        _ => Kind::Other,
    }
}

/// The cache folder name of one version of a file: a hash of its place, size and time
/// (another version is another folder; names never decide where a file lands).
fn key(path: &str, entry: &FileEntry) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("{path}\n{}\n{}", entry.size, entry.mod_time));
    digest[..12].iter().map(|b| format!("{b:02x}")).collect()
}

/// Creates `dir` (and its parents) readable by this user only.
pub fn private_dir(dir: &Path) -> Result<(), ViewError> {
    let fail = |e: std::io::Error| ViewError::Cache {
        dir: dir.display().to_string(),
        reason: e.to_string(),
    };
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir).map_err(fail)
}

/// Marks a copy as just used (the pruning keeps the most recently used).
fn touch(local: &Path) {
    if let Ok(f) = std::fs::File::options().append(true).open(local) {
        let _ = f.set_modified(SystemTime::now());
    }
}

/// Removes the least recently used copies until the cache holds at most `max` bytes; `keep`
/// (the copy just made) stays.
pub fn prune(cache: &Path, max: u64, keep: &Path) {
    let Ok(dirs) = std::fs::read_dir(cache) else { return };
    let mut copies: Vec<(SystemTime, u64, PathBuf)> = dirs
        .flatten()
        .filter(|d| d.path() != keep)
        .filter_map(|d| {
            let (mut newest, mut bytes) = (SystemTime::UNIX_EPOCH, 0);
            for f in std::fs::read_dir(d.path()).ok()?.flatten() {
                let m = f.metadata().ok()?;
                bytes += m.len();
                newest = newest.max(m.modified().unwrap_or(SystemTime::UNIX_EPOCH));
            }
            Some((newest, bytes, d.path()))
        })
        .collect();
    let kept: u64 = std::fs::read_dir(keep)
        .map(|r| r.flatten().filter_map(|f| f.metadata().ok()).map(|m| m.len()).sum())
        .unwrap_or(0);
    let mut total = kept + copies.iter().map(|c| c.1).sum::<u64>();
    copies.sort();
    for (_, bytes, dir) in copies {
        if total <= max {
            break;
        }
        if std::fs::remove_dir_all(&dir).is_ok() {
            total -= bytes;
        }
    }
}

/// Hands `file` to the Windows shell's "open" verb (the program registered for its type).
#[cfg(windows)]
#[allow(unsafe_code)]
fn shell_open(file: &Path) -> Result<(), String> {
    use std::os::windows::ffi::OsStrExt;

    use windows_sys::Win32::UI::{Shell::ShellExecuteW, WindowsAndMessaging::SW_SHOWNORMAL};
    let wide = |s: &std::ffi::OsStr| s.encode_wide().chain([0]).collect::<Vec<u16>>();
    let (verb, path) = (wide("open".as_ref()), wide(file.as_os_str()));
    // SAFETY: both strings are NUL-terminated UTF-16 that outlive the call; the other
    // pointers may be null.
    let code = unsafe {
        ShellExecuteW(
            std::ptr::null_mut(),
            verb.as_ptr(),
            path.as_ptr(),
            std::ptr::null(),
            std::ptr::null(),
            SW_SHOWNORMAL,
        )
    } as isize;
    // above 32 is success; the rest are the shell's error codes
    if code > 32 {
        Ok(())
    } else {
        Err(format!("no program to open it (Windows shell error {code})"))
    }
}

/// Opens a fetched copy with the system's viewer for its type (`xdg-open`, `open`, the shell;
/// `$RCMD_OPENER` names another program, as tests do). Only copies inside `cache` are opened:
/// the page cannot make the app open anything else.
pub fn open_copy(local: &Path, cache: &Path) -> Result<(), ViewError> {
    let fail = |reason: String| ViewError::Cache {
        dir: cache.display().to_string(),
        reason,
    };
    let (real, root) = (
        local.canonicalize().map_err(|e| fail(e.to_string()))?,
        cache.canonicalize().map_err(|e| fail(e.to_string()))?,
    );
    if !real.starts_with(&root) {
        return Err(fail(format!("{} is not a quick-view copy", local.display())));
    }
    // Windows: the shell's own "open", not `cmd /C start`: cmd would read `&` or `^` in a
    // file's name (which comes from the remote) as its own syntax
    #[cfg(windows)]
    if std::env::var_os("RCMD_OPENER").is_none() {
        return shell_open(&real).map_err(fail);
    }
    let mut cmd = match std::env::var_os("RCMD_OPENER") {
        Some(program) => std::process::Command::new(program),
        None if cfg!(target_os = "macos") => std::process::Command::new("open"),
        None => std::process::Command::new("xdg-open"),
    };
    cmd.arg(&real)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    let mut child = cmd.spawn().map_err(|e| fail(format!("no program to open it: {e}")))?;
    // the opener hands the file to the viewer and exits: reaped in the background
    std::thread::spawn(move || {
        let _ = child.wait();
    });
    Ok(())
}
