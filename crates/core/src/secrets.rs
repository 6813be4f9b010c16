//! Where notification secrets live: the OS keyring (Secret Service, Keychain, Credential
//! Manager) when it works, else a file readable only by the user (0600) in the config
//! directory, as on headless machines without a keyring service.

use std::{
    collections::BTreeMap,
    path::PathBuf,
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    time::Duration,
};

use crate::secret::Secret;

const SERVICE: &str = "dev.rcmd.app";

/// How long one keyring call may take. A Secret Service whose collection is locked may show
/// an unlock prompt and wait for it forever (on a headless display nobody answers): such a
/// keyring must never hang the caller (a UI thread, the app's start-up).
const KEYRING_WAIT: Duration = Duration::from_secs(3);

/// Where a secret was stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stored {
    Keyring,
    File,
}

/// The key of the remembered password of an encrypted rclone config.
pub const CONFIG_PASSWORD_KEY: &str = "rclone.config_password";

/// Failures storing a secret (never containing it).
#[derive(Debug, thiserror::Error)]
#[error("cannot store the secret {key}: {reason}")]
pub struct SecretStoreError {
    pub key: String,
    pub reason: String,
}

/// Named secrets ("telegram.token", "email.password", "webhook.header.Authorization").
#[derive(Clone, Debug)]
pub struct SecretStore {
    fallback: PathBuf,
    use_keyring: bool,
    /// Set once a keyring call did not answer within [`KEYRING_WAIT`]: later calls do not
    /// wait for it again in this process.
    unresponsive: Arc<AtomicBool>,
}

impl SecretStore {
    /// `fallback` is the file used when the keyring is unavailable.
    pub fn new(fallback: PathBuf) -> Self {
        SecretStore {
            fallback,
            use_keyring: true,
            unresponsive: Arc::default(),
        }
    }

    /// Like [`SecretStore::new`], checking the fallback file first: a file that is not valid
    /// is never overwritten later; it is renamed to `secrets.json.bak` (`.bak.1`, ...) and the
    /// returned message, for the user, says so.
    pub fn open(fallback: PathBuf) -> (Self, Option<String>) {
        let problem = match std::fs::read(&fallback) {
            Ok(bytes) if serde_json::from_slice::<BTreeMap<String, String>>(&bytes).is_err() => {
                match crate::app_dirs::set_aside(&fallback) {
                    Ok(kept) => Some(format!(
                        "the secrets file {} was not valid and was kept as {}; saved secrets must be entered again",
                        fallback.display(),
                        kept.display()
                    )),
                    Err(e) => Some(format!(
                        "the secrets file {} is not valid and cannot be moved aside: {e}",
                        fallback.display()
                    )),
                }
            }
            _ => None,
        };
        if let Some(p) = &problem {
            tracing::warn!(problem = %p, "secrets file");
        }
        (SecretStore::new(fallback), problem)
    }

    /// A store that only uses the file (tests).
    pub fn file_only(fallback: PathBuf) -> Self {
        SecretStore {
            fallback,
            use_keyring: false,
            unresponsive: Arc::default(),
        }
    }

    /// The secret `key`: from the keyring, else from the file. Never waits more than
    /// [`KEYRING_WAIT`] for the keyring.
    pub fn get(&self, key: &str) -> Option<Secret> {
        if self.use_keyring {
            let k = key.to_owned();
            if let Ok(Ok(pw)) = self.keyring(key, move || {
                keyring::Entry::new(SERVICE, &k).and_then(|e| e.get_password())
            }) {
                return Some(Secret::new(pw));
            }
        }
        self.read_file().remove(key).map(Secret::new)
    }

