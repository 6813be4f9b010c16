//! A recording proxy in front of a real `rclone rcd`, for the security tests: started in
//! rclone's place (same arguments), it runs the real rclone (`bin/rcmd-rclone-*`) on
//! `<socket>.real`, listens itself on the socket rproxy was told about, and writes every
//! request exactly as it arrived — method, request target, body — as one JSON line to
//! `<socket>.tap.jsonl` *before* passing it on. So a test sees what rcd really received,
//! not what rproxy meant to send. Any other rclone command (`version`) runs unchanged.
//! Unix only (rproxy's sidecar listens on a unix socket there).

#![allow(clippy::print_stderr)]

#[cfg(unix)]
fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rclone = real_rclone();
    if args.first().map(String::as_str) != Some("rcd") {
        let status = std::process::Command::new(&rclone)
            .args(&args)
            .status()
            .map(|s| s.code().unwrap_or(1))
            .unwrap_or(127);
        std::process::exit(status);
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    std::process::exit(rt.block_on(tap::run(rclone, args)));
}

#[cfg(not(unix))]
fn main() {
    eprintln!("rcd_tap runs on unix only");
    std::process::exit(2);
}

/// The rclone in the workspace's `bin/` (where `scripts/fetch-rclone.sh` puts it).
fn real_rclone() -> std::path::PathBuf {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    rcmd_core::sidecar::workspace_rclone(&root).unwrap_or_else(|| {
        eprintln!("rcd_tap: no rclone in {}/bin", root.display());
        std::process::exit(127)
    })
}

#[cfg(unix)]
mod tap {
    use std::{io::Write, path::PathBuf, sync::Arc};

    use http_body_util::{BodyExt, Full};
    use hyper::body::Bytes;
    use hyper_util::rt::TokioIo;
    use tokio::{net::UnixListener, sync::Mutex};

    pub async fn run(rclone: PathBuf, mut args: Vec<String>) -> i32 {
        let Some(i) = args.iter().position(|a| a.starts_with("--rc-addr=unix://")) else {
            eprintln!("rcd_tap: only --rc-addr=unix://... is supported");
            return 2;
        };
        let socket = PathBuf::from(&args[i]["--rc-addr=unix://".len()..]);
        let real = PathBuf::from(format!("{}.real", socket.display()));
        args[i] = format!("--rc-addr=unix://{}", real.display());
        let log_path = PathBuf::from(format!("{}.tap.jsonl", socket.display()));
        let log = match std::fs::OpenOptions::new().create(true).append(true).open(&log_path) {
            Ok(f) => Arc::new(Mutex::new(f)),
            Err(e) => {
                eprintln!("rcd_tap: cannot open {}: {e}", log_path.display());
                return 2;
            }
        };
        let mut child = match tokio::process::Command::new(&rclone)
            .args(&args)
            .kill_on_drop(true)
            .spawn()
        {
            Ok(c) => c,
            Err(e) => {
                eprintln!("rcd_tap: cannot start rclone: {e}");
                return 127;
            }
        };
        let listener = match UnixListener::bind(&socket) {
            Ok(l) => l,
            Err(e) => {
                eprintln!("rcd_tap: cannot listen on {}: {e}", socket.display());
                return 2;
            }
        };
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(t) => t,
            Err(_) => return 2,
        };
        loop {
            tokio::select! {
                status = child.wait() => return status.ok().and_then(|s| s.code()).unwrap_or(1),
                _ = term.recv() => {
                    // stop rclone by its own pid, then end
                    if let Some(pid) = child.id() {
                        let _ = std::process::Command::new("kill").arg("-TERM").arg(pid.to_string()).status();
                    }
                    let _ = tokio::time::timeout(std::time::Duration::from_secs(5), child.wait()).await;
                    let _ = child.kill().await;
                    return 143;
                }
                accepted = listener.accept() => {
                    let Ok((stream, _)) = accepted else { continue };
                    let (real, log) = (real.clone(), log.clone());
                    tokio::spawn(async move {
                        let service = hyper::service::service_fn(move |req| forward(req, real.clone(), log.clone()));
                        let _ = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
                    });
                }
            }
        }
    }

    /// Records `req`, then sends it to the real rcd and returns its reply.
    async fn forward(
        req: hyper::Request<hyper::body::Incoming>,
        real: PathBuf,
        log: Arc<Mutex<std::fs::File>>,
    ) -> Result<hyper::Response<Full<Bytes>>, std::io::Error> {
        let (parts, body) = req.into_parts();
        let body = body.collect().await.map_err(std::io::Error::other)?.to_bytes();
        let line = serde_json::json!({
            "method": parts.method.as_str(),
            "target": parts.uri.to_string(),
            "body": String::from_utf8_lossy(&body),
        });
        {
            // one write per line: a reader never sees half of one (writeln! may write twice)
            let mut f = log.lock().await;
            f.write_all(format!("{line}\n").as_bytes())?;
            f.flush()?;
        }
        let stream = tokio::net::UnixStream::connect(&real).await?;
        let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(std::io::Error::other)?;
        tokio::spawn(conn);
        let resp = sender
            .send_request(hyper::Request::from_parts(parts, Full::new(body)))
            .await
            .map_err(std::io::Error::other)?;
        let (parts, body) = resp.into_parts();
        let body = body.collect().await.map_err(std::io::Error::other)?.to_bytes();
        Ok(hyper::Response::from_parts(parts, Full::new(body)))
    }
}
