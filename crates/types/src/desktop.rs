//! Logs, the encrypted config, start at login, the schedule timer, closing.

use serde::{Deserialize, Serialize};

/// One line of the app's log file (app and rclone lines; rclone's have target `rclone`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogLine {
    /// RFC 3339 UTC, as written.
    pub at: String,
    /// ERROR, WARN, INFO, DEBUG or TRACE.
    pub level: String,
    pub target: String,
    /// The message with its fields (and continuation lines, such as a panic's).
    pub message: String,
}

/// What the log view asks for.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LogQuery {
    /// The least severe level shown (`warn` shows WARN and ERROR); empty: all.
    pub level: String,
    /// Lines containing this text (case-insensitive); empty: all.
    pub text: String,
    /// At most this many lines, the newest (0: 2,000).
    pub limit: usize,
}

/// A waiting OAuth login (rclone's `config/oauthstatus`): `running` with the URL the browser
/// must open (rclone opens it itself too), or `stopped`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct OAuthStatus {
    pub status: String,
    pub auth_url: String,
}

/// The rclone config's lock: encrypted or not, and whether rclone has its password.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigLock {
    pub path: Option<String>,
    pub encrypted: bool,
    pub unlocked: bool,
    /// The password is kept in the OS keyring.
    pub remembered: bool,
}

/// Start at login.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AutostartState {
    pub enabled: bool,
    pub minimized: bool,
}

/// The system timer that runs schedules while the app is closed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimerState {
    /// systemd user units are installed.
    pub systemd: bool,
    /// What the timer runs (`<program> schedule run-due`), for a crontab line by hand.
    pub command: String,
}

/// Event: the window was closed (or quit chosen in the tray) while batches run; the page asks
/// what to do (payload: the number of running batches).
pub const EVENT_CLOSE_REQUESTED: &str = "close-requested";
