//! The main window's size and place: restored at start when the saved rectangle still meets
//! a screen, saved (at most once a second) while it is moved or resized.

use std::{
    path::PathBuf,
    sync::{Arc, Mutex},
    time::Duration,
};

use rcmd_core::settings::{Settings, WindowGeometry};
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

/// Saves the geometry of `w` after moves and resizes, batched once a second.
pub fn track(w: &WebviewWindow, settings_path: PathBuf) {
    let pending: Arc<Mutex<Option<WindowGeometry>>> = Arc::default();
    let p2 = pending.clone();
    let w2 = w.clone();
    let load_path = settings_path.clone();
    w.on_window_event(move |e| {
        if matches!(e, WindowEvent::Moved(_) | WindowEvent::Resized(_)) {
            let maximized = w2.is_maximized().unwrap_or(false);
            let minimized = w2.is_minimized().unwrap_or(false);
            if minimized {
                return;
            }
            let (Ok(pos), Ok(size)) = (w2.outer_position(), w2.inner_size()) else {
                return;
            };
            if let Ok(mut p) = p2.lock() {
                // a maximised window keeps the place it had before
                let previous = p.or_else(|| Settings::load(&load_path).ok().and_then(|s| s.window));
                let now = WindowGeometry {
                    x: pos.x,
                    y: pos.y,
                    width: size.width,
                    height: size.height,
                    maximized,
                };
                *p = Some(WindowGeometry::after_change(now, previous));
            }
        }
    });
    let path = settings_path;
    tauri::async_runtime::spawn(async move {
        let mut saved: Option<WindowGeometry> = None;
        loop {
            tokio::time::sleep(Duration::from_secs(1)).await;
            let now = pending.lock().ok().and_then(|p| *p);
            if now.is_some() && now != saved {
                if let Err(e) = Settings::update(&path, |s| s.window = now) {
                    tracing::warn!(error = %e, "cannot save the window place");
                }
                saved = now;
            }
        }
    });
}
