//! The main window's size and place: restored at start when the saved rectangle still meets
//! a screen, saved (by core's `WindowPlace`, at most once a second) while it is moved or resized.

use std::path::PathBuf;

use rcmd_core::{desktop::window_place::WindowPlace, settings::WindowGeometry};
use tauri::{PhysicalPosition, PhysicalSize, WebviewWindow, WindowEvent};

/// Applies the saved geometry to `w` when it fits a screen.
pub fn restore(w: &WebviewWindow, saved: Option<WindowGeometry>) {
    let Some(g) = saved else { return };
    let screens: Vec<(i32, i32, u32, u32)> = w
        .available_monitors()
        .unwrap_or_default()
        .iter()
        .map(|m| (m.position().x, m.position().y, m.size().width, m.size().height))
        .collect();
    if !g.fits(&screens) {
        tracing::info!(?g, "saved window place is off every screen; using the default");
        return;
    }
    let _ = w.set_size(PhysicalSize::new(g.width, g.height));
    let _ = w.set_position(PhysicalPosition::new(g.x, g.y));
    if g.maximized {
        let _ = w.maximize();
    }
}

/// Saves the geometry of `w` after moves and resizes (a minimised window's is not kept).
pub fn track(w: &WebviewWindow, settings_path: PathBuf) {
    let place = tauri::async_runtime::block_on(async move { WindowPlace::start(settings_path) });
    let w2 = w.clone();
    w.on_window_event(move |e| {
        if !matches!(e, WindowEvent::Moved(_) | WindowEvent::Resized(_)) || w2.is_minimized().unwrap_or(false) {
            return;
        }
        if let (Ok(pos), Ok(size)) = (w2.outer_position(), w2.inner_size()) {
            place.moved(WindowGeometry {
                x: pos.x,
                y: pos.y,
                width: size.width,
                height: size.height,
                maximized: w2.is_maximized().unwrap_or(false),
            });
        }
    });
}
