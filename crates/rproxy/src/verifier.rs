//! argon2 verifications on a few dedicated threads. Each verification takes about 19 MiB and a
//! core for ~50 ms; run on tokio's blocking pool, every one of its threads would keep such a
//! block in its own malloc arena (a login flood measured 3.2 GB), and all cores would go to
//! hashing. Here at most half the cores (at least one) hash, each on its own long-lived
//! thread (so the memory is reused, not multiplied), and at most [`QUEUE`] verifications wait;
//! beyond that the caller is told the server is busy (503), never that its token is bad.

use std::sync::{mpsc, Arc, Mutex};

use rcmd_core::secret::Secret;

/// Verifications that may wait for a thread.
const QUEUE: usize = 256;

struct Job {
    stored: String,
    secret: Secret,
    reply: tokio::sync::oneshot::Sender<bool>,
}

/// The verifier threads; they end when the last clone is dropped.
#[derive(Clone)]
pub struct Verifier {
    tx: mpsc::SyncSender<Job>,
}

/// Too many verifications wait already.
#[derive(Debug)]
pub struct Busy;

impl Verifier {
    /// Starts `threads` verifier threads (0: half the cores, at least one).
    pub fn new(threads: usize) -> Verifier {
        let threads = match threads {
            0 => std::thread::available_parallelism()
                .map(|n| n.get() / 2)
                .unwrap_or(1)
                .max(1),
            n => n,
        };
        let (tx, rx) = mpsc::sync_channel::<Job>(QUEUE);
        let rx = Arc::new(Mutex::new(rx));
        for i in 0..threads {
            let rx = rx.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("argon2-{i}"))
                .spawn(move || loop {
                    let job = match rx.lock() {
                        Ok(r) => r.recv(),
                        Err(_) => return,
                    };
                    let Ok(job) = job else { return };
                    let ok = verify_hash(&job.stored, &job.secret);
                    let _ = job.reply.send(ok);
                });
            if let Err(e) = spawned {
                tracing::error!(error = %e, "cannot start an argon2 verifier thread");
            }
        }
        Verifier { tx }
    }

    /// Whether `secret` matches the argon2 hash `stored`; `Err(Busy)` when too many wait.
    pub async fn verify(&self, stored: String, secret: Secret) -> Result<bool, Busy> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        self.tx.try_send(Job { stored, secret, reply }).map_err(|_| Busy)?;
        answer.await.map_err(|_| Busy)
    }
}

/// Argon2id verification (constant time in the secret).
pub(crate) fn verify_hash(stored: &str, secret: &Secret) -> bool {
    use argon2::{
        password_hash::{PasswordHash, PasswordVerifier},
        Argon2,
    };
    PasswordHash::new(stored).is_ok_and(|h| {
        Argon2::default()
            .verify_password(secret.expose().as_bytes(), &h)
            .is_ok()
    })
}
