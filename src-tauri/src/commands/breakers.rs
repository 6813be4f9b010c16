//! Circuit breaker commands for the dashboard.

use rcmd_core::{remote_path::RemoteName, types::BreakerSnapshot};
use tauri::State;

use crate::{error::CmdResult, state::AppState};

/// The breakers of every remote called so far.
#[tauri::command]
pub fn breaker_states(state: State<'_, AppState>) -> Vec<BreakerSnapshot> {
    state.conn.rc().breaker_snapshots()
}

/// Closes a remote's breaker: calls resume at once.
#[tauri::command]
pub fn reset_breaker(state: State<'_, AppState>, remote: String) -> CmdResult<()> {
    let remote = RemoteName::parse(&remote)?;
    state.conn.rc().breakers().reset(remote.as_str());
    Ok(())
}

/// Opens a remote's breaker until reset: no call reaches it.
#[tauri::command]
pub fn pause_remote(state: State<'_, AppState>, remote: String) -> CmdResult<()> {
    let remote = RemoteName::parse(&remote)?;
    state.conn.rc().breakers().force_open(remote.as_str());
    Ok(())
}
