//! User settings persisted as JSON in the app's config directory.

use std::{
    io,
    path::{Path, PathBuf},
};

use serde::{Deserialize, Serialize};

/// Failures reading or writing the settings file.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("cannot read settings {path}: {source}")]
    Read { path: PathBuf, source: io::Error },
    #[error("settings file {path} is not valid: {source}")]
    Parse { path: PathBuf, source: serde_json::Error },
    #[error("cannot save settings {path}: {source}")]
    Write { path: PathBuf, source: io::Error },
    /// The file was malformed and renamed to `kept`; defaults are in use.
    #[error("{cause}; the file was kept as {kept} and default settings are in use", kept = .kept.display())]
    KeptAside { kept: PathBuf, cause: Box<SettingsError> },
}

/// What the user chose. Unknown fields are kept out; missing ones take defaults.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// rclone config file; `None` means rclone's own choice (`RCLONE_CONFIG` or the standard
    /// location).
    pub rclone_config: Option<PathBuf>,
    /// Resume batches interrupted by a crash or exit when the app starts (else offer it).
    pub auto_resume_batches: bool,
    /// Notification channels (their secrets are in the keyring, not here).
    pub notifications: crate::notify::settings::NotifySettings,
    /// Saved rproxy servers (their tokens are in the keyring, not here).
    pub servers: Vec<ServerEntry>,
    /// The server the app talks to; `None`: this computer's rclone.
    pub active_server: Option<String>,
    /// The main window's last size and place (restored at start when it fits a screen).
    pub window: Option<WindowGeometry>,
    /// Keep the rclone config password in the OS keyring (asked once; off: asked every start).
    pub remember_config_password: bool,
    /// Saved filters for compares, syncs, searches and copies (by name).
    pub filter_presets: Vec<rcmd_types::FilterPreset>,
}

/// A window's outer position and inner size in physical pixels.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct WindowGeometry {
    pub x: i32,
    pub y: i32,
    pub width: u32,
    pub height: u32,
    pub maximized: bool,
}

impl WindowGeometry {
    /// Whether it is at least 320×240 and overlaps one of `screens` (x, y, width, height) by
    /// at least 64×64 pixels: a place on a screen that is gone is not restored.
    pub fn fits(&self, screens: &[(i32, i32, u32, u32)]) -> bool {
        let g = self;
        screens.iter().any(|&(x, y, w, h)| {
            let left = g.x.max(x);
            let right = (g.x + g.width as i32).min(x + w as i32);
            let top = g.y.max(y);
            let bottom = (g.y + g.height as i32).min(y + h as i32);
            right - left >= 64 && bottom - top >= 64
        }) && g.width >= 320
            && g.height >= 240
    }

    /// The place to keep after a move or resize to `now`: a maximised window keeps the place
    /// it had before (`previous`), so un-maximising restores it.
    pub fn after_change(now: WindowGeometry, previous: Option<WindowGeometry>) -> WindowGeometry {
        match (now.maximized, previous) {
            (true, Some(prev)) => WindowGeometry {
                maximized: true,
                ..prev
            },
            _ => now,
        }
    }
}

/// A saved rproxy server. Its token is the secret `server:<name>`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ServerEntry {
    pub name: String,
    /// e.g. `https://nas.example:5572/`
    pub url: String,
    pub user: String,
    /// A CA certificate (PEM) to trust for this server (a self-signed or private CA).
    pub ca_file: Option<PathBuf>,
}

impl ServerEntry {
    /// The secret store key of this server's token.
    pub fn token_key(&self) -> String {
        format!("server:{}", self.name)
    }
}

