//! Who may call what. Roles: `admin` (everything), `operator` (file work on its remotes),
//! `viewer` (reading only). A user may also be limited to some remotes.
//!
//! Deny by default: non-admins may call only the paths of the allow-list in [`routes`],
//! each with a typed parameter schema ([`schema`]); unknown paths and unknown keys are
//! refused, remotes must be the user's configured remotes given as text (never an inline
//! remote, never a JSON object of backend options), paths never climb out of their remote,
//! and `_config`/`_filter` hold only allowed options ([`options`]). The request path must
//! already be canonical ([`crate::canonical`]): what is judged is what rcd runs.

pub mod options;
pub mod routes;
pub mod schema;

use serde_json::{Map, Value};

use schema::{check_object, Ctx, MAX_BATCH_DEPTH};

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
    /// viewer < operator < admin.
    fn rank(self) -> u8 {
        match self {
            Role::Viewer => 0,
            Role::Operator => 1,
            Role::Admin => 2,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Operator => "operator",
            Role::Viewer => "viewer",
        }
    }
}

impl PartialOrd for Role {
    fn partial_cmp(&self, other: &Role) -> Option<std::cmp::Ordering> {
        Some(self.rank().cmp(&other.rank()))
    }
}

/// Whether `role` may call `path` at all (before looking at parameters). Used by `rc/list`.
pub fn may_call(role: Role, path: &str) -> bool {
    role == Role::Admin || route_for(role, path).is_ok()
}

/// The route of `path` for a non-admin `role`, or why it is refused.
fn route_for(role: Role, path: &str) -> Result<&'static routes::Route, Denied> {
    routes::find(path)
        .filter(|r| role >= r.role)
        .ok_or_else(|| Denied::Path {
            path: path.to_owned(),
            role: role.as_str(),
        })
}

/// The `_path` of a `job/batch` input, canonical and not a `job/*` call (its ids would be
/// rcd's) but `job/batch`; `None` when the input names no path as text.
fn input_path(input: &Map<String, Value>) -> Result<Option<&str>, Denied> {
    let Some(Value::String(p)) = input.get("_path") else {
        return Ok(None);
    };
    let path = crate::canonical::param_path(p)?;
    if path.starts_with("job/") && path != "job/batch" {
        return Err(Denied::JobInBatch { path: path.to_owned() });
    }
    Ok(Some(path))
}

