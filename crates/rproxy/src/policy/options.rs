//! `_config` and `_filter`: rclone's per-call global options. rclone reads either as a JSON
//! object or as a JSON text of one, and matches their keys case-insensitively (Go's JSON
//! decoder; the option names in snake_case too). Many options name files to read or write
//! (`BackupDir`, `CompareDest`, `FilesFrom`, `FilterFrom`, `CaCert`, `LogFile`, ...), run
//! commands (`PasswordCommand`, `MetadataMapper`), send secrets elsewhere (`Dump`, `Headers`)
//! or change the whole server (`TPSLimit`, `LogLevel`): non-admins get an allow-list of
//! speed, comparison and filter-rule options only.

use serde_json::{Map, Value};

use super::{Denied, Role};

/// `_config` keys a non-admin may set: rclone's `fs.ConfigInfo` Go field names (a block
/// takes only those; rclone ignores snake_case names there), compared in ASCII lower case.
/// Each changes how this one call compares or transfers, never where data goes, which local
/// files are read, which programs run, what is logged or how much memory the server gives.
const CONFIG: &[&str] = &[
    "Transfers",
    "Checkers",
    "DryRun",
    "CheckSum",
    "SizeOnly",
    "IgnoreTimes",
    "IgnoreExisting",
    "IgnoreErrors",
    "ModifyWindow",
    "ConnectTimeout",
    "Timeout",
    "ExpectContinueTimeout",
    "DeleteMode",
    "MaxDelete",
    "MaxDeleteSize",
    "TrackRenames",
    "TrackRenamesStrategy",
    "Retries",
    "RetriesInterval",
    "LowLevelRetries",
    "UpdateOlder",
    "NoGzip",
    "MaxDepth",
    "IgnoreSize",
    "IgnoreChecksum",
    "IgnoreCaseSync",
    "FixCase",
    "NoTraverse",
    "CheckFirst",
    "NoCheckDest",
    "NoUnicodeNormalization",
    "NoUpdateModTime",
    "NoUpdateDirModTime",
    "SuffixKeepExtension",
    "Immutable",
    "UseServerModTime",
    "MaxTransfer",
    "MaxDuration",
    "CutoffMode",
    "ErrorOnNoTransfer",
    "MultiThreadCutoff",
    "MultiThreadStreams",
    "OrderBy",
    "RefreshTimes",
    "HumanReadable",
    "Inplace",
];

/// Numeric `_config` options with the largest value a non-admin may give (each unit costs the
/// server a goroutine, a connection or a retry loop).
const CONFIG_MAX: &[(&str, f64)] = &[
    ("Transfers", 64.0),
    ("Checkers", 64.0),
    ("MultiThreadStreams", 64.0),
    ("Retries", 100.0),
    ("LowLevelRetries", 100.0),
];

/// `_filter` keys a non-admin may set (rclone's `filter.Options`): rules given inline and
/// limits; never the `*From`/`*FromRaw`/`FilesFrom0` options that read a file of the server
/// (whose first line an error would show), nor nested `MetaRules`.
const FILTER: &[&str] = &[
    "FilterRule",
    "IncludeRule",
    "ExcludeRule",
    "MinAge",
    "MaxAge",
    "MinSize",
    "MaxSize",
    "IgnoreCase",
    "DeleteExcluded",
    "HashFilter",
];

/// rclone's option names (`fs.ConfigInfo` and `filter.Options`, snake_case), which rcd takes
/// as options when they appear as top-level keys of *any* call. None is in a route's schema;
/// calls that accept any key (`rc/noop`) refuse these, and any key with `_`.
const FLAT_OPTIONS: &[&str] = &[
    "dump",
    "links",
    "checksum",
    "update",
    "timeout",
    "contimeout",
    "checkers",
    "transfers",
    "retries",
    "suffix",
    "disable",
    "immutable",
    "progress",
    "metadata",
    "inplace",
    "color",
    "filter",
    "exclude",
    "include",
    "interactive",
    "bwlimit",
    "tpslimit",
    "headers",
    "cookie",
    "fast_list",
    "max_depth",
];

/// Whether `key` may be an rclone option when given at the top level of a call.
pub fn is_flat_option(key: &str) -> bool {
    key.contains('_') || FLAT_OPTIONS.contains(&key)
}

