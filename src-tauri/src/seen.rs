//! The last event id seen from each server, kept in a small file, so the next run resumes the
//! event stream where this one stopped (a batch that ended while the app was closed is still
//! reported, and nothing is reported twice). Keyed by name and URL: a name pointed at another
//! server starts fresh.

use std::{collections::BTreeMap, path::PathBuf, sync::Mutex};

pub struct Seen {
    path: PathBuf,
    ids: Mutex<(BTreeMap<String, i64>, bool)>,
}

fn key(name: &str, url: &str) -> String {
    format!("{name} {url}")
}

impl Seen {
    /// Reads `path`; a missing or unreadable file starts empty (the worst case is "from now").
    pub fn new(path: PathBuf) -> Seen {
        let ids = std::fs::read(&path).ok().and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or_default();
        Seen { path, ids: Mutex::new((ids, false)) }
    }

    pub fn get(&self, name: &str, url: &str) -> Option<i64> {
        self.ids.lock().ok()?.0.get(&key(name, url)).copied()
    }

    pub fn set(&self, name: &str, url: &str, id: i64) {
        if let Ok(mut g) = self.ids.lock() {
            g.0.insert(key(name, url), id);
            g.1 = true;
        }
    }

    /// Writes the ids if they changed (write to a temporary file, then rename).
    pub fn flush(&self) {
        let Ok(mut g) = self.ids.lock() else { return };
        if !g.1 {
            return;
        }
        let Ok(text) = serde_json::to_vec(&g.0) else { return };
        let tmp = self.path.with_extension("json.tmp");
        let written = std::fs::write(&tmp, text).and_then(|_| std::fs::rename(&tmp, &self.path));
        match written {
            Ok(()) => g.1 = false,
            Err(e) => tracing::warn!(error = %e, path = %self.path.display(), "cannot save the servers' last event ids"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Seen;

    #[test]
    fn ids_survive_a_restart_per_name_and_url() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("seen.json");
        let s = Seen::new(path.clone());
        s.set("nas", "https://nas:5572/", 41);
        s.set("nas", "https://nas:5572/", 42);
        s.flush();
        let again = Seen::new(path);
        assert_eq!(again.get("nas", "https://nas:5572/"), Some(42));
        assert_eq!(again.get("nas", "https://other:5572/"), None);
    }
}
