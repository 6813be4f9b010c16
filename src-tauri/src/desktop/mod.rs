//! The app's place on the desktop: tray icon and menu, what closing the window does while
//! batches run, window size and place, single instance, start at login.

pub mod close;
pub mod tray;
pub mod tray_model;
pub mod window_state;

use tauri::{AppHandle, Manager};

/// The main window, shown, restored and focused (tray "show", a second launch, a prompt).
pub fn show_main(app: &AppHandle) {
    if let Some(w) = app.get_webview_window("main") {
        let _ = w.unminimize();
        let _ = w.show();
        let _ = w.set_focus();
    }
}