impl Settings {
    /// Reads `path`; a missing file gives the defaults.
    pub fn load(path: &Path) -> Result<Self, SettingsError> {
        match std::fs::read(path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|source| SettingsError::Parse {
                path: path.to_owned(),
                source,
            }),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Settings::default()),
            Err(source) => Err(SettingsError::Read {
                path: path.to_owned(),
                source,
            }),
        }
    }

    /// Reads `path` for a program that must start anyway: a malformed file is never
    /// overwritten later, it is renamed to `<name>.bak` (or `.bak.N` when that exists) and
    /// the defaults are used; the error, naming the kept copy, says why.
    pub fn load_or_recover(path: &Path) -> (Settings, Option<SettingsError>) {
        match Settings::load(path) {
            Ok(s) => (s, None),
            Err(e @ SettingsError::Parse { .. }) => match crate::app_dirs::set_aside(path) {
                Ok(kept) => {
                    tracing::warn!(error = %e, kept = %kept.display(), "settings file is not valid; kept aside, using defaults");
                    (
                        Settings::default(),
                        Some(SettingsError::KeptAside {
                            kept,
                            cause: Box::new(e),
                        }),
                    )
                }
                Err(source) => (
                    Settings::default(),
                    Some(SettingsError::Write {
                        path: path.to_owned(),
                        source,
                    }),
                ),
            },
            Err(e) => (Settings::default(), Some(e)),
        }
    }

    /// Loads `path` (defaults when it is missing), applies `change`, saves it atomically and
    /// returns the result. A malformed file is kept aside first (see
    /// [`Settings::load_or_recover`]); an unreadable one is an error, never overwritten.
    pub fn update(path: &Path, change: impl FnOnce(&mut Settings)) -> Result<Settings, SettingsError> {
        let mut settings = match Settings::load(path) {
            Ok(s) => s,
            Err(SettingsError::Parse { .. }) => {
                crate::app_dirs::set_aside(path).map_err(|source| SettingsError::Write {
                    path: path.to_owned(),
                    source,
                })?;
                Settings::default()
            }
            Err(e) => return Err(e),
        };
        change(&mut settings);
        settings.save(path)?;
        Ok(settings)
    }

    /// Writes `path` atomically (temp file, fsync, rename), so a crash or a full disk never
    /// leaves a half-written file in place of the old one.
    pub fn save(&self, path: &Path) -> Result<(), SettingsError> {
        let write = |source| SettingsError::Write {
            path: path.to_owned(),
            source,
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(write)?;
        }
        let tmp = path.with_extension("json.tmp");
        let bytes = serde_json::to_vec_pretty(self).map_err(|e| write(io::Error::other(e)))?;
        {
            use std::io::Write;
            let mut f = std::fs::File::create(&tmp).map_err(write)?;
            f.write_all(&bytes).map_err(write)?;
            f.sync_all().map_err(write)?;
        }
        std::fs::rename(&tmp, path).map_err(write)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_malformed_file_is_kept_aside_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("settings.json");
        std::fs::write(&path, b"{ \"auto_resume_batches\": tru").unwrap();
        let (s, problem) = super::Settings::load_or_recover(&path);
        assert_eq!(s, super::Settings::default());
        let msg = problem.unwrap().to_string();
        assert!(msg.contains("settings.json.bak"), "{msg}");
        assert_eq!(
            std::fs::read(dir.path().join("settings.json.bak")).unwrap(),
            b"{ \"auto_resume_batches\": tru"
        );
        // a second bad file goes to .bak.1, the first copy stays
        std::fs::write(&path, b"[").unwrap();
        super::Settings::update(&path, |s| s.auto_resume_batches = true).unwrap();
        assert_eq!(std::fs::read(dir.path().join("settings.json.bak.1")).unwrap(), b"[");
        assert!(super::Settings::load(&path).unwrap().auto_resume_batches);
        assert_eq!(
            std::fs::read(dir.path().join("settings.json.bak")).unwrap(),
            b"{ \"auto_resume_batches\": tru"
        );
    }

    #[test]
    fn a_saved_place_must_meet_a_screen() {
        let screens = [(0, 0, 1920, 1080), (1920, 0, 1280, 1024)];
        let g = |x, y, width, height| WindowGeometry {
            x,
            y,
            width,
            height,
            maximized: false,
        };
        assert!(g(100, 100, 1100, 720).fits(&screens));
        assert!(g(2000, 50, 800, 600).fits(&screens), "on the second screen");
        assert!(!g(5000, 100, 800, 600).fits(&screens), "a screen that is gone");
        assert!(
            !g(1900, 1060, 800, 600).fits(&[(0, 0, 1920, 1080)]),
            "only a corner visible"
        );
        assert!(!g(0, 0, 100, 100).fits(&screens), "too small");
        // maximised: the place before is kept
        let before = g(10, 20, 800, 600);
        let max = WindowGeometry {
            maximized: true,
            ..g(0, 0, 1920, 1080)
        };
        assert_eq!(
            WindowGeometry::after_change(max, Some(before)),
            WindowGeometry {
                maximized: true,
                ..before
            }
        );
        assert_eq!(WindowGeometry::after_change(before, Some(max)), before);
    }

    #[test]
    fn round_trip_and_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/settings.json");
        assert_eq!(Settings::load(&path).unwrap(), Settings::default());
        let s = Settings {
            rclone_config: Some("/x/rclone.conf".into()),
            auto_resume_batches: true,
            notifications: Default::default(),
            servers: vec![ServerEntry {
                name: "nas".into(),
                url: "https://nas:5572/".into(),
                user: "me".into(),
                ca_file: Some("/ca.pem".into()),
            }],
            active_server: Some("nas".into()),
            window: Some(WindowGeometry {
                x: -20,
                y: 40,
                width: 1200,
                height: 800,
                maximized: false,
            }),
            remember_config_password: true,
            filter_presets: vec![rcmd_types::FilterPreset {
                name: "photos".into(),
                filter: rcmd_types::FilterSpec {
                    include: vec!["*.jpg".into()],
                    ..Default::default()
                },
            }],
        };
        s.save(&path).unwrap();
        assert_eq!(Settings::load(&path).unwrap(), s);
        assert!(!path.with_extension("json.tmp").exists());
    }

    #[test]
    fn update_changes_one_field_and_keeps_the_others() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("settings.json");
        Settings::update(&path, |s| s.rclone_config = Some("/a.conf".into())).unwrap();
        let s = Settings::update(&path, |s| s.auto_resume_batches = true).unwrap();
        assert_eq!(s.rclone_config, Some("/a.conf".into()));
        assert_eq!(Settings::load(&path).unwrap(), s);
    }

    #[test]
    fn malformed_file_is_an_error_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("settings.json");
        std::fs::write(&path, b"{not json").unwrap();
        let err = Settings::load(&path).unwrap_err();
        assert!(err.to_string().contains("settings.json"), "{err}");
        // the user's file is left as it was
        assert_eq!(std::fs::read(&path).unwrap(), b"{not json");
    }
}