/// Why a call was refused (shown to the caller in rclone's error shape, status 403).
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    #[error("{path} is not allowed for the {role} role")]
    Path { path: String, role: &'static str },
    #[error("_path {0}")]
    NotCanonical(#[from] crate::canonical::NotCanonical),
    #[error("parameter {key} names an inline or on-the-fly remote ({value:?}); only admins may use those")]
    Inline { key: String, value: String },
    #[error("remote {remote:?} (parameter {key}) is not among this user's remotes")]
    Remote { key: String, remote: String },
    #[error("parameter {key} ({value:?}) climbs out of its remote with '..'")]
    Escape { key: String, value: String },
    #[error("parameter {key} is not allowed in {path} for the {role} role")]
    UnknownKey {
        path: String,
        key: String,
        role: &'static str,
    },
    #[error("parameter {key} must be {expected}")]
    Type { key: String, expected: &'static str },
    #[error("{block} key {key:?} is not allowed for the {role} role (it names files, commands, secrets or changes the whole server)")]
    Option {
        block: String,
        key: String,
        role: &'static str,
    },
    #[error("{path} inside job/batch is not supported through rproxy (its job ids are rproxy's): call it directly")]
    JobInBatch { path: String },
    #[error("{path} cannot run inside job/batch for the {role} role: call it directly")]
    NotInBatch { path: String, role: &'static str },
    #[error("job/batch nested deeper than {0} levels")]
    TooDeep(usize),
    #[error("parameter {key} ({value:?}) must name one file: segments joined by single '/', none empty, '.' or '..', no control characters, no ']' in fs")]
    NotAFile { key: String, value: String },
    #[error("parameter {key} is missing")]
    Missing { key: &'static str },
    #[error("{path} with {key} changes a setting of the whole server (every user's transfers); only admins may")]
    ServerWide { path: String, key: &'static str },
}

/// A call that changes a setting of the whole server: the bandwidth limit (reading it is
/// fine). Returns the parameter that makes it a change.
fn server_wide(path: &str, params: &Map<String, Value>) -> Option<&'static str> {
    (path == "core/bwlimit" && params.get("rate").is_some_and(|r| !r.is_null())).then_some("rate")
}

/// Checks a call of `path` (canonical) with `params` by a user with `role` limited to
/// `remotes` (empty: all remotes).
pub fn check(role: Role, remotes: &[String], path: &str, params: &Map<String, Value>) -> Result<(), Denied> {
    let ctx = Ctx {
        role,
        remotes,
        path,
        depth: 0,
    };
    if role == Role::Admin {
        // admins may call anything; a batch's inputs must still be canonical and not job/*
        return if path == "job/batch" {
            check_admin_batch(params, 0)
        } else {
            Ok(())
        };
    }
    let route = route_for(role, path)?;
    if let Some(key) = server_wide(path, params) {
        return Err(Denied::ServerWide {
            path: path.to_owned(),
            key,
        });
    }
    check_object(&ctx, params, route.params, routes::COMMON, route.open)
}

/// rproxy's own file route (`rproxy/file`, one file's bytes): reading needs the viewer role,
/// writing the operator role. Its parameters are exactly `fs`, a configured remote the user
/// may use (for every role, admins too: the route builds rcd's `/[fs]/path` URL from it, so
/// no `]` either), and `remote`, a file's path (no empty, `.` or `..` segment, no control
/// character); nothing else (`_config`, `_async`, ... are refused).
pub fn check_file(role: Role, remotes: &[String], write: bool, params: &Map<String, Value>) -> Result<(), Denied> {
    let (path, need) = if write {
        ("rproxy/file (write)", Role::Operator)
    } else {
        ("rproxy/file (read)", Role::Viewer)
    };
    if role < need {
        return Err(Denied::Path {
            path: path.to_owned(),
            role: role.as_str(),
        });
    }
    // only these two: `_config` and `_filter`, which other calls may carry, are refused too
    if let Some(key) = params.keys().find(|k| *k != "fs" && *k != "remote") {
        return Err(Denied::UnknownKey {
            path: path.to_owned(),
            key: key.clone(),
            role: role.as_str(),
        });
    }
    let ctx = Ctx {
        role,
        remotes: if role == Role::Admin { &[] } else { remotes },
        path,
        depth: 0,
    };
    check_object(&ctx, params, routes::FS_REMOTE, &[], false)?;
    let text = |key: &'static str| match params.get(key) {
        Some(Value::String(s)) => Ok(s.as_str()),
        _ => Err(Denied::Missing { key }),
    };
    let (fs, remote) = (text("fs")?, text("remote")?);
    let not_a_file = |key: &str, value: &str| Denied::NotAFile {
        key: key.to_owned(),
        value: value.to_owned(),
    };
    if fs.contains(']') || fs.chars().any(char::is_control) {
        return Err(not_a_file("fs", fs));
    }
    let bad_segment = |s: &str| s.is_empty() || s == "." || s == "..";
    if remote.split('/').any(bad_segment) || remote.chars().any(char::is_control) {
        return Err(not_a_file("remote", remote));
    }
    Ok(())
}

/// One input of a `job/batch` (called from the `inputs` schema): a canonical `_path` the role
/// may call inside a batch, with that route's parameters.
pub(crate) fn check_input(outer: &Ctx, input: &Map<String, Value>) -> Result<(), Denied> {
    let depth = outer.depth + 1;
    if depth > MAX_BATCH_DEPTH {
        return Err(Denied::TooDeep(MAX_BATCH_DEPTH));
    }
    let path = input_path(input)?.ok_or_else(|| Denied::Type {
        key: "_path".into(),
        expected: "the call's path as text",
    })?;
    let role = outer.role;
    let route = route_for(role, path)?;
    if !route.batch {
        return Err(Denied::NotInBatch {
            path: path.to_owned(),
            role: role.as_str(),
        });
    }
    if let Some(key) = server_wide(path, input) {
        return Err(Denied::ServerWide {
            path: path.to_owned(),
            key,
        });
    }
    let ctx = Ctx {
        role,
        remotes: outer.remotes,
        path,
        depth,
    };
    check_object(&ctx, input, route.params, routes::IN_BATCH, route.open)
}

/// An admin's `job/batch`: every `_path` canonical, none a `job/*` call but `job/batch`.
fn check_admin_batch(params: &Map<String, Value>, depth: usize) -> Result<(), Denied> {
    if depth > MAX_BATCH_DEPTH {
        return Err(Denied::TooDeep(MAX_BATCH_DEPTH));
    }
    let Some(inputs) = params.get("inputs").and_then(Value::as_array) else {
        return Ok(());
    };
    for input in inputs.iter().filter_map(Value::as_object) {
        if input_path(input)? == Some("job/batch") {
            check_admin_batch(input, depth + 1)?;
        }
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
        for p in [
            "core/command",
            "config/dump",
            "config/create",
            "options/set",
            "backend/command",
            "serve/start",
            // serve/list returns every serve's parameters, passwords included
            "serve/list",
            "serve/stop",
            "mount/mount",
            "mount/unmount",
            "mount/listmounts",
            "mount/unmountall",
            "vfs/stats",
            "vfs/queue",
            "core/quit",
            "rc/panic",
            "debug/set-gc-percent",
        ] {
            assert!(check(Role::Operator, &[], p, &Map::new()).is_err(), "{p}");
            assert!(check(Role::Admin, &[], p, &Map::new()).is_ok(), "{p}");
        }
        assert!(check(Role::Operator, &[], "config/listremotes", &Map::new()).is_ok());
        assert!(check(
            Role::Operator,
            &[],
            "sync/copy",
            &params(json!({"srcFs": "a:x", "dstFs": "b:y"}))
        )
        .is_ok());
        assert!(check(Role::Viewer, &[], "sync/copy", &Map::new()).is_err());
        assert!(check(
            Role::Viewer,
            &[],
            "operations/list",
            &params(json!({"fs": "a:", "remote": ""}))
        )
        .is_ok());
    }

    #[test]
    fn inline_remotes_are_admin_only_at_any_depth() {
        for fs in [
            ":local:/etc",
            ":sftp,host=evil:",
            "a,opt=x:/",
            "/etc",
            "relative/path",
            "C:\\\\Windows",
            "x{abc}:",
        ] {
            let p = params(json!({ "fs": fs }));
            assert!(
                matches!(
                    check(Role::Operator, &[], "operations/list", &p),
                    Err(Denied::Inline { .. })
                ),
                "{fs}"
            );
            assert!(check(Role::Admin, &[], "operations/list", &p).is_ok());
        }
        let nested = params(
            json!({ "inputs": [ { "_path": "operations/list", "fs": "ok:" }, { "_path": "sync/copy", "srcFs": ":http,url='x':" } ] }),
        );
        assert!(matches!(
            check(Role::Operator, &[], "job/batch", &nested),
            Err(Denied::Inline { .. })
        ));
        let dst = params(json!({ "srcFs": "ok:", "dstFs": ":local:/tmp" }));
        assert!(check(Role::Operator, &[], "sync/copy", &dst).is_err());
    }

    #[test]
    fn batch_inputs_and_config_keys() {
        let sneaky =
            params(json!({ "inputs": [ { "_path": "rc/noop" }, { "_path": "core/command", "command": "ls" } ] }));
        assert!(
            matches!(check(Role::Operator, &[], "job/batch", &sneaky), Err(Denied::Path { ref path, .. }) if path == "core/command")
        );
        let nested =
            params(json!({ "inputs": [ { "_path": "job/batch", "inputs": [ { "_path": "config/dump" } ] } ] }));
        assert!(check(Role::Operator, &[], "job/batch", &nested).is_err());
        let job = params(json!({ "inputs": [ { "_path": "job/stop", "jobid": 1 } ] }));
        assert!(matches!(
            check(Role::Admin, &[], "job/batch", &job),
            Err(Denied::JobInBatch { .. })
        ));
        let fine = params(json!({ "inputs": [ { "_path": "operations/mkdir", "fs": "a:", "remote": "x" } ] }));
        assert!(check(Role::Operator, &[], "job/batch", &fine).is_ok());
        for cfg in [
            json!({ "PasswordCommand": ["sh", "-c", "id"] }),
            json!("{\"PasswordCommand\": \"id\"}"),
        ] {
            let p = params(json!({ "srcFs": "a:", "dstFs": "b:", "_config": cfg }));
            assert!(
                matches!(check(Role::Operator, &[], "sync/copy", &p), Err(Denied::Option { .. })),
                "{p:?}"
            );
            assert!(check(Role::Admin, &[], "sync/copy", &p).is_ok());
        }
        let ok = params(json!({ "srcFs": "a:", "dstFs": "b:", "_config": { "DryRun": true, "Transfers": 8 } }));
        assert!(check(Role::Operator, &[], "sync/copy", &ok).is_ok());
    }

    #[test]
    fn users_limited_to_their_remotes() {
        let mine = vec!["nas".to_owned()];
        assert!(check(
            Role::Operator,
            &mine,
            "operations/list",
            &params(json!({ "fs": "nas:/backup" }))
        )
        .is_ok());
        let err = check(
            Role::Operator,
            &mine,
            "sync/copy",
            &params(json!({ "srcFs": "nas:", "dstFs": "gdrive:x" })),
        )
        .unwrap_err();
        assert!(
            matches!(err, Denied::Remote { ref remote, .. } if remote == "gdrive"),
            "{err:?}"
        );
    }

    #[test]
    fn remotes_as_objects_and_paths_that_climb_are_refused() {
        let obj = params(json!({ "fs": { "type": "local", "_root": "/etc" }, "remote": "" }));
        assert!(matches!(
            check(Role::Viewer, &[], "operations/list", &obj),
            Err(Denied::Type { .. })
        ));
        let src = params(
            json!({ "srcFs": { "_name": "nas,ssh='id'", "_root": "" }, "srcRemote": "a", "dstFs": "nas:", "dstRemote": "a" }),
        );
        assert!(check(Role::Operator, &[], "operations/copyfile", &src).is_err());
        for (k, v) in [("remote", "../../etc"), ("remote", "a/../../b"), ("srcRemote", "..\\x")] {
            let mut p =
                params(json!({ "srcFs": "nas:", "srcRemote": "a", "dstFs": "nas:", "dstRemote": "a", "fs": "nas:" }));
            p.insert(k.into(), json!(v));
            let path = if k == "remote" {
                "operations/deletefile"
            } else {
                "operations/copyfile"
            };
            if k == "remote" {
                p.retain(|k, _| k == "fs" || k == "remote");
            } else {
                p.remove("fs");
            }
            assert!(
                matches!(check(Role::Operator, &[], path, &p), Err(Denied::Escape { .. })),
                "{k}={v}"
            );
        }
        assert!(matches!(
            check(
                Role::Operator,
                &[],
                "operations/list",
                &params(json!({ "fs": "nas:../x", "remote": "" }))
            ),
            Err(Denied::Escape { .. })
        ));
    }

    #[test]
    fn parameters_that_name_places_or_options_are_refused() {
        let base = || params(json!({ "path1": "nas:a", "path2": "nas:b" }));
        assert!(check(Role::Operator, &[], "sync/bisync", &base()).is_ok());
        for (k, v) in [
            ("workdir", json!("/tmp/x")),
            ("filtersFile", json!("/etc/passwd")),
            ("backupDir1", json!("nas:bak")),
            ("backupdir2", json!("nas:bak")),
            ("conflictSuffix", json!("/../x")),
            ("checkFilename", json!("../RCLONE_TEST")),
            ("checkFilename", json!("a/b")),
            ("path1", json!(":local:/")),
            ("maxDelete", json!(1000)),
        ] {
            let mut p = base();
            p.insert(k.into(), v.clone());
            assert!(check(Role::Operator, &[], "sync/bisync", &p).is_err(), "{k}={v}");
            assert!(check(Role::Admin, &[], "sync/bisync", &p).is_ok(), "{k}={v}");
        }
        // options given at the top level (rcd reads snake_case option names on every path)
        for key in [
            "backup_dir",
            "filter_from",
            "files_from",
            "metadata_mapper",
            "links",
            "dump",
            "compare_dest",
            "x_y",
        ] {
            let p = params(json!({ "srcFs": "nas:", "dstFs": "nas:b", key: "v" }));
            assert!(
                matches!(
                    check(Role::Operator, &[], "sync/copy", &p),
                    Err(Denied::UnknownKey { .. })
                ),
                "{key}"
            );
            let noop = params(json!({ key: "/etc/passwd" }));
            assert!(check(Role::Viewer, &[], "rc/noop", &noop).is_err(), "rc/noop {key}");
        }
        assert!(check(
            Role::Viewer,
            &[],
            "rc/noop",
            &params(json!({ "x": 1, "arg": ["a"], "opt": { "k": "v" } }))
        )
        .is_ok());
        // _config / _filter: object or JSON text, any ASCII case
        for cfg in [
            json!({ "BackupDir": "nas:x" }),
            json!({ "backupdir": "nas:x" }),
            json!("{\"BACKUPDIR\": \"nas:x\"}"),
        ] {
            let p = params(json!({ "srcFs": "nas:", "dstFs": "nas:b", "_config": cfg }));
            assert!(
                matches!(check(Role::Operator, &[], "sync/copy", &p), Err(Denied::Option { .. })),
                "{p:?}"
            );
        }
        let filter = params(json!({ "fs": "nas:", "remote": "", "_filter": { "FilesFrom": ["/etc/hostname"] } }));
        assert!(check(Role::Viewer, &[], "operations/list", &filter).is_err());
        // unknown paths and keys
        assert!(matches!(
            check(Role::Operator, &[], "core/stats-reset", &Map::new()),
            Err(Denied::Path { .. })
        ));
        assert!(matches!(
            check(Role::Operator, &[], "operations/copyurl", &Map::new()),
            Err(Denied::Path { .. })
        ));
        assert!(matches!(
            check(Role::Operator, &[], "fscache/clear", &Map::new()),
            Err(Denied::Path { .. })
        ));
        assert!(matches!(
            check(Role::Operator, &[], "core/group-list", &Map::new()),
            Err(Denied::Path { .. })
        ));
        assert!(matches!(
            check(
                Role::Viewer,
                &[],
                "operations/list",
                &params(json!({ "fs": "nas:", "url": "x" }))
            ),
            Err(Denied::UnknownKey { .. })
        ));
        assert!(matches!(
            check(Role::Operator, &[], "core/bwlimit", &params(json!({ "rate": "1k" }))),
            Err(Denied::ServerWide { .. })
        ));
        assert!(check(Role::Operator, &[], "core/bwlimit", &Map::new()).is_ok());
    }

    #[test]
    fn batch_inputs_are_judged_like_calls() {
        let cases = [
            json!({ "inputs": [ { "_path": "/core/command", "command": "ls" } ] }),
            json!({ "inputs": [ { "_path": "core/command/.", "command": "ls" } ] }),
            json!({ "inputs": [ { "_path": "core/stats", "group": "job/1" } ] }),
            json!({ "inputs": [ { "_path": "core/transferred" } ] }),
            json!({ "inputs": [ { "_path": "operations/list", "fs": "nas:", "remote": "", "_async": true } ] }),
            json!({ "inputs": [ { "_path": "operations/list", "fs": "nas:", "remote": "", "_group": "job/7" } ] }),
            json!({ "inputs": [ { "_path": "operations/list", "fs": { "type": "local" }, "remote": "" } ] }),
            json!({ "inputs": "[]" }),
            json!({ "inputs": [], "concurrency": 100000 }),
            json!({ "inputs": [ { "_path": "job/batch", "inputs": [ { "_path": "job/batch", "inputs": [ { "_path": "job/batch", "inputs": [ { "_path": "job/batch", "inputs": [] } ] } ] } ] } ] }),
        ];
        for c in cases {
            assert!(
                check(Role::Operator, &[], "job/batch", &params(c.clone())).is_err(),
                "{c}"
            );
        }
        let fine = params(
            json!({ "inputs": [ { "_path": "operations/list", "fs": "nas:", "remote": "", "_filter": { "IncludeRule": ["*.txt"] } } ], "concurrency": 4 }),
        );
        assert!(check(Role::Operator, &[], "job/batch", &fine).is_ok());
        assert!(
            check(
                Role::Admin,
                &[],
                "job/batch",
                &params(json!({ "inputs": [ { "_path": "core/command/." } ] }))
            )
            .is_err(),
            "admins too: canonical _path"
        );
    }
}