    /// Runs keyring call `op` on its own thread and waits at most [`KEYRING_WAIT`]; `Err` when
    /// the keyring did not answer (now or earlier in this process).
    fn keyring<T: Send + 'static>(
        &self,
        key: &str,
        op: impl FnOnce() -> keyring::Result<T> + Send + 'static,
    ) -> Result<keyring::Result<T>, SecretStoreError> {
        self.bounded(key, KEYRING_WAIT, op)
    }

    fn bounded<T: Send + 'static>(
        &self,
        key: &str,
        wait: Duration,
        op: impl FnOnce() -> keyring::Result<T> + Send + 'static,
    ) -> Result<keyring::Result<T>, SecretStoreError> {
        let unresponsive = || SecretStoreError {
            key: key.to_owned(),
            reason: format!(
                "the system keyring did not answer within {} s (is it locked, waiting for a password prompt?)",
                wait.as_secs()
            ),
        };
        if self.unresponsive.load(Ordering::Relaxed) {
            return Err(unresponsive());
        }
        let (tx, rx) = std::sync::mpsc::channel();
        // the thread is left behind if the keyring never answers: it only holds the call
        std::thread::spawn(move || {
            let _ = tx.send(op());
        });
        match rx.recv_timeout(wait) {
            Ok(r) => Ok(r),
            Err(_) => {
                self.unresponsive.store(true, Ordering::Relaxed);
                tracing::warn!(
                    key,
                    wait_s = wait.as_secs(),
                    "the system keyring does not answer; not waiting for it again"
                );
                Err(unresponsive())
            }
        }
    }

    /// Stores (`Some`) or deletes (`None`) a secret.
    pub fn set(&self, key: &str, value: Option<&Secret>) -> Result<Stored, SecretStoreError> {
        if self.use_keyring {
            let (k, v) = (key.to_owned(), value.cloned());
            // a keyring that hangs is reported like one that refuses: the secret must not
            // quietly go to the file while a prompt may still store it in the keyring
            let done = self.keyring(key, move || {
                keyring::Entry::new(SERVICE, &k).and_then(|e| match &v {
                    Some(v) => e.set_password(v.expose()),
                    None => match e.delete_credential() {
                        Err(keyring::Error::NoEntry) => Ok(()),
                        other => other,
                    },
                })
            })?;
            match done {
                Ok(()) => {
                    // a copy left in the file by an earlier fallback must not outlive it
                    let mut file = self.read_file();
                    if file.remove(key).is_some() {
                        self.write_file(&file, key)?;
                    }
                    return Ok(Stored::Keyring);
                }
                Err(e) if no_keyring_here(&e) => {
                    tracing::info!(key, reason = %e, "no keyring on this machine; using the private file")
                }
                // a keyring that exists but refused (locked, access denied, bad value): say so,
                // never quietly write the secret to a plaintext file instead
                Err(e) => {
                    return Err(SecretStoreError {
                        key: key.to_owned(),
                        reason: format!("the system keyring refused it: {e}"),
                    })
                }
            }
        }
        let mut file = self.read_file();
        match value {
            Some(v) => file.insert(key.to_owned(), v.expose().to_owned()),
            None => file.remove(key),
        };
        self.write_file(&file, key)?;
        Ok(Stored::File)
    }

    fn read_file(&self) -> BTreeMap<String, String> {
        std::fs::read(&self.fallback)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default()
    }

    fn write_file(&self, map: &BTreeMap<String, String>, key: &str) -> Result<(), SecretStoreError> {
        let err = |e: std::io::Error| SecretStoreError {
            key: key.to_owned(),
            reason: e.to_string(),
        };
        if let Some(dir) = self.fallback.parent() {
            std::fs::create_dir_all(dir).map_err(err)?;
        }
        let bytes = serde_json::to_vec(map).map_err(|e| err(std::io::Error::other(e)))?;
        let tmp = self.fallback.with_extension("tmp");
        {
            use std::io::Write;
            let mut opts = std::fs::OpenOptions::new();
            opts.write(true).create(true).truncate(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
            let mut f = opts.open(&tmp).map_err(err)?;
            f.write_all(&bytes).map_err(err)?;
            f.sync_all().map_err(err)?;
        }
        std::fs::rename(&tmp, &self.fallback).map_err(err)
    }
}

/// Whether a keyring error means "there is no keyring service here" (headless machines,
/// no Secret Service on the session bus): then the private file is the place. Any other
/// error comes from a keyring that exists and must be reported.
fn no_keyring_here(e: &keyring::Error) -> bool {
    matches!(e, keyring::Error::PlatformFailure(_))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_malformed_file_is_kept_aside() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secrets.json");
        std::fs::write(&path, b"{\"telegram.token\": ").unwrap();
        let (_, problem) = SecretStore::open(path.clone());
        assert!(problem.unwrap().contains("secrets.json.bak"));
        assert_eq!(
            std::fs::read(dir.path().join("secrets.json.bak")).unwrap(),
            b"{\"telegram.token\": "
        );
        assert!(!path.exists());
        // a valid file is left alone
        std::fs::write(&path, b"{}").unwrap();
        assert!(SecretStore::open(path.clone()).1.is_none());
        assert!(path.exists());
    }

    #[test]
    fn only_a_missing_keyring_falls_back_to_the_file() {
        let platform = keyring::Error::PlatformFailure(Box::new(std::io::Error::other("no session bus")));
        assert!(no_keyring_here(&platform));
        let refused = keyring::Error::NoStorageAccess(Box::new(std::io::Error::other("collection is locked")));
        assert!(!no_keyring_here(&refused));
        assert!(!no_keyring_here(&keyring::Error::TooLong("password".into(), 100)));
    }

    #[test]
    fn a_keyring_that_does_not_answer_is_not_waited_for_twice() {
        let dir = tempfile::tempdir().unwrap();
        let store = SecretStore::new(dir.path().join("secrets.json"));
        let wait = Duration::from_millis(200);
        let started = std::time::Instant::now();
        let hung = store.bounded("k", wait, || {
            std::thread::sleep(Duration::from_secs(5));
            Ok(())
        });
        assert!(hung.unwrap_err().reason.contains("did not answer"));
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "waited {:?}",
            started.elapsed()
        );
        // the next call is not even tried
        let tried = Arc::new(AtomicBool::new(false));
        let t = tried.clone();
        assert!(store
            .bounded("k", wait, move || {
                t.store(true, Ordering::SeqCst);
                Ok(())
            })
            .is_err());
        assert!(!tried.load(Ordering::SeqCst));
        // a quiet keyring: get falls back to the file at once, set reports it
        store.unresponsive.store(true, Ordering::Relaxed);
        std::fs::write(dir.path().join("secrets.json"), br#"{"k":"from-file"}"#).unwrap();
        assert_eq!(store.get("k").unwrap().expose(), "from-file");
        assert!(store.set("k", Some(&Secret::new("new"))).is_err());
        // an answer in time is passed through
        let fresh = SecretStore::new(dir.path().join("secrets.json"));
        assert_eq!(fresh.bounded("k", wait, || Ok(7)).unwrap().unwrap(), 7);
    }

    #[test]
    fn file_fallback_round_trip_is_private() {
        let dir = tempfile::tempdir().unwrap();
        let store = SecretStore::file_only(dir.path().join("secrets.json"));
        assert!(store.get("telegram.token").is_none());
        assert_eq!(
            store.set("telegram.token", Some(&Secret::new("t0k3n"))).unwrap(),
            Stored::File
        );
        assert_eq!(store.get("telegram.token").unwrap().expose(), "t0k3n");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("secrets.json"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        store.set("telegram.token", None).unwrap();
        assert!(store.get("telegram.token").is_none());
    }
}
