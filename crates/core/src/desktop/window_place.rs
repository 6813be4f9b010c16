//! The main window's place, saved while it moves: every move or resize is noted, the settings
//! file is written at most once a second (a drag is hundreds of moves).

use std::{
    path::PathBuf,
    sync::{Arc, Mutex},
    time::Duration,
};

use crate::settings::{Settings, WindowGeometry};

/// Notes the window's place and saves it in the background. Cheap to clone.
#[derive(Clone)]
pub struct WindowPlace {
    pending: Arc<Mutex<Option<WindowGeometry>>>,
    settings_path: PathBuf,
}

impl WindowPlace {
    /// Starts saving into the settings at `settings_path`, once a second when the place
    /// changed, for as long as the process runs (inside a tokio runtime).
    pub fn start(settings_path: PathBuf) -> Self {
        let place = WindowPlace {
            pending: Arc::default(),
            settings_path,
        };
        let (pending, path) = (place.pending.clone(), place.settings_path.clone());
        tokio::spawn(async move {
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
        place
    }

    /// The window moved or was resized to `now` (a maximised window keeps the place it had
    /// before: see [`WindowGeometry::after_change`]).
    pub fn moved(&self, now: WindowGeometry) {
        if let Ok(mut p) = self.pending.lock() {
            let previous = p.or_else(|| Settings::load(&self.settings_path).ok().and_then(|s| s.window));
            *p = Some(WindowGeometry::after_change(now, previous));
        }
    }
}
