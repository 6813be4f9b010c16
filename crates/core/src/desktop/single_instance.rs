//! One app per user and data folder: the first launch listens on a private unix socket (on
//! Windows a named pipe); a second launch finds it, asks it to show its window, and exits.

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
    #[cfg(windows)]
    server: tokio::net::windows::named_pipe::NamedPipeServer,
    pub path: PathBuf,
}

/// Where the first launch for `data_dir` listens, named by a stable hash of the folder: on
/// Unix a socket in the user's runtime folder (private to the user; a socket path has a
/// 108-byte limit), on Windows a named pipe `\\.\pipe\rcmd-<user>-<hash>`.
pub fn socket_path(data_dir: &Path) -> PathBuf {
    // FNV-1a: the same name in every build (std's hasher is not promised to stay the same)
    let h = data_dir
        .to_string_lossy()
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
    if cfg!(windows) {
        let user: String = std::env::var("USERNAME")
            .unwrap_or_else(|_| "user".into())
            .chars()
            .filter(|c| c.is_alphanumeric())
            .collect();
        return PathBuf::from(format!(r"\\.\pipe\rcmd-{user}-{h:016x}"));
    }
    let dir = dirs::runtime_dir().unwrap_or_else(|| {
        let user = std::env::var("USER").unwrap_or_else(|_| "user".into());
        std::env::temp_dir().join(format!("rcmd-{user}"))
    });
    dir.join(format!("rcmd-{h:016x}.sock"))
}

/// The message a second launch sends.
const SHOW: &[u8] = b"show\n";

/// Launches at the same moment take turns from the first look on: without it, two that both
/// found nobody would both become the first (on Unix each would remove the other's fresh
/// socket; on Windows, Wine does not honour a pipe's "first instance" flag).
#[cfg(any(unix, windows))]
fn lock_path(path: &Path) -> PathBuf {
    if cfg!(windows) {
        // a pipe has no folder: the lock lives in the user's temp folder, named like the pipe
        let name = path.to_string_lossy();
        let name = name.rsplit('\\').next().unwrap_or("rcmd");
        return std::env::temp_dir().join(format!("{name}.lock"));
    }
    path.with_extension("lock")
}

/// An exclusive lock on `lock` (released when the file is dropped), waited for without
/// blocking the runtime; given up after 10 s (a launch holds it for at most ~7 s).
#[cfg(any(unix, windows))]
async fn take_turn(lock: &Path) -> std::io::Result<std::fs::File> {
    let file = std::fs::File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(lock)?;
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(file),
            Err(std::fs::TryLockError::WouldBlock) if tokio::time::Instant::now() < deadline => {
                tokio::time::sleep(std::time::Duration::from_millis(20)).await
            }
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(std::io::Error::other("another launch of RCMD holds the start lock"))
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(e),
        }
    }
}

#[cfg(unix)]
mod imp {
    use std::{path::Path, time::Duration};

    use tokio::{
        io::{AsyncReadExt, AsyncWriteExt},
        net::{UnixListener, UnixStream},
    };

