//! The app's place on the desktop: tray icon and menu, what closing the window does while
//! batches run, window size and place, single instance, start at login.

pub mod close;
pub mod tray;
pub mod window_state;

use tauri::{AppHandle, Manager};

/// The main window, shown, restored and focused (tray "show", a second launch, a prompt).
/// Safe from any thread: see [`on_main_thread`].
pub fn show_main(app: &AppHandle) {
    let app2 = app.clone();
    on_main_thread(app, move || {
        if let Some(w) = app2.get_webview_window("main") {
            let _ = w.unminimize();
            let _ = w.show();
            let _ = w.set_focus();
        }
    });
}

/// Runs `f` on the main (event loop) thread without waiting for it. Window and tray calls made
/// from a runtime worker send to the main thread and block the worker until it answers; at
/// exit the main thread waits for the runtime (stopping rclone), and such a call deadlocks
/// the app. Every window or tray change made outside the main thread goes through here.
pub fn on_main_thread(app: &AppHandle, f: impl FnOnce() + Send + 'static) {
    if let Err(e) = app.run_on_main_thread(f) {
        tracing::debug!(error = %e, "the event loop is gone");
    }
}
