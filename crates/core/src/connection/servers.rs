//! The saved rproxy servers, for every front end (the app's Connection section in the sidebar and
//! `rcmd server add|list|remove`): what a valid entry is, and its token kept in the secret
//! store, never in the settings file.

use std::path::PathBuf;

use crate::{
    rc::RcClient,
    secret::Secret,
    secrets::{SecretStore, SecretStoreError},
    settings::{ServerEntry, Settings, SettingsError},
    types::{ServerForm, ServerInfo},
};

/// Why a server was not saved or removed.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("give the server a short name (no slashes)")]
    Name,
    #[error("{url:?} is not a URL: {reason}")]
    NotUrl { url: String, reason: String },
    #[error("{0:?}: use http://host:port/ or https://host:port/")]
    Scheme(String),
    #[error("the user name on the server is needed")]
    User,
    #[error("CA file {0} is not a file")]
    CaFile(String),
    #[error("the token is needed (rproxy token create USER on the server prints one)")]
    NoToken,
    #[error("no saved server {0:?}")]
    Unknown(String),
    #[error(transparent)]
    Settings(#[from] SettingsError),
    #[error(transparent)]
    Secret(#[from] SecretStoreError),
}

impl ServerError {
    /// Whether the input is wrong (as opposed to the settings file or the keyring failing).
    pub fn is_bad_input(&self) -> bool {
        !matches!(self, ServerError::Settings(_) | ServerError::Secret(_))
    }
}

/// A server entry from what a user typed (trimmed), or what is wrong with it.
pub fn entry(name: &str, url: &str, user: &str, ca_file: Option<&str>) -> Result<ServerEntry, ServerError> {
    let name = name.trim();
    if name.is_empty() || name.len() > 64 || name.chars().any(|c| c.is_control() || c == '/' || c == '\\') {
        return Err(ServerError::Name);
    }
    let url = url.trim();
    let parsed = url::Url::parse(url).map_err(|e| ServerError::NotUrl {
        url: url.to_owned(),
        reason: e.to_string(),
    })?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(ServerError::Scheme(url.to_owned()));
    }
    let user = user.trim();
    if user.is_empty() {
        return Err(ServerError::User);
    }
    let ca_file = ca_file.map(str::trim).filter(|c| !c.is_empty()).map(PathBuf::from);
    if let Some(ca) = &ca_file {
        if !ca.is_file() {
            return Err(ServerError::CaFile(ca.display().to_string()));
        }
    }
    Ok(ServerEntry {
        name: name.to_owned(),
        url: url.to_owned(),
        user: user.to_owned(),
        ca_file,
    })
}

/// A server entry and the token typed with it (none: keep the saved one) from the settings
/// form, or what is wrong with the form.
pub fn from_form(form: &ServerForm) -> Result<(ServerEntry, Option<Secret>), ServerError> {
    let entry = entry(&form.name, &form.url, &form.user, form.ca_file.as_deref())?;
    let token = form
        .token
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(|t| Secret::new(t.to_owned()));
    Ok((entry, token))
}

/// The servers saved in a settings file, their tokens in a secret store. Cheap to clone.
#[derive(Clone)]
pub struct SavedServers {
    settings_path: PathBuf,
    secrets: SecretStore,
}

impl SavedServers {
    pub fn new(settings_path: PathBuf, secrets: SecretStore) -> Self {
        SavedServers { settings_path, secrets }
    }

    /// Saved server `name`.
    pub fn get(&self, name: &str) -> Result<ServerEntry, ServerError> {
        Settings::load(&self.settings_path)?
            .servers
            .into_iter()
            .find(|s| s.name == name)
            .ok_or_else(|| ServerError::Unknown(name.to_owned()))
    }

    /// Server `entry`'s RC client, with its saved token.
    pub fn client(&self, entry: &ServerEntry) -> Result<RcClient, crate::rproxy_client::ClientError> {
        crate::rproxy_client::client(entry, &self.secrets)
    }

    /// Every saved server; of its token only whether it is set (the keyring may be slow:
    /// call off the UI thread).
    pub fn list(&self) -> Vec<ServerInfo> {
        // a damaged settings file is not set aside by a read: the list is just empty
        Settings::load(&self.settings_path)
            .unwrap_or_default()
            .servers
            .iter()
            .map(|s| ServerInfo {
                name: s.name.clone(),
                url: s.url.clone(),
                user: s.user.clone(),
                ca_file: s.ca_file.as_ref().map(|p| p.display().to_string()),
                token_set: self.secrets.get(&s.token_key()).is_some(),
            })
            .collect()
    }