    use super::{lock_path, take_turn, Instance, Primary, SHOW};

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
        if let Some(dir) = path.parent().filter(|d| !d.exists()) {
            std::fs::create_dir_all(dir)?;
            std::fs::set_permissions(dir, std::os::unix::fs::PermissionsExt::from_mode(0o700))?;
        }
        let _turn = take_turn(&lock_path(path)).await?;
        if ask_to_show(path).await {
            return Ok(Instance::Secondary);
        }
        let listener = match UnixListener::bind(path) {
            Ok(l) => l,
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => {
                // a file left by a launch that died: nobody answered on it above
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

#[cfg(windows)]
mod imp {
    use std::{io, path::Path, time::Duration};

    use tokio::{
        io::{AsyncReadExt, AsyncWriteExt},
        net::windows::named_pipe::{ClientOptions, NamedPipeServer, ServerOptions},
    };

    use super::{lock_path, take_turn, Instance, Primary, SHOW};

    /// ERROR_PIPE_BUSY: every instance of the pipe is talking to another client right now.
    const PIPE_BUSY: i32 = 231;
    /// ERROR_ACCESS_DENIED: what creating a first instance of an existing pipe answers.
    const ACCESS_DENIED: i32 = 5;

    async fn ask_to_show(path: &Path) -> bool {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(2);
        let mut pipe = loop {
            match ClientOptions::new().open(path) {
                Ok(p) => break p,
                Err(e) if e.raw_os_error() == Some(PIPE_BUSY) && tokio::time::Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(20)).await
                }
                Err(_) => return false,
            }
        };
        if !matches!(
            tokio::time::timeout(Duration::from_secs(2), pipe.write_all(SHOW)).await,
            Ok(Ok(()))
        ) {
            return false;
        }
        let mut ack = [0u8; 3];
        matches!(
            tokio::time::timeout(Duration::from_secs(5), pipe.read_exact(&mut ack)).await,
            Ok(Ok(_))
        ) && &ack == b"ok\n"
    }

    /// A pipe instance that no other process can have made first, refused to other machines.
    fn first_instance(path: &Path) -> io::Result<NamedPipeServer> {
        ServerOptions::new()
            .first_pipe_instance(true)
            .reject_remote_clients(true)
            .create(path)
    }

    pub async fn acquire(path: &Path) -> io::Result<Instance> {
        if ask_to_show(path).await {
            return Ok(Instance::Secondary);
        }
        let _turn = take_turn(&lock_path(path)).await?;
        if ask_to_show(path).await {
            return Ok(Instance::Secondary);
        }
        match first_instance(path) {
            Ok(server) => Ok(Instance::Primary(Primary {
                server,
                path: path.to_owned(),
            })),
            // another launch (one that took no turn) made the pipe since our question
            Err(e) if e.raw_os_error() == Some(ACCESS_DENIED) && ask_to_show(path).await => Ok(Instance::Secondary),
            Err(e) => Err(e),
        }
    }

    impl Primary {
        /// Answers later launches, calling `show` for each; runs until the process ends.
        pub fn serve(self, show: impl Fn() + Send + Sync + 'static) {
            tokio::spawn(async move {
                let mut server = self.server;
                loop {
                    if server.connect().await.is_err() {
                        continue;
                    }
                    // the next instance exists before this one is handed over, so the pipe
                    // never disappears and no other process can become "first"
                    let next = match ServerOptions::new().reject_remote_clients(true).create(&self.path) {
                        Ok(n) => n,
                        Err(e) => {
                            tracing::warn!(error = %e, "cannot keep answering later launches of RCMD");
                            return;
                        }
                    };
                    let mut conn = std::mem::replace(&mut server, next);
                    let mut buf = [0u8; 5];
                    let read = tokio::time::timeout(Duration::from_secs(2), conn.read_exact(&mut buf)).await;
                    if matches!(read, Ok(Ok(_))) && buf == SHOW {
                        tracing::info!("another launch of RCMD asked to show the window");
                        show();
                        let _ = conn.write_all(b"ok\n").await;
                    }
                }
            });
        }
    }
}

#[cfg(any(unix, windows))]
pub use imp::acquire;

/// Without unix sockets or named pipes every launch is the first.
#[cfg(not(any(unix, windows)))]
pub async fn acquire(path: &Path) -> std::io::Result<Instance> {
    Ok(Instance::Primary(Primary { path: path.to_owned() }))
}

#[cfg(not(any(unix, windows)))]
impl Primary {
    pub fn serve(self, _show: impl Fn() + Send + Sync + 'static) {}
}

#[cfg(all(test, any(unix, windows)))]
mod tests {
    use std::sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    };

    use super::*;

    /// A place for a test's own instance: a socket in a temp folder, or a pipe of its own.
    fn test_path(dir: &Path) -> PathBuf {
        if cfg!(windows) {
            return socket_path(dir);
        }
        let path = dir.join("run/i.sock");
        std::fs::create_dir_all(path.parent().expect("parent")).expect("dir");
        #[cfg(unix)]
        // a socket file left by a crashed launch
        drop(std::os::unix::net::UnixListener::bind(&path).expect("stale"));
        path
    }

    #[tokio::test]
    async fn a_second_launch_reaches_the_first_and_a_stale_socket_is_replaced() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = test_path(dir.path());
        let Instance::Primary(first) = acquire(&path).await.expect("first") else {
            panic!("the first launch is primary")
        };
        let shown = Arc::new(AtomicUsize::new(0));
        let s2 = shown.clone();
        first.serve(move || {
            s2.fetch_add(1, Ordering::SeqCst);
        });
        for _ in 0..3 {
            assert!(matches!(acquire(&path).await.expect("second"), Instance::Secondary));
        }
        assert_eq!(shown.load(Ordering::SeqCst), 3);
        assert_ne!(socket_path(Path::new("/a")), socket_path(Path::new("/b")));
    }

    /// Launches at the same moment: exactly one becomes the first, the others reach it.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn of_launches_at_once_exactly_one_is_first() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = Arc::new(test_path(dir.path()));
        let shown = Arc::new(AtomicUsize::new(0));
        let launches: Vec<_> = (0..6)
            .map(|_| {
                let (path, shown) = (path.clone(), shown.clone());
                tokio::spawn(async move {
                    match acquire(&path).await.expect("acquire") {
                        Instance::Primary(p) => {
                            p.serve(move || {
                                shown.fetch_add(1, Ordering::SeqCst);
                            });
                            1
                        }
                        Instance::Secondary => 0,
                    }
                })
            })
            .collect();
        let mut firsts = 0;
        for l in launches {
            firsts += l.await.expect("join");
        }
        assert_eq!(firsts, 1, "one first launch");
        assert_eq!(shown.load(Ordering::SeqCst), 5, "every other launch reached it");
    }
}
