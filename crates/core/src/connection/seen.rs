//! The last event seen from each server, kept in a small file, so the next run resumes the
//! event stream where this one stopped (a batch that ended while the app was closed is still
//! reported, and nothing is reported twice). Keyed by name and URL (a name pointed at another
//! server starts fresh), and kept with the identity of the server's event store (a reinstalled
//! server whose ids started again is followed from now, not from an old id).

use std::{collections::BTreeMap, path::PathBuf, sync::Mutex};

use serde::{Deserialize, Serialize};

/// Where a server's stream was left.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mark {
    /// The server's event store (`storeId` of `rproxy/whoami`), when it told.
    pub store: Option<String>,
    /// The last event id seen.
    pub id: i64,
}

pub struct Seen {
    path: PathBuf,
    marks: Mutex<(BTreeMap<String, Mark>, bool)>,
}

fn key(name: &str, url: &str) -> String {
    format!("{name} {url}")
}

impl Seen {
    /// Reads `path`; a missing or unreadable file starts empty (the worst case is "from now").
    pub fn new(path: PathBuf) -> Seen {
        let marks = std::fs::read(&path)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default();
        Seen {
            path,
            marks: Mutex::new((marks, false)),
        }
    }

    pub fn get(&self, name: &str, url: &str) -> Option<Mark> {
        self.marks.lock().ok()?.0.get(&key(name, url)).cloned()
    }

    /// The server's store and the id following starts after: a first mark, or a new store,
    /// starts there (the old id means nothing in another store).
    pub fn set_store(&self, name: &str, url: &str, store: &str, from: i64) {
        if let Ok(mut g) = self.marks.lock() {
            let k = key(name, url);
            if g.0.get(&k).and_then(|m| m.store.as_deref()) != Some(store) {
                g.0.insert(
                    k,
                    Mark {
                        store: Some(store.to_owned()),
                        id: from,
                    },
                );
                g.1 = true;
            }
        }
    }

    pub fn set(&self, name: &str, url: &str, id: i64) {
        if let Ok(mut g) = self.marks.lock() {
            g.0.entry(key(name, url)).or_default().id = id;
            g.1 = true;
        }
    }

    /// Writes the marks if they changed (write to a temporary file, then rename).
    pub fn flush(&self) {
        let Ok(mut g) = self.marks.lock() else { return };
        if !g.1 {
            return;
        }
        let Ok(text) = serde_json::to_vec(&g.0) else { return };
        let tmp = self.path.with_extension("json.tmp");
        let written = std::fs::write(&tmp, text).and_then(|_| std::fs::rename(&tmp, &self.path));
        match written {
            Ok(()) => g.1 = false,
            Err(e) => {
                tracing::warn!(error = %e, path = %self.path.display(), "cannot save the servers' last event ids")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Mark, Seen};

    #[test]
    fn marks_survive_a_restart_per_name_url_and_store() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("seen.json");
        let s = Seen::new(path.clone());
        s.set_store("nas", "https://nas:5572/", "aaaa", 40);
        assert_eq!(
            s.get("nas", "https://nas:5572/").map(|m| m.id),
            Some(40),
            "a first contact starts from the newest id"
        );
        s.set("nas", "https://nas:5572/", 41);
        s.set("nas", "https://nas:5572/", 42);
        s.flush();
        let again = Seen::new(path);
        assert_eq!(
            again.get("nas", "https://nas:5572/"),
            Some(Mark {
                store: Some("aaaa".into()),
                id: 42
            })
        );
        assert_eq!(again.get("nas", "https://other:5572/"), None);
        // the same store again keeps the id; another store forgets it
        again.set_store("nas", "https://nas:5572/", "aaaa", 42);
        assert_eq!(again.get("nas", "https://nas:5572/").map(|m| m.id), Some(42));
        again.set_store("nas", "https://nas:5572/", "bbbb", 7);
        assert_eq!(
            again.get("nas", "https://nas:5572/"),
            Some(Mark {
                store: Some("bbbb".into()),
                id: 7
            })
        );
    }
}