/// Checks `_config` or `_filter` (`block`) for `role`: admins may set anything; others only
/// allowed keys, each with a plain value or a list of texts.
pub fn check(role: Role, block: &str, value: &Value) -> Result<(), Denied> {
    if role == Role::Admin {
        return Ok(());
    }
    let refuse = |key: &str| Denied::Option {
        block: block.to_owned(),
        key: key.to_owned(),
        role: role.as_str(),
    };
    let parsed;
    let map: &Map<String, Value> = match value {
        Value::Object(m) => m,
        Value::String(s) => match serde_json::from_str::<Value>(s) {
            Ok(Value::Object(m)) => {
                parsed = m;
                &parsed
            }
            _ => {
                return Err(Denied::Type {
                    key: block.to_owned(),
                    expected: "an object of options (or its JSON text)",
                })
            }
        },
        _ => {
            return Err(Denied::Type {
                key: block.to_owned(),
                expected: "an object of options (or its JSON text)",
            })
        }
    };
    let allowed: &[&str] = if block == "_config" { CONFIG } else { FILTER };
    for (key, v) in map {
        // Go's decoder folds Unicode case (`K` for k): only plain ASCII names can be judged
        if !key.is_ascii() || !allowed.iter().any(|a| a.eq_ignore_ascii_case(key)) {
            return Err(refuse(key));
        }
        let limit = CONFIG_MAX
            .iter()
            .find(|(k, _)| block == "_config" && k.eq_ignore_ascii_case(key))
            .map(|(_, max)| *max);
        if let (Some(max), Some(n)) = (limit, v.as_f64()) {
            if n > max {
                return Err(Denied::Type {
                    key: format!("{block}.{key}"),
                    expected: "a number within the server's limit (64 transfers, checkers or streams; 100 retries)",
                });
            }
        }
        let plain = match v {
            Value::Bool(_) | Value::Number(_) | Value::String(_) | Value::Null => true,
            Value::Array(items) => items.iter().all(Value::is_string),
            Value::Object(_) => false,
        };
        if !plain {
            return Err(Denied::Type {
                key: format!("{block}.{key}"),
                expected: "a plain value",
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_allowed_keys_in_either_shape_and_any_case() {
        for ok in [
            json!({ "DryRun": true, "Transfers": 8 }),
            json!("{\"dryrun\": true}"),
            json!({ "checkers": 4 }),
        ] {
            assert!(check(Role::Operator, "_config", &ok).is_ok(), "{ok}");
        }
        for bad in [
            json!({ "PasswordCommand": ["sh"] }),
            json!({ "backupdir": "x:" }),
            json!({ "BACKUPDIR": "x:" }),
            json!({ "BacKupDir": "x:" }),
            json!("{\"CompareDest\": \"x:\"}"),
            json!({ "MetadataMapper": ["sh"] }),
            json!({ "Transfers": { "x": 1 } }),
            json!({ "NoCheckCertificate": true }),
            json!({ "InsecureSkipVerify": true }),
            json!({ "Links": true }),
            json!({ "Interactive": true }),
            json!({ "Transfers": 100000 }),
            json!({ "ſuffix": "/x" }),
            json!({ "MetadataSet": { "mode": "4755" } }),
            json!(["DryRun"]),
            json!("not json"),
        ] {
            assert!(check(Role::Operator, "_config", &bad).is_err(), "{bad}");
            assert!(check(Role::Admin, "_config", &bad).is_ok(), "{bad}");
        }
        assert!(check(
            Role::Viewer,
            "_filter",
            &json!({ "IncludeRule": ["*.txt"], "MaxAge": "1d" })
        )
        .is_ok());
        for bad in [
            "FilesFrom",
            "filesfromraw",
            "FilesFrom0",
            "FilterFrom",
            "IncludeFrom",
            "ExcludeFrom",
            "ExcludeFile",
            "MetaRules",
        ] {
            assert!(
                check(Role::Operator, "_filter", &json!({ bad: ["/etc/passwd"] })).is_err(),
                "{bad}"
            );
        }
    }
}

#[cfg(test)]
mod flat {
    #[test]
    fn option_names_are_recognised() {
        for k in ["filter_from", "backup_dir", "metadata_mapper", "links", "dump", "x_y"] {
            assert!(super::is_flat_option(k), "{k}");
        }
        for k in ["x", "k", "arg", "opt", "first"] {
            assert!(!super::is_flat_option(k), "{k}");
        }
    }
}
