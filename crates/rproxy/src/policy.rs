//! Who may call what. Roles: `admin` (everything), `operator` (everything but the
//! dangerous paths below and inline remotes), `viewer` (reading only). A user may also be
//! limited to some remotes.
//!
//! The dangerous paths run commands, change options or the config, expose obscured
//! passwords, serve or mount, or stop rclone. Inline or on-the-fly remotes (`:backend:path`,
//! `name,opt=x:path`, a bare local path) in any fs-like parameter, at any depth (`job/batch`
//! inputs), are admin-only: rclone's 2026 CVEs were code execution through exactly these.

use serde_json::{Map, Value};

/// A user's role.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Admin,
    Operator,
    Viewer,
}

impl std::str::FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "admin" => Ok(Role::Admin),
            "operator" => Ok(Role::Operator),
            "viewer" => Ok(Role::Viewer),
            other => Err(format!("unknown role {other:?}: use admin, operator or viewer")),
        }
    }
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Operator => "operator",
            Role::Viewer => "viewer",
        }
    }
}

/// Paths only admins reach: exact names and prefixes.
const ADMIN_ONLY: &[&str] = &[
    "core/command", "core/quit", "core/gc", "core/memstats", "core/obscure", "options/set", "backend/command",
    "rc/error", "rc/panic", "rc/fatal",
    // the server fetches any URL it is given: from inside the server's network (cloud metadata
    // endpoints, services on its loopback) — a request forgery for anyone but an admin
    "operations/copyurl",
];
const ADMIN_ONLY_PREFIXES: &[&str] = &["config/", "serve/", "mount/", "pluginsctl/", "debug/", "rproxy/"];
/// Config paths everyone may read (no secrets in them).
const CONFIG_READ: &[&str] = &["config/listremotes", "config/providers"];
/// What a viewer may call: reading only.
const VIEWER: &[&str] = &[
    "rc/noop", "rc/list", "core/version", "core/stats", "core/transferred", "core/group-list", "job/status", "job/list",
    "operations/list", "operations/stat", "operations/about", "operations/fsinfo", "operations/size", "operations/hashsum",
    "config/listremotes", "config/providers", "rproxy/batch/list", "rproxy/batch/get", "rproxy/whoami",
];

/// Server batches: every user may run its own (`rproxy/batch/*`); anyone may ask who it is.
const BATCH_PREFIX: &str = "rproxy/batch/";
const WHOAMI: &str = "rproxy/whoami";

/// Whether `path` is for admins only.
pub fn admin_only(path: &str) -> bool {
    (ADMIN_ONLY.contains(&path) || ADMIN_ONLY_PREFIXES.iter().any(|p| path.starts_with(p))) && !CONFIG_READ.contains(&path) && !path.starts_with(BATCH_PREFIX) && path != WHOAMI
}

/// Whether `role` may call `path` at all (before looking at parameters). Used by `rc/list`.
pub fn may_call(role: Role, path: &str) -> bool {
    match role {
        Role::Admin => true,
        Role::Operator => !admin_only(path),
        Role::Viewer => VIEWER.contains(&path),
    }
}

