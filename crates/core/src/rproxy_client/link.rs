//! A live link to an rproxy server: its event stream followed in the background, and the
//! connection's health derived from it. While the server is offline, calls through the link
//! fail at once with [`Error::ServerOffline`] (saying when the next try is) instead of each
//! waiting for its own timeout; the follower's reconnection brings the link back by itself.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;

use super::events::{follow, Followed, Start};
use crate::{
    rc::RcClient,
    resilience::layer::{ClientFuture, RcSource},
    Error,
};

/// The connection's state.
#[derive(Clone, Debug, PartialEq)]
pub enum Health {
    /// Not connected yet.
    Connecting,
    /// The event stream is open.
    Connected,
    /// The server cannot be reached; the next try is at `retry_at`.
    Offline { error: String, retry_at: Instant },
    /// The server refused the credentials (`expired`: the token has expired).
    Refused { expired: bool },
}

/// A followed server. Dropping it stops the follower.
pub struct Link {
    name: String,
    rc: RcClient,
    health: watch::Sender<Health>,
    stop: CancellationToken,
    /// The follower's channel, for a refusal found by a call rather than by the follower
    /// (weak: the link must not keep the connection's reader waiting after following ends).
    report: mpsc::WeakSender<Followed>,
}

impl Link {
    /// Follows the events of server `name` (behind `rc`) from `start`. Every report of the
    /// follower is applied to the health first, then handed on through the receiver.
    pub fn start(name: &str, rc: RcClient, start: Start) -> (Arc<Link>, mpsc::Receiver<Followed>) {
        let stop = CancellationToken::new();
        let (health, _) = watch::channel(Health::Connecting);
        let (tx, rx) = mpsc::channel(256);
        let link = Arc::new(Link {
            name: name.to_owned(),
            rc: rc.clone(),
            health,
            stop: stop.clone(),
            report: tx.downgrade(),
        });
        let mut from_server = follow(rc, start, stop.clone());
        let health = link.health.clone();
        tokio::spawn(async move {
            while let Some(f) = from_server.recv().await {
                // refused is final for this link (a new token makes a new one): a drop of the
                // stream reported after a call was refused must not turn it "offline"
                if matches!(*health.borrow(), Health::Refused { .. }) {
                    continue;
                }
                match &f {
                    Followed::Connected { .. } => health.send_replace(Health::Connected),
                    Followed::Offline { error, retry_in } => health.send_replace(Health::Offline {
                        error: error.clone(),
                        retry_at: Instant::now() + *retry_in,
                    }),
                    Followed::Refused { expired } => health.send_replace(Health::Refused { expired: *expired }),
                    Followed::Event(_) | Followed::Store { .. } | Followed::Role(_) => health.borrow().clone(),
                };
                if tx.send(f).await.is_err() {
                    // nobody listens any more: stop following
                    stop.cancel();
                    return;
                }
            }
        });
        (link, rx)
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn client(&self) -> &RcClient {
        &self.rc
    }

    pub fn health(&self) -> Health {
        self.health.borrow().clone()
    }

    /// Changes of the health.
    pub fn watch(&self) -> watch::Receiver<Health> {
        self.health.subscribe()
    }

    /// A call was refused (401) although the event stream is still open (a token revoked or
    /// expired mid-session; the server ends such a stream only at its next re-check): the
    /// link is refused from now on and stops following, so nothing polls with a dead token.
    /// A new token makes a new link.
    pub fn refuse(&self, expired: bool) {
        let was = self.health.send_replace(Health::Refused { expired });
        if !matches!(was, Health::Refused { .. }) {
            tracing::warn!(server = %self.name, expired, "a call was refused: the connection stops until a new token is saved");
            if let Some(report) = self.report.upgrade() {
                let _ = report.try_send(Followed::Refused { expired });
            }
            self.stop.cancel();
        }
    }

    /// Stops following (also done on drop).
    pub fn stop(&self) {
        self.stop.cancel();
    }
}

impl Drop for Link {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

impl RcSource for Link {
    fn ready_client(&self, _wait: Duration) -> ClientFuture<'_> {
        let out = match self.health() {
            Health::Offline { error, retry_at } => Err(Error::ServerOffline {
                server: self.name.clone(),
                reason: error,
                retry_in: retry_at.saturating_duration_since(Instant::now()),
            }),
            // connecting: try (the call says what is wrong); refused: the call gets the 401
            _ => Ok(self.rc.clone()),
        };
        Box::pin(std::future::ready(out))
    }

    fn refused(&self, expired: bool) {
        self.refuse(expired);
    }
}
