//! One app per user and data folder: the first launch listens on a private unix socket; a
//! second launch finds it, asks it to show its window, and exits. (Windows: not yet; every
//! launch runs, see docs/packaging.md.)

use std::path::{Path, PathBuf};

/// What this launch is.
pub enum Instance {
    /// The first: serve [`Primary::serve`] so later launches can reach it.
    Primary(Primary),
    /// Another launch runs and was asked to show its window: exit.
    Secondary,
}

/// The first launch's listener.
pub struct Primary {
    #[cfg(unix)]
    listener: tokio::net::UnixListener,
    pub path: PathBuf,
}

/// The socket for `data_dir`: in the user's runtime folder (private to the user), named by a
/// hash of the folder (a socket path has a 108-byte limit).
pub fn socket_path(data_dir: &Path) -> PathBuf {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    data_dir.hash(&mut h);
    let dir = dirs::runtime_dir().unwrap_or_else(|| {
        let user = std::env::var("USER").unwrap_or_else(|_| "user".into());
        std::env::temp_dir().join(format!("rcmd-{user}"))
    });
    dir.join(format!("rcmd-{:016x}.sock", h.finish()))
}

/// The message a second launch sends.
const SHOW: &[u8] = b"show\n";

#[cfg(unix)]
mod imp {
    use std::{path::Path, time::Duration};

    use tokio::{
        io::{AsyncReadExt, AsyncWriteExt},
        net::{UnixListener, UnixStream},
    };

    use super::{Instance, Primary, SHOW};

    async fn ask_to_show(path: &Path) -> bool {
        let Ok(Ok(mut s)) = tokio::time::timeout(Duration::from_secs(2), UnixStream::connect(path)).await else {
            return false;
        };
        if s.write_all(SHOW).await.is_err() {
            return false;
        }
        let mut ack = [0u8; 3];
        matches!(
            tokio::time::timeout(Duration::from_secs(5), s.read_exact(&mut ack)).await,
            Ok(Ok(_))
        ) && &ack == b"ok\n"
    }

    pub async fn acquire(path: &Path) -> std::io::Result<Instance> {
        if ask_to_show(path).await {
            return Ok(Instance::Secondary);
        }
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
            std::os::unix::fs::PermissionsExt::set_mode(&mut std::fs::metadata(dir)?.permissions(), 0o700);
        }
        let listener = match UnixListener::bind(path) {
            Ok(l) => l,
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => {
                // a file left by a launch that died: nobody answers on it
                std::fs::remove_file(path)?;
                UnixListener::bind(path)?
            }
            Err(e) => return Err(e),
        };
        std::fs::set_permissions(path, std::os::unix::fs::PermissionsExt::from_mode(0o600))?;
        Ok(Instance::Primary(Primary {
            listener,
            path: path.to_owned(),
        }))
    }

    impl Primary {
        /// Answers later launches, calling `show` for each; runs until the process ends.
        pub fn serve(self, show: impl Fn() + Send + Sync + 'static) {
            tokio::spawn(async move {
                loop {
                    let Ok((mut s, _)) = self.listener.accept().await else {
                        continue;
                    };
                    let mut buf = [0u8; 5];
                    let read = tokio::time::timeout(Duration::from_secs(2), s.read_exact(&mut buf)).await;
                    if matches!(read, Ok(Ok(_))) && buf == SHOW {
                        tracing::info!("another launch of RCMD asked to show the window");
                        show();
                        let _ = s.write_all(b"ok\n").await;
                    }
                }
            });
        }
    }

    impl Drop for Primary {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

#[cfg(unix)]
pub use imp::acquire;

/// Without unix sockets every launch is the first.
#[cfg(not(unix))]
pub async fn acquire(path: &Path) -> std::io::Result<Instance> {
    Ok(Instance::Primary(Primary { path: path.to_owned() }))
}

#[cfg(not(unix))]
impl Primary {
    pub fn serve(self, _show: impl Fn() + Send + Sync + 'static) {}
}

#[cfg(all(test, unix))]
mod tests {
    use std::sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    };

    use super::*;

    #[tokio::test]
    async fn a_second_launch_reaches_the_first_and_a_stale_socket_is_replaced() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("run/i.sock");
        // a socket file left by a crashed launch
        std::fs::create_dir_all(path.parent().expect("parent")).expect("dir");
        drop(std::os::unix::net::UnixListener::bind(&path).expect("stale"));
        let Instance::Primary(first) = acquire(&path).await.expect("first") else {
            panic!("the first launch is primary")
        };
        let shown = Arc::new(AtomicUsize::new(0));
        let s2 = shown.clone();
        first.serve(move || {
            s2.fetch_add(1, Ordering::SeqCst);
        });
        for _ in 0..2 {
            assert!(matches!(acquire(&path).await.expect("second"), Instance::Secondary));
        }
        assert_eq!(shown.load(Ordering::SeqCst), 2);
        assert_ne!(socket_path(Path::new("/a")), socket_path(Path::new("/b")));
    }
}
