//! A mount's and a serve's fields, checked before anything is stored or called.

use rcmd_types::{MountSpec, ServeSpec};

use super::{os, MountError};

/// A mount's or serve's name: 1-64 characters, no '/' or control characters.
fn check_name(name: &str) -> Result<(), MountError> {
    if name.trim().is_empty() || name.len() > 64 || name.chars().any(|c| c.is_control() || c == '/') {
        return Err(MountError::Invalid(format!(
            "{name:?} is not a usable name (1-64 characters, no '/')"
        )));
    }
    Ok(())
}

/// A mount's fields, checked before anything is stored or called.
pub fn validate_mount(spec: &MountSpec) -> Result<(), MountError> {
    let bad = |m: String| Err(MountError::Invalid(m));
    check_name(&spec.name)?;
    if spec.fs.trim().is_empty() {
        return bad("say what to mount: remote:path or a folder".into());
    }
    if spec.fs.contains(':') {
        if let Some(Err(e)) = spec
            .fs
            .split_once(':')
            .filter(|(h, _)| h.len() > 1)
            .map(|_| crate::remote_path::RemotePath::parse(&spec.fs))
        {
            return bad(format!("{}: {e}", spec.fs));
        }
    }
    let mp = spec.mount_point.trim();
    if cfg!(windows) {
        let drive = mp == "*" || (mp.len() == 2 && mp.ends_with(':') && mp.as_bytes()[0].is_ascii_alphabetic());
        if !drive && !std::path::Path::new(mp).is_absolute() {
            return bad(format!(
                "{mp:?}: give a drive letter (X:), * for the next free one, or a full path"
            ));
        }
    } else if !std::path::Path::new(mp).is_absolute() {
        return bad(format!("{mp:?}: the mount point must be a full path (/home/me/Drive)"));
    }
    if !spec.mount_type.is_empty()
        && !os::mount_types().contains(&spec.mount_type.as_str())
        && spec.mount_type != "cmount"
    {
        return bad(format!(
            "{}: not a mount type here (one of {})",
            spec.mount_type,
            os::mount_types().join(", ")
        ));
    }
    if !spec.cache_max_size.is_empty() && !crate::compare::filter::is_size(&spec.cache_max_size) {
        return bad(format!("{}: not a size (e.g. 10G, 500M)", spec.cache_max_size));
    }
    Ok(())
}

pub(super) fn validate_serve(spec: &ServeSpec, auth: bool) -> Result<(), MountError> {
    let bad = |m: String| Err(MountError::Invalid(m));
    check_name(&spec.name)?;
    if spec.fs.trim().is_empty() {
        return bad("say what to serve: remote:path or a folder".into());
    }
    let addr: std::net::SocketAddr = spec
        .addr
        .parse()
        .map_err(|_| MountError::Invalid(format!("{}: not an address (host:port)", spec.addr)))?;
    if auth && !spec.protocol.has_auth() {
        return bad("DLNA has no users or passwords: it can only be served without authentication, on loopback".into());
    }
    if !auth && !addr.ip().is_loopback() {
        return bad(format!(
            "{addr}: serving without a password is only allowed on loopback (127.0.0.1); anyone on the network could read and change these files"
        ));
    }
    Ok(())
}

/// `host:port` with a free port when none (or 0) was given; `127.0.0.1` when empty.
pub(super) fn resolve_addr(addr: &str) -> Result<String, MountError> {
    let addr = addr.trim();
    let addr = if addr.is_empty() { "127.0.0.1:0" } else { addr };
    let with_port = if addr.parse::<std::net::SocketAddr>().is_ok() {
        addr.to_owned()
    } else {
        format!("{addr}:0")
    };
    let mut sa: std::net::SocketAddr = with_port
        .parse()
        .map_err(|_| MountError::Invalid(format!("{addr}: not an address (e.g. 127.0.0.1:8080)")))?;
    if sa.port() == 0 {
        let l = std::net::TcpListener::bind(sa).map_err(|e| MountError::Invalid(format!("{sa}: {e}")))?;
        sa.set_port(l.local_addr().map_err(|e| MountError::Invalid(e.to_string()))?.port());
    }
    Ok(sa.to_string())
}
