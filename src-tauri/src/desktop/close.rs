//! Closing the window or quitting from the tray while batches run (or mounts are up: they
//! go away with the app, and their pending uploads are shown) asks first: keep them
//! running in the background (window hidden; the tray or a second launch brings it back),
//! pause them and quit, or quit now (they resume exactly at the next start). With nothing
//! running, closing quits at once.

use std::sync::atomic::{AtomicBool, Ordering};

use rcmd_core::types::EVENT_CLOSE_REQUESTED;
use tauri::{AppHandle, Emitter, Manager};

use crate::state::AppState;

/// Set once the user chose to quit: the next close goes through.
#[derive(Default)]
pub struct Quitting(pub AtomicBool);

/// Running batches, and running mounts and serves (quitting takes those down).
fn running(app: &AppHandle) -> (usize, usize) {
    app.try_state::<AppState>()
        .map(|s| (s.engine.runner.running_ids().len(), s.engine.mounts.running().len()))
        .unwrap_or((0, 0))
}

fn quitting(app: &AppHandle) -> bool {
    app.try_state::<Quitting>().is_some_and(|q| q.0.load(Ordering::SeqCst))
}

/// The window's close button: `true` when the close must wait for the user's answer.
pub fn hold_close(app: &AppHandle) -> bool {
    if quitting(app) {
        return false;
    }
    let (batches, mounts) = running(app);
    if batches + mounts == 0 {
        return false;
    }
    ask(app, batches);
    true
}

/// Shows the prompt; `n` running batches (the page knows the mounts).
fn ask(app: &AppHandle, n: usize) {
    super::show_main(app);
    tracing::info!(running = n, "close requested while batches or mounts run; asking");
    if let Err(e) = app.emit(EVENT_CLOSE_REQUESTED, n) {
        tracing::warn!(error = %e, "cannot ask about closing");
    }
}

/// Tray "quit": asks while batches run, else quits.
pub fn request_quit(app: &AppHandle) {
    match running(app) {
        (0, 0) => quit(app),
        (n, _) => ask(app, n),
    }
}

/// Quits the app (rclone is stopped on the way out; running batches resume at the next start).
pub fn quit(app: &AppHandle) {
    if let Some(q) = app.try_state::<Quitting>() {
        q.0.store(true, Ordering::SeqCst);
    }
    app.exit(0);
}

/// The page's answer to the close prompt.
#[tauri::command]
pub async fn close_choice(app: AppHandle, choice: String) -> Result<(), crate::CmdError> {
    tracing::info!(choice = %choice, "close prompt answered");
    match choice.as_str() {
        "background" => {
            let app2 = app.clone();
            super::on_main_thread(&app, move || {
                if let Some(w) = app2.get_webview_window("main") {
                    let _ = w.hide();
                }
            });
        }
        "pause" => {
            if let Some(state) = app.try_state::<AppState>() {
                state.engine.runner.pause_all(std::time::Duration::from_secs(10)).await;
            }
            quit(&app);
        }
        "quit" => quit(&app),
        // pending uploads of the mounts first, then quit
        "uploads" => {
            if let Some(state) = app.try_state::<AppState>() {
                for e in state
                    .engine
                    .mounts
                    .down_all(
                        rcmd_core::types::PendingChoice::Wait,
                        std::time::Duration::from_secs(600),
                    )
                    .await
                {
                    tracing::warn!(error = %e, "uploads before quitting");
                }
            }
            quit(&app);
        }
        "cancel" => {}
        other => {
            return Err(crate::CmdError::new(
                rcmd_core::types::IpcErrorKind::InvalidInput,
                format!("unknown choice {other}"),
            ))
        }
    }
    Ok(())
}
