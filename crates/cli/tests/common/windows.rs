//! What the Windows tests of rcmd-cli and rproxy (`tests/windows.rs`, run under Wine) ask
//! about a sidecar: where it is (from the `spawned rclone rcd` log line), whether its port
//! answers, whether it takes calls without credentials, and whether it is in a job.
//! (rproxy's test includes this file by path.)

#![allow(dead_code, clippy::unwrap_used)]

use std::{
    io::{Read, Write},
    net::{SocketAddr, TcpStream},
    time::Duration,
};

/// The sidecar of a log (`spawned rclone rcd pid=… endpoint=127.0.0.1:…`): pid and address.
pub fn sidecar(lines: &[String]) -> Option<(u32, SocketAddr)> {
    let line = lines.iter().find(|l| l.contains("spawned rclone rcd"))?;
    let field = |name: &str| {
        let rest = &line[line.find(&format!("{name}="))? + name.len() + 1..];
        Some(rest.split_whitespace().next()?.trim_matches('"').to_owned())
    };
    Some((field("pid")?.parse().ok()?, field("endpoint")?.parse().ok()?))
}

pub fn answers(addr: SocketAddr) -> bool {
    TcpStream::connect_timeout(&addr, Duration::from_secs(1)).is_ok()
}

/// The HTTP status of `rc/noop` on `addr` with no credentials.
pub fn status_without_credentials(addr: SocketAddr) -> u16 {
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(2)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        s,
        "POST /rc/noop HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{{}}"
    )
    .unwrap();
    let mut reply = String::new();
    let _ = s.read_to_string(&mut reply);
    reply
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0)
}

/// Whether process `pid` is in a job object. Under Wine a child whose parent is killed exits
/// by itself even outside any job (seen: exit code 0 within 25 ms), so its death alone
/// cannot show that the kill-on-close job works; its membership can.
#[allow(unsafe_code)]
pub fn in_a_job(pid: u32) -> bool {
    use windows_sys::Win32::{
        Foundation::CloseHandle,
        System::{
            JobObjects::IsProcessInJob,
            Threading::{OpenProcess, PROCESS_QUERY_INFORMATION},
        },
    };
    // SAFETY: plain Win32 calls; the handle is checked, used once and closed.
    unsafe {
        let h = OpenProcess(PROCESS_QUERY_INFORMATION, 0, pid);
        assert!(!h.is_null(), "cannot open process {pid}");
        let mut inside = 0;
        let ok = IsProcessInJob(h, std::ptr::null_mut(), &mut inside);
        CloseHandle(h);
        assert_ne!(ok, 0, "IsProcessInJob failed for {pid}");
        inside != 0
    }
}
