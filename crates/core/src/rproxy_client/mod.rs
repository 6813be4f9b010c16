//! Checking a connection to an rproxy server: what a user needs to know when it does not work
//! (cannot reach it, certificate not trusted, credentials refused, not an rproxy, server
//! error), and who it says we are when it does.

pub mod batches;
pub mod events;
mod follow_batch;
pub mod link;

pub use follow_batch::{follow_batch, BatchNews};

use serde_json::Value;

use crate::{
    rc::{RcClient, RcError},
    secrets::SecretStore,
    settings::ServerEntry,
};

/// Why a server's client could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("no token saved for server {0:?}; add it again")]
    NoToken(String),
    /// Its address, or its CA file, is not usable.
    #[error("server {name}: {reason}")]
    Setup { name: String, reason: String },
}

/// The RC client of saved server `entry`, with its token from `secrets`.
pub fn client(entry: &ServerEntry, secrets: &SecretStore) -> Result<RcClient, ClientError> {
    let token = secrets
        .get(&entry.token_key())
        .ok_or_else(|| ClientError::NoToken(entry.name.clone()))?;
    client_with(entry, token)
}

/// The RC client of server `entry` with `token` (e.g. one typed but not saved yet).
pub fn client_with(entry: &ServerEntry, token: crate::secret::Secret) -> Result<RcClient, ClientError> {
    let setup = |reason: String| ClientError::Setup {
        name: entry.name.clone(),
        reason,
    };
    let mut url = url::Url::parse(&entry.url).map_err(|e| setup(e.to_string()))?;
    if !url.path().ends_with('/') {
        url.set_path(&format!("{}/", url.path()));
    }
    RcClient::for_server(url, (entry.user.clone(), token), entry.ca_file.as_deref()).map_err(setup)
}

/// What "Test connection" found.
pub type ServerCheck = rcmd_types::ServerCheckView;

/// Asks the server who we are (`rproxy/whoami`) and explains any failure.
pub async fn check(rc: &RcClient) -> ServerCheck {
    let https = rc.base_url().scheme() == "https";
    let mut c = ServerCheck {
        tls_trusted: https.then_some(true),
        ..ServerCheck::default()
    };
    match rc.call::<_, Value>("rproxy/whoami", &serde_json::json!({})).await {
        Ok(v) => {
            c.reachable = true;
            c.authenticated = true;
            let text = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
            (c.user, c.role, c.rclone_version) = (text("user"), text("role"), text("rclone"));
        }
        Err(RcError::Transport { source, .. }) if crate::net::is_certificate_error(&source) => {
            c.reachable = true;
            c.tls_trusted = Some(false);
            c.problem = Some("the server's certificate is not trusted: give its CA certificate (CA file) or use a certificate from a public CA".into());
        }
        Err(e @ RcError::Transport { .. }) => {
            c.tls_trusted = None;
            c.problem = Some(unreachable(&e));
        }
        Err(e @ RcError::Unauthorized { .. }) => {
            c.reachable = true;
            c.problem = Some(refusal(&e));
        }
        Err(RcError::Api {
            status: 404, message, ..
        }) if message.contains("couldn't find method") => {
            c.reachable = true;
            c.authenticated = true;
            c.problem = Some("this is a plain rclone remote-control server, not rproxy: point RCMD at rproxy".into());
        }
        Err(RcError::Api { status, message, .. }) => {
            c.reachable = true;
            c.problem = Some(format!("the server answered with an error ({status}): {message}"));
        }
        Err(RcError::Unexpected { status, snippet, .. }) => {
            c.reachable = status != 0;
            c.problem = Some(format!(
                "the server answered something unexpected (HTTP {status}): {snippet}"
            ));
        }
        Err(e) => c.problem = Some(e.to_string()),
    }
    c
}

/// Why the server refused us, in words for the user; `None` when `e` is not a refusal.
pub fn refusal_of(e: &RcError) -> Option<String> {
    matches!(e, RcError::Unauthorized { .. }).then(|| refusal(e))
}

fn refusal(e: &RcError) -> String {
    if matches!(e, RcError::Unauthorized { expired: true, .. }) {
        "the server refused the token: it has expired. Ask the server's administrator for a new one (rproxy token create) and save it with the server".into()
    } else {
        "the server refused the credentials (wrong user, or the token is wrong or revoked)".into()
    }
}

/// Whether `e` means the server could not be reached or is not serving (worth waiting for).
pub fn is_offline(e: &RcError) -> bool {
    matches!(e, RcError::Transport { .. })
        || matches!(e, RcError::Api { status, .. } | RcError::Unexpected { status, .. } if *status == 502 || *status == 503)
}

/// Why the server could not be reached, in words: the innermost cause of a transport error
/// ("Connection refused", "certificate not trusted"), else the error itself.
pub fn unreachable(e: &RcError) -> String {
    match e {
        RcError::Transport { source, .. } if crate::net::is_certificate_error(source) => {
            "the server's certificate is not trusted".into()
        }
        RcError::Transport { source, .. } => format!("cannot reach the server: {}", innermost(source)),
        other => other.to_string(),
    }
}

/// The innermost cause of `e` (what the operating system said, not the layers above it).
pub fn innermost(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}
