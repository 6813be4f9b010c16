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
    Unix { socket: std::path::PathBuf, _dir: tempfile::TempDir },
    Tcp { port: u16 },
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
        let bad = |e: url::ParseError| SidecarError::Launch { message: format!("bad RC address: {e}") };
        match self {
            #[cfg(unix)]
            Endpoint::Unix { socket, .. } => {
                Ok(RcClient::over_unix_socket(Url::parse("http://localhost/").map_err(bad)?, socket, Some(auth)))
            }
            Endpoint::Tcp { port } => Ok(RcClient::new(Url::parse(&format!("http://127.0.0.1:{port}/")).map_err(bad)?, Some(auth))),
        }
    }
}
