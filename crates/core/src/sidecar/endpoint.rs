//! Where the sidecar's RC server listens. On Unix: a unix socket in a private directory
//! (0700, made fresh per launch), so no other local process can connect first or take the
//! address; the per-launch credentials stay as a second lock. Elsewhere: a free loopback
//! port.

use std::io;

use url::Url;

use super::SidecarError;
use crate::{rc::RcClient, secret::Secret};

/// The RC address of one launch. Dropping it removes the private directory.
pub(super) enum Endpoint {
    #[cfg(unix)]
    Unix {
        socket: std::path::PathBuf,
        _dir: tempfile::TempDir,
    },
    Tcp {
        port: u16,
    },
}

impl Endpoint {
    /// A new private endpoint: a unix socket on Unix unless `tcp`, else a free loopback port.
    pub fn new(tcp: bool) -> io::Result<Endpoint> {
        #[cfg(unix)]
        if !tcp {
            use std::os::unix::fs::PermissionsExt;
            // XDG_RUNTIME_DIR is per user and not shared; else the temp folder
            let base = std::env::var_os("XDG_RUNTIME_DIR")
                .map(std::path::PathBuf::from)
                .filter(|p| p.is_dir())
                .unwrap_or_else(std::env::temp_dir);
            sweep_stale(&base);
            let dir = tempfile::Builder::new().prefix("rcmd-rc-").tempdir_in(base)?;
            std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700))?;
            let socket = dir.path().join("rc.sock");
            return Ok(Endpoint::Unix { socket, _dir: dir });
        }
        let _ = tcp;
        let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        Ok(Endpoint::Tcp { port })
    }

    /// The `--rc-addr` value.
    pub fn rc_addr(&self) -> String {
        match self {
            #[cfg(unix)]
            Endpoint::Unix { socket, .. } => format!("unix://{}", socket.display()),
            Endpoint::Tcp { port } => format!("127.0.0.1:{port}"),
        }
    }

    /// The loopback port (0 for a unix socket).
    pub fn port(&self) -> u16 {
        match self {
            #[cfg(unix)]
            Endpoint::Unix { .. } => 0,
            Endpoint::Tcp { port } => *port,
        }
    }

    /// For the state and logs: `unix:/run/user/1000/rcmd-rc-x/rc.sock` or `127.0.0.1:5572`.
    pub fn describe(&self) -> String {
        match self {
            #[cfg(unix)]
            Endpoint::Unix { socket, .. } => format!("unix:{}", socket.display()),
            Endpoint::Tcp { port } => format!("127.0.0.1:{port}"),
        }
    }

    /// A client for this endpoint with `auth`.
    pub fn client(&self, auth: (String, Secret)) -> Result<RcClient, SidecarError> {
        let bad = |e: url::ParseError| SidecarError::Launch {
            message: format!("bad RC address: {e}"),
        };
        match self {
            #[cfg(unix)]
            Endpoint::Unix { socket, .. } => Ok(RcClient::over_unix_socket(
                Url::parse("http://localhost/").map_err(bad)?,
                socket,
                Some(auth),
            )),
            Endpoint::Tcp { port } => Ok(RcClient::new(
                Url::parse(&format!("http://127.0.0.1:{port}/")).map_err(bad)?,
                Some(auth),
            )),
        }
    }
}

/// How old a private folder must be before [`sweep_stale`] may remove it (a launch in
/// progress has made its folder but rclone may not listen yet).
#[cfg(unix)]
const STALE_AFTER: std::time::Duration = std::time::Duration::from_secs(60);

/// Removes the private folders (`rcmd-rc-*` in `base`) that processes killed hard (`kill -9`
/// of the app or of rproxy) left behind: older than a minute and nobody listening on their
/// socket. Folders of a running sidecar answer on their socket and stay; other users'
/// folders cannot be read (mode 0700) and stay.
#[cfg(unix)]
fn sweep_stale(base: &std::path::Path) {
    let Ok(entries) = std::fs::read_dir(base) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        let is_ours =
            entry.file_name().to_string_lossy().starts_with("rcmd-rc-") && entry.file_type().is_ok_and(|t| t.is_dir());
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age >= STALE_AFTER);
        if !is_ours || !old {
            continue;
        }
        let socket = path.join("rc.sock");
        let listening = match std::os::unix::net::UnixStream::connect(&socket) {
            Ok(_) => true,
            // refused: a socket file with nobody behind it; not found: no socket at all
            Err(e) => !matches!(e.kind(), io::ErrorKind::ConnectionRefused | io::ErrorKind::NotFound),
        };
        if !listening {
            match std::fs::remove_dir_all(&path) {
                Ok(()) => {
                    tracing::info!(folder = %path.display(), "removed a private rclone folder left behind by a hard kill")
                }
                Err(e) => {
                    tracing::debug!(folder = %path.display(), error = %e, "cannot remove a left-behind rclone folder")
                }
            }
        }
    }
}

#[cfg(all(test, unix))]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// Sets `path`'s modification time `secs` into the past.
    fn age(path: &std::path::Path, secs: u64) {
        let when = std::time::SystemTime::now() - std::time::Duration::from_secs(secs);
        std::fs::File::open(path).unwrap().set_modified(when).unwrap();
    }

    #[test]
    fn left_behind_folders_are_swept_live_and_young_ones_stay() {
        let base = tempfile::tempdir().unwrap();
        let mk = |name: &str| {
            let d = base.path().join(name);
            std::fs::create_dir(&d).unwrap();
            d
        };
        // a killed owner's: its socket file remains, nobody listens
        let dead = mk("rcmd-rc-dead");
        drop(std::os::unix::net::UnixListener::bind(dead.join("rc.sock")).unwrap());
        age(&dead, 120);
        // no socket at all (killed before rclone listened)
        let empty = mk("rcmd-rc-empty");
        age(&empty, 120);
        // a running sidecar's: someone listens
        let live = mk("rcmd-rc-live");
        let _listener = std::os::unix::net::UnixListener::bind(live.join("rc.sock")).unwrap();
        age(&live, 120);
        // a launch in progress: young
        let young = mk("rcmd-rc-young");
        // not ours
        let other = mk("something-else");
        age(&other, 120);
        sweep_stale(base.path());
        assert!(!dead.exists() && !empty.exists(), "left-behind folders are removed");
        assert!(
            live.exists() && young.exists() && other.exists(),
            "live, young and foreign folders stay"
        );
    }
}