/// Why a call was refused (shown to the caller in rclone's error shape, status 403).
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    #[error("{path} is not allowed for the {role} role")]
    Path { path: String, role: &'static str },
    #[error("parameter {key} names an inline or on-the-fly remote ({value:?}); only admins may use those")]
    Inline { key: String, value: String },
    #[error("remote {remote:?} (parameter {key}) is not among this user's remotes")]
    Remote { key: String, remote: String },
    #[error("_config key {key:?} is not allowed for the {role} role (it could run commands or read secrets)")]
    Config { key: String, role: &'static str },
    #[error("{path} inside job/batch is not supported through rproxy (its job ids are rproxy's): call it directly")]
    JobInBatch { path: String },
    #[error("{path} with {key} changes a setting of the whole server (every user's transfers); only admins may")]
    ServerWide { path: String, key: &'static str },
}

/// A call that changes a setting of the whole server: the bandwidth limit (reading it is
/// fine). Returns the parameter that makes it a change.
fn server_wide(path: &str, params: &Map<String, Value>) -> Option<&'static str> {
    (path == "core/bwlimit" && params.get("rate").is_some_and(|r| !r.is_null())).then_some("rate")
}

/// Checks a call of `path` with `params` by a user with `role` limited to `remotes` (empty:
/// all remotes).
pub fn check(role: Role, remotes: &[String], path: &str, params: &Map<String, Value>) -> Result<(), Denied> {
    if !may_call(role, path) {
        return Err(Denied::Path { path: path.to_owned(), role: role.as_str() });
    }
    if let (false, Some(key)) = (role == Role::Admin, server_wide(path, params)) {
        return Err(Denied::ServerWide { path: path.to_owned(), key });
    }
    if path == "job/batch" {
        check_batch_inputs(role, params)?;
    }
    if role == Role::Admin {
        return Ok(());
    }
    params.iter().try_for_each(|(k, v)| check_config_entry(role, k, v))?;
    params.iter().try_for_each(|(k, v)| check_fs_entry(k, v, remotes))
}

/// Every input of a `job/batch` (and of batches inside it) is a call the role may make, and
/// none is a `job/*` call (its ids would be rcd's, not rproxy's).
fn check_batch_inputs(role: Role, params: &Map<String, Value>) -> Result<(), Denied> {
    let Some(inputs) = params.get("inputs").and_then(Value::as_array) else { return Ok(()) };
    for input in inputs.iter().filter_map(Value::as_object) {
        let path = input.get("_path").and_then(Value::as_str).unwrap_or("");
        if path.starts_with("job/") && path != "job/batch" {
            return Err(Denied::JobInBatch { path: path.to_owned() });
        }
        if !may_call(role, path) {
            return Err(Denied::Path { path: path.to_owned(), role: role.as_str() });
        }
        if let (false, Some(key)) = (role == Role::Admin, server_wide(path, input)) {
            return Err(Denied::ServerWide { path: path.to_owned(), key });
        }
        if path == "job/batch" {
            check_batch_inputs(role, input)?;
        }
    }
    Ok(())
}

/// `_config` (rclone's per-call global options) at any depth: keys that name commands or
/// passwords (`PasswordCommand`, ...) are admin-only.
fn check_config_keys(role: Role, v: &Value) -> Result<(), Denied> {
    match v {
        Value::Object(map) => map.iter().try_for_each(|(k, val)| check_config_entry(role, k, val)),
        Value::Array(items) => items.iter().try_for_each(|i| check_config_keys(role, i)),
        _ => Ok(()),
    }
}

fn check_config_entry(role: Role, k: &str, val: &Value) -> Result<(), Denied> {
    if k == "_config" {
        let mut keys: Vec<String> = val.as_object().map(|c| c.keys().cloned().collect()).unwrap_or_default();
        // a string `_config` is JSON too (form and query parameters)
        let parsed: Option<Map<String, Value>> = val.as_str().and_then(|s| serde_json::from_str(s).ok());
        keys.extend(parsed.map(|m| m.keys().cloned().collect::<Vec<_>>()).unwrap_or_default());
        for key in keys {
            let lower = key.to_ascii_lowercase();
            if ["command", "password", "pass", "cmd", "exec"].iter().any(|w| lower.contains(w)) {
                return Err(Denied::Config { key, role: role.as_str() });
            }
        }
    }
    check_config_keys(role, val)
}

/// Every fs-like key (`fs`, or ending in `Fs`) at any depth.
fn check_fs_values(v: &Value, remotes: &[String]) -> Result<(), Denied> {
    match v {
        Value::Object(map) => map.iter().try_for_each(|(k, val)| check_fs_entry(k, val, remotes)),
        Value::Array(items) => items.iter().try_for_each(|i| check_fs_values(i, remotes)),
        _ => Ok(()),
    }
}

fn check_fs_entry(k: &str, val: &Value, remotes: &[String]) -> Result<(), Denied> {
    if is_fs_key(k) {
        if let Some(s) = val.as_str() {
            check_fs(k, s, remotes)?;
        }
    }
    check_fs_values(val, remotes)
}

fn is_fs_key(k: &str) -> bool {
    k == "fs" || k.ends_with("Fs")
}

/// A configured remote (`name:path`) is fine; `:backend:...`, `name,opt=x:...`,
/// `name{...}:...` and a bare local path are inline remotes.
fn check_fs(key: &str, value: &str, remotes: &[String]) -> Result<(), Denied> {
    let inline = || Denied::Inline { key: key.to_owned(), value: value.to_owned() };
    let Some((name, _)) = value.split_once(':') else { return Err(inline()) };
    if name.is_empty() || name.contains([',', '{', '}', '/', '\\']) || name.contains('=') {
        return Err(inline());
    }
    // a Windows drive letter (`C:\\x`) is a local path
    if name.len() == 1 && value[2..].starts_with(['\\', '/']) {
        return Err(inline());
    }
    if !remotes.is_empty() && !remotes.iter().any(|r| r == name) {
        return Err(Denied::Remote { key: key.to_owned(), remote: name.to_owned() });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn params(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn roles_and_paths() {
        for p in ["core/command", "config/dump", "config/create", "options/set", "backend/command", "serve/start", "mount/mount", "core/quit", "rc/panic", "debug/set-gc-percent"] {
            assert!(check(Role::Operator, &[], p, &Map::new()).is_err(), "{p}");
            assert!(check(Role::Admin, &[], p, &Map::new()).is_ok(), "{p}");
        }
        assert!(check(Role::Operator, &[], "config/listremotes", &Map::new()).is_ok());
        assert!(check(Role::Operator, &[], "sync/copy", &params(json!({"srcFs": "a:x", "dstFs": "b:y"}))).is_ok());
        assert!(check(Role::Viewer, &[], "sync/copy", &Map::new()).is_err());
        assert!(check(Role::Viewer, &[], "operations/list", &params(json!({"fs": "a:", "remote": ""}))).is_ok());
    }

    #[test]
    fn inline_remotes_are_admin_only_at_any_depth() {
        for fs in [":local:/etc", ":sftp,host=evil:", "a,opt=x:/", "/etc", "relative/path", "C:\\\\Windows", "x{abc}:"] {
            let p = params(json!({ "fs": fs }));
            assert!(matches!(check(Role::Operator, &[], "operations/list", &p), Err(Denied::Inline { .. })), "{fs}");
            assert!(check(Role::Admin, &[], "operations/list", &p).is_ok());
        }
        let nested = params(json!({ "inputs": [ { "_path": "operations/list", "fs": "ok:" }, { "_path": "sync/copy", "srcFs": ":http,url='x':" } ] }));
        assert!(matches!(check(Role::Operator, &[], "job/batch", &nested), Err(Denied::Inline { .. })));
        let dst = params(json!({ "srcFs": "ok:", "dstFs": ":local:/tmp" }));
        assert!(check(Role::Operator, &[], "sync/copy", &dst).is_err());
    }

    #[test]
    fn batch_inputs_and_config_keys() {
        let sneaky = params(json!({ "inputs": [ { "_path": "rc/noop" }, { "_path": "core/command", "command": "ls" } ] }));
        assert!(matches!(check(Role::Operator, &[], "job/batch", &sneaky), Err(Denied::Path { ref path, .. }) if path == "core/command"));
        let nested = params(json!({ "inputs": [ { "_path": "job/batch", "inputs": [ { "_path": "config/dump" } ] } ] }));
        assert!(check(Role::Operator, &[], "job/batch", &nested).is_err());
        let job = params(json!({ "inputs": [ { "_path": "job/stop", "jobid": 1 } ] }));
        assert!(matches!(check(Role::Admin, &[], "job/batch", &job), Err(Denied::JobInBatch { .. })));
        let fine = params(json!({ "inputs": [ { "_path": "operations/mkdir", "fs": "a:", "remote": "x" } ] }));
        assert!(check(Role::Operator, &[], "job/batch", &fine).is_ok());
        for cfg in [json!({ "PasswordCommand": ["sh", "-c", "id"] }), json!("{\"PasswordCommand\": \"id\"}")] {
            let p = params(json!({ "srcFs": "a:", "dstFs": "b:", "_config": cfg }));
            assert!(matches!(check(Role::Operator, &[], "sync/copy", &p), Err(Denied::Config { .. })), "{p:?}");
            assert!(check(Role::Admin, &[], "sync/copy", &p).is_ok());
        }
        let ok = params(json!({ "srcFs": "a:", "dstFs": "b:", "_config": { "DryRun": true, "Transfers": 8 } }));
        assert!(check(Role::Operator, &[], "sync/copy", &ok).is_ok());
    }

    #[test]
    fn users_limited_to_their_remotes() {
        let mine = vec!["nas".to_owned()];
        assert!(check(Role::Operator, &mine, "operations/list", &params(json!({ "fs": "nas:/backup" }))).is_ok());
        let err = check(Role::Operator, &mine, "sync/copy", &params(json!({ "srcFs": "nas:", "dstFs": "gdrive:x" }))).unwrap_err();
        assert!(matches!(err, Denied::Remote { ref remote, .. } if remote == "gdrive"), "{err:?}");
    }
}
