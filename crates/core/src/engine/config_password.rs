//! The encrypted rclone config's password, for the front ends that ask for it: the lock's
//! state, and unlocking (checked with rclone first, then rclone restarted with it, and kept in
//! the OS keyring when asked, never in a plain file).

use std::path::Path;

use super::Engine;
use crate::{
    secret::Secret,
    secrets::{Stored, CONFIG_PASSWORD_KEY},
    settings::Settings,
    sidecar::config_lock::{self, UnlockError},
    types::ConfigLock,
};

/// Why the config was not unlocked, or unlocked without being remembered.
#[derive(Debug, thiserror::Error)]
pub enum ConfigUnlockError {
    #[error("no rclone config file")]
    NoConfig,
    #[error(transparent)]
    Check(#[from] UnlockError),
    /// Unlocked, but the password will be asked again at the next start.
    #[error("unlocked; no OS keyring is available: the password will be asked at every start")]
    NoKeyring,
    #[error("{0}")]
    Store(String),
}

impl ConfigUnlockError {
    /// Whether the user can act on it (a wrong password, no config, no keyring) rather than a
    /// failure of this computer.
    pub fn is_bad_input(&self) -> bool {
        matches!(
            self,
            ConfigUnlockError::NoConfig
                | ConfigUnlockError::NoKeyring
                | ConfigUnlockError::Check(UnlockError::WrongPassword(_))
        )
    }
}

impl Engine {
    /// The rclone config's lock as the front end shows it.
    pub fn config_lock(&self) -> ConfigLock {
        let path = config_lock::effective_config(self.supervisor.rclone_config().as_deref());
        ConfigLock {
            encrypted: path.as_deref().is_some_and(config_lock::is_encrypted),
            path: path.map(|p| p.display().to_string()),
            unlocked: !self.supervisor.config_locked(),
            remembered: self.secrets.get(CONFIG_PASSWORD_KEY).is_some(),
        }
    }

    /// Checks `password` with rclone and, when right, restarts rclone with it (in its
    /// environment). `remember`: keep it in the OS keyring; without one it is not kept
    /// ([`ConfigUnlockError::NoKeyring`], rclone is unlocked all the same). The choice is saved
    /// in the settings at `settings_path`.
    pub async fn unlock_config(
        &self,
        password: Secret,
        remember: bool,
        settings_path: &Path,
    ) -> Result<ConfigLock, ConfigUnlockError> {
        let path = config_lock::effective_config(self.supervisor.rclone_config().as_deref())
            .ok_or(ConfigUnlockError::NoConfig)?;
        if let Err(e) = self.supervisor.check_config_password(&path, &password).await {
            if matches!(e, UnlockError::WrongPassword(_)) {
                tracing::warn!("wrong rclone config password entered");
            }
            return Err(e.into());
        }
        self.supervisor.set_config_password(Some(password.clone()));
        tracing::info!(remember, "rclone config unlocked");
        let store = |e: crate::secrets::SecretStoreError| ConfigUnlockError::Store(e.to_string());
        let mut kept = false;
        if remember {
            match self.secrets.set(CONFIG_PASSWORD_KEY, Some(&password)).map_err(store)? {
                Stored::Keyring => kept = true,
                // a plain file next to the settings would undo the config's encryption
                Stored::File => {
                    let _ = self.secrets.set(CONFIG_PASSWORD_KEY, None);
                }
            }
        } else if self.secrets.get(CONFIG_PASSWORD_KEY).is_some() {
            let _ = self.secrets.set(CONFIG_PASSWORD_KEY, None);
        }
        Settings::update(settings_path, |s| s.remember_config_password = kept)
            .map_err(|e| ConfigUnlockError::Store(e.to_string()))?;
        if remember && !kept {
            return Err(ConfigUnlockError::NoKeyring);
        }
        Ok(self.config_lock())
    }
}