    /// The token saved for `entry`.
    pub fn token(&self, entry: &ServerEntry) -> Option<Secret> {
        self.secrets.get(&entry.token_key())
    }

    /// Saves `entry` (new, or replacing the one of its name) with `token`; without a token
    /// the saved one is kept, and there must be one. Returns whether anything changed (the
    /// same form saved again changes nothing: a connection to it need not start over).
    pub fn save(&self, entry: &ServerEntry, token: Option<&Secret>) -> Result<bool, ServerError> {
        let same_entry = self.get(&entry.name).is_ok_and(|old| old == *entry);
        let same_token = token.is_none_or(|t| self.token(entry).as_ref() == Some(t));
        if same_entry && same_token {
            return Ok(false);
        }
        match token {
            Some(t) => {
                self.secrets.set(&entry.token_key(), Some(t))?;
            }
            None if self.token(entry).is_none() => return Err(ServerError::NoToken),
            None => {}
        }
        Settings::update(&self.settings_path, |s| {
            match s.servers.iter_mut().find(|x| x.name == entry.name) {
                Some(old) => *old = entry.clone(),
                None => s.servers.push(entry.clone()),
            }
        })?;
        tracing::info!(server = %entry.name, "server saved");
        Ok(true)
    }

    /// Forgets server `name` and its token.
    pub fn remove(&self, name: &str) -> Result<(), ServerError> {
        let mut key = None;
        Settings::update(&self.settings_path, |s| {
            key = s.servers.iter().find(|x| x.name == name).map(ServerEntry::token_key);
            s.servers.retain(|x| x.name != name);
        })?;
        let key = key.ok_or_else(|| ServerError::Unknown(name.to_owned()))?;
        self.secrets.set(&key, None)?;
        tracing::info!(server = %name, "server removed");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn entries_are_checked_and_tokens_kept_in_the_secret_store() {
        assert!(matches!(entry("a/b", "http://h:1/", "u", None), Err(ServerError::Name)));
        assert!(matches!(
            entry("nas", "nas:5572", "u", None),
            Err(ServerError::Scheme(_))
        ));
        assert!(matches!(
            entry("nas", "not a url", "u", None),
            Err(ServerError::NotUrl { .. })
        ));
        assert!(matches!(
            entry("nas", "https://nas:5572/", " ", None),
            Err(ServerError::User)
        ));
        assert!(matches!(
            entry("nas", "https://nas:5572/", "u", Some("/no/such/ca.pem")),
            Err(ServerError::CaFile(_))
        ));
        let e = entry(" nas ", " https://nas:5572/ ", " alice ", Some(" ")).unwrap();
        assert_eq!(
            (e.name.as_str(), e.url.as_str(), e.user.as_str(), e.ca_file.clone()),
            ("nas", "https://nas:5572/", "alice", None)
        );

        let dir = tempfile::tempdir().unwrap();
        let settings_path = dir.path().join("settings.json");
        let secrets = SecretStore::file_only(dir.path().join("secrets.json"));
        let saved = SavedServers::new(settings_path.clone(), secrets.clone());
        assert!(matches!(saved.save(&e, None), Err(ServerError::NoToken)));
        assert!(saved.save(&e, Some(&Secret::new("tok-123"))).unwrap());
        // the same again, with or without its token: nothing changed (no reconnection)
        assert!(!saved.save(&e, Some(&Secret::new("tok-123"))).unwrap());
        assert!(!saved.save(&e, None).unwrap());
        assert!(saved.save(&e, Some(&Secret::new("tok-456"))).unwrap(), "a new token");
        // changed without a token: the saved one stays
        let moved = ServerEntry {
            url: "https://nas2:5572/".into(),
            ..e.clone()
        };
        assert!(saved.save(&moved, None).unwrap());
        let list = saved.list();
        assert_eq!(list.len(), 1);
        assert_eq!((list[0].url.as_str(), list[0].token_set), ("https://nas2:5572/", true));
        assert!(!std::fs::read_to_string(&settings_path).unwrap().contains("tok-"));
        assert_eq!(saved.get("nas").unwrap(), moved);
        saved.remove("nas").unwrap();
        assert!(saved.list().is_empty());
        assert!(matches!(saved.get("nas"), Err(ServerError::Unknown(_))));
        assert_eq!(saved.token(&e), None, "the token outlived its server");
        assert!(matches!(saved.remove("nas"), Err(ServerError::Unknown(_))));
    }
}
