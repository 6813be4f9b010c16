//! Checking a connection to an rproxy server: what a user needs to know when it does not work
//! (cannot reach it, certificate not trusted, credentials refused, not an rproxy, server
//! error), and who it says we are when it does.

pub mod events;

use serde::Serialize;
use serde_json::Value;

use crate::rc::{RcClient, RcError};

/// What "Test connection" found.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ServerCheck {
    /// The server answered at all (TCP and HTTP).
    pub reachable: bool,
    /// HTTPS with a trusted certificate (`None`: plain HTTP).
    pub tls_trusted: Option<bool>,
    pub authenticated: bool,
    pub user: Option<String>,
    pub role: Option<String>,
    /// The rclone behind the server.
    pub rclone_version: Option<String>,
    /// What is wrong, in words for the user (`None`: all is well).
    pub problem: Option<String>,
}

/// Asks the server who we are (`rproxy/whoami`) and explains any failure.
pub async fn check(rc: &RcClient) -> ServerCheck {
    let https = rc.base_url().scheme() == "https";
    let mut c = ServerCheck { tls_trusted: https.then_some(true), ..ServerCheck::default() };
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
        Err(RcError::Transport { source, .. }) => {
            c.tls_trusted = None;
            c.problem = Some(format!("cannot reach the server: {source}"));
        }
        Err(RcError::Unauthorized { .. }) => {
            c.reachable = true;
            c.problem = Some("the server refused the credentials (wrong user, or the token is wrong or revoked)".into());
        }
        Err(RcError::Api { status: 404, message, .. }) if message.contains("couldn't find method") => {
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
            c.problem = Some(format!("the server answered something unexpected (HTTP {status}): {snippet}"));
        }
        Err(e) => c.problem = Some(e.to_string()),
    }
    c
}
