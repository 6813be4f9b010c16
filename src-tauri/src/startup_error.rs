//! A start-up failure (database locked or corrupt, disk full) that the window must show: the
//! app still opens, the page reads the problem from the snapshot and says it.

use tauri::{AppHandle, Manager};

/// Why the engine could not start.
pub struct StartupProblem(pub String);

/// Records `message` for the page (the engine is not running).
pub fn show(app: &AppHandle, message: &str) {
    app.manage(StartupProblem(message.to_owned()));
}
