//! The connection: this computer or an rproxy server, and saved servers.

use serde::{Deserialize, Serialize};

/// Name of the Tauri event that carries a new [`ConnectionView`].
pub const EVENT_CONNECTION_STATE: &str = "connection-state";

/// What the app talks to: this computer's bundled rclone, or a saved rproxy server, and how
/// that link is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectionView {
    /// Grows with every switch: the page starts over (remotes, listing, jobs) when it changes.
    pub generation: u64,
    /// `None`: this computer; else the saved server's name.
    pub server: Option<String>,
    pub url: Option<String>,
    pub user: Option<String>,
    pub state: LinkState,
    /// Why the server is offline or refused us (never a secret).
    pub error: Option<String>,
    /// When offline: the next try is in this long.
    pub retry_in_ms: Option<u64>,
    /// After an outage: how long the link was down.
    pub down_for_ms: Option<u64>,
    /// Grows with every change within a generation, so a view read earlier (the page's
    /// start-up snapshot) never replaces a newer one that an event already brought.
    #[serde(default)]
    pub seq: u64,
    /// The account's role on the server ("admin", "operator", "viewer") once known: the page
    /// shows what this role may not do as disabled, with the reason.
    #[serde(default)]
    pub role: Option<String>,
}

impl ConnectionView {
    /// Whether the server lets this account do what only its admins may (change the
    /// bandwidth limit, set up remotes). Unknown (not connected yet) and this computer: yes.
    pub fn may_administer(&self) -> bool {
        self.server.is_none() || self.role.as_deref().is_none_or(|r| r == "admin")
    }

    /// Whether this view should replace `shown`: another generation (a switch), or the same
    /// one changed since.
    pub fn replaces(&self, shown: &ConnectionView) -> bool {
        self.generation != shown.generation || self.seq >= shown.seq
    }
}

/// State of the link to the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkState {
    /// This computer's rclone (its own state is [`SidecarState`]).
    Local,
    Connecting,
    Connected,
    Offline,
    /// The server refused the credentials.
    Refused,
}

/// A server as typed in the sidebar's Connection section. An empty token keeps the saved one.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerForm {
    pub name: String,
    pub url: String,
    pub user: String,
    #[serde(default)]
    pub token: Option<String>,
    #[serde(default)]
    pub ca_file: Option<String>,
}

/// A saved rproxy server as the settings page shows it (the token only says whether it is set).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerInfo {
    pub name: String,
    pub url: String,
    pub user: String,
    pub ca_file: Option<String>,
    pub token_set: bool,
}

/// What "Test connection" found.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerCheckView {
    pub reachable: bool,
    /// `None`: plain HTTP.
    pub tls_trusted: Option<bool>,
    pub authenticated: bool,
    pub user: Option<String>,
    pub role: Option<String>,
    pub rclone_version: Option<String>,
    /// What is wrong, in words (`None`: all is well).
    pub problem: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(generation: u64, seq: u64, state: LinkState) -> ConnectionView {
        ConnectionView {
            generation,
            server: Some("srv".into()),
            url: None,
            user: None,
            state,
            error: None,
            retry_in_ms: None,
            down_for_ms: None,
            seq,
            role: None,
        }
    }

    #[test]
    fn an_older_view_never_replaces_a_newer_one() {
        let connected = view(2, 1, LinkState::Connected);
        // the start-up snapshot, read while connecting, answered after the event
        assert!(!view(2, 0, LinkState::Connecting).replaces(&connected));
        assert!(view(2, 2, LinkState::Offline).replaces(&connected));
        assert!(
            view(2, 1, LinkState::Connected).replaces(&connected),
            "the same view again"
        );
        // a switch starts over whatever its number
        assert!(view(3, 0, LinkState::Connecting).replaces(&connected));
    }
}
