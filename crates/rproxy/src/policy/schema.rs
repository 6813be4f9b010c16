//! Typed parameters: what each key of an allowed call may hold. rclone reads some values in
//! more than one shape (an fs as a string *or* a JSON object of backend options, `_config`
//! as an object *or* a JSON string), so every kind says which shapes it takes; anything
//! else is refused before it reaches rcd.

use serde_json::{Map, Value};

use super::{options, Denied};

/// The shape and meaning of one parameter.
#[derive(Clone, Copy, Debug)]
pub enum Kind {
    /// A string `name:path` naming one of the user's configured remotes; never an object,
    /// never an inline or on-the-fly remote, its path never climbing out with `..`.
    Fs,
    /// A path inside a remote: a string with no `..` segment and no NUL.
    Path,
    /// Paths inside a remote: an array of [`Kind::Path`] strings, or one comma-separated string.
    Paths,
    /// A scalar rclone reads as a bool (also `"true"`), a number or a plain string.
    Scalar,
    /// A whole number (or its text) from 0 to the given maximum.
    Int(i64),
    /// A file name: a [`Kind::Path`] of one segment (no `/` or `\`).
    Name,
    /// An array of plain strings (or one string).
    Texts,
    /// A nested object (or JSON text of one) with its own keys.
    Opt(&'static [(&'static str, Kind)]),
    /// `job/batch` inputs: each a call of its own, judged by the route table.
    Inputs,
    /// Per-file conflict choices of a batch: an object (or JSON text of one) of at most
    /// [`MAX_BATCH_INPUTS`] keys, each a [`Kind::Path`], each value `update`, `overwrite` or
    /// `skip`.
    Choices,
    /// A sync's per-file directions: an object (or JSON text of one) of at most
    /// [`MAX_BATCH_INPUTS`] keys, each a [`Kind::Path`], each value `right`, `left`, `skip`,
    /// `delete_right` or `delete_left`.
    Directions,
    /// Any value: for calls that act on nothing (`rc/noop` echoes its input).
    Any,
}

/// Checks every key of `params` against `schema` (plus the keys every call may carry,
/// `common`); with `open`, keys not in the schema take any value (`rc/noop`).
pub fn check_object(
    ctx: &Ctx,
    params: &Map<String, Value>,
    schema: &[(&str, Kind)],
    common: &[(&str, Kind)],
    open: bool,
) -> Result<(), Denied> {
    for (key, value) in params {
        let kind = schema
            .iter()
            .chain(common)
            .find(|(k, _)| k == key)
            .map(|(_, kind)| *kind);
        match kind {
            Some(kind) => check_value(ctx, key, value, kind)?,
            None if key == "_config" || key == "_filter" => options::check(ctx.role, key, value)?,
            None if open && !key.starts_with('_') && !options::is_flat_option(key) => {}
            None => {
                return Err(Denied::UnknownKey {
                    path: ctx.path.to_owned(),
                    key: key.clone(),
                    role: ctx.role.as_str(),
                })
            }
        }
    }
    Ok(())
}

/// What a check needs besides the value: who asks, for which call, and the remotes the user
/// may use (empty: all).
pub struct Ctx<'a> {
    pub role: super::Role,
    pub remotes: &'a [String],
    pub path: &'a str,
    /// How deep in nested `job/batch` inputs this is.
    pub depth: usize,
}

/// Deepest `job/batch` nesting accepted.
pub const MAX_BATCH_DEPTH: usize = 3;
/// Most inputs of one `job/batch`.
pub const MAX_BATCH_INPUTS: usize = 10_000;

fn check_value(ctx: &Ctx, key: &str, value: &Value, kind: Kind) -> Result<(), Denied> {
    let wrong = |expected: &'static str| Denied::Type {
        key: key.to_owned(),
        expected,
    };
    match kind {
        Kind::Fs => match value {
            Value::String(s) => check_fs(key, s, ctx.remotes),
            _ => Err(wrong(
                "a remote as text (name:path); backend options as an object are for admins",
            )),
        },
        Kind::Path => match value {
            Value::String(s) => check_path(key, s),
            _ => Err(wrong("a path as text")),
        },
        Kind::Paths => match value {
            Value::String(s) => s.split(',').try_for_each(|p| check_path(key, p)),
            Value::Array(items) => items.iter().try_for_each(|i| match i {
                Value::String(s) => check_path(key, s),
                _ => Err(wrong("paths as text")),
            }),
            _ => Err(wrong("a list of paths")),
        },
        Kind::Scalar => match value {
            Value::Bool(_) | Value::Number(_) | Value::String(_) | Value::Null => Ok(()),
            _ => Err(wrong("a plain value (text, number or true/false)")),
        },
        Kind::Int(max) => {
            let n = match value {
                Value::Number(n) => n.as_f64(),
                Value::String(s) => s.trim().parse::<f64>().ok(),
                _ => None,
            };
            match n {
                Some(n) if (0.0..=max as f64).contains(&n) => Ok(()),
                _ => Err(Denied::Type {
                    key: key.to_owned(),
                    expected: "a whole number within the server's limit",
                }),
            }
        }
        Kind::Name => match value {
            Value::String(s) if !s.contains(['/', '\\']) => check_path(key, s),
            _ => Err(wrong("a file name (no '/' or '\\')")),
        },
        Kind::Texts => match value {
            Value::String(_) => Ok(()),
            Value::Array(items) if items.iter().all(Value::is_string) => Ok(()),
            _ => Err(wrong("a list of texts")),
        },
        Kind::Opt(schema) => {
            let obj = object_or_text(value).ok_or_else(|| wrong("an object of options"))?;
            let obj = obj.as_ref();
            check_object(ctx, obj, schema, &[], false).map_err(|e| match e {
                Denied::UnknownKey { path, key: inner, role } => Denied::UnknownKey {
                    path,
                    key: format!("{key}.{inner}"),
                    role,
                },
                other => other,
            })
        }
        Kind::Choices => {
            let obj =
                object_or_text(value).ok_or_else(|| wrong("an object of path: update | overwrite | skip | rename"))?;
            let obj = obj.as_ref();
            if obj.len() > MAX_BATCH_INPUTS {
                return Err(wrong("at most 10,000 choices"));
            }
            obj.iter().try_for_each(|(path, choice)| {
                check_path(key, path)?;
                match choice.as_str().and_then(rcmd_core::types::ConflictPolicy::parse) {
                    Some(_) => Ok(()),
                    None => Err(wrong("choices of update, overwrite, skip or rename")),
                }
            })
        }
        Kind::Directions => {
            let obj = object_or_text(value)
                .ok_or_else(|| wrong("an object of path: right | left | skip | delete_right | delete_left"))?;
            let obj = obj.as_ref();
            if obj.len() > MAX_BATCH_INPUTS {
                return Err(wrong("at most 10,000 directions"));
            }
            obj.iter().try_for_each(|(path, d)| {
                check_path(key, path)?;
                match d.as_str().and_then(rcmd_core::types::Direction::parse) {
                    Some(_) => Ok(()),
                    None => Err(wrong("directions of right, left, skip, delete_right or delete_left")),
                }
            })
        }
        Kind::Inputs => match value {
            Value::Array(items) if items.len() > MAX_BATCH_INPUTS => Err(wrong("at most 10,000 calls")),
            Value::Array(items) => items.iter().try_for_each(|input| match input {
                Value::Object(o) => super::check_input(ctx, o),
                _ => Err(wrong("a list of calls (objects with _path)")),
            }),
            _ => Err(wrong("a list of calls (objects with _path)")),
        },
        Kind::Any => Ok(()),
    }
}

/// An object given as JSON or as the JSON text of one (rclone reads both); `None` otherwise.
pub(crate) fn object_or_text(value: &Value) -> Option<std::borrow::Cow<'_, Map<String, Value>>> {
    match value {
        Value::Object(o) => Some(std::borrow::Cow::Borrowed(o)),
        Value::String(s) => match serde_json::from_str::<Value>(s) {
            Ok(Value::Object(o)) => Some(std::borrow::Cow::Owned(o)),
            _ => None,
        },
        _ => None,
    }
}

/// A path inside a remote: no `..` segment (by `/` or `\`: the alias, union and local
/// backends join it onto their root with a cleaning join, which would climb out), no NUL.
pub fn check_path(key: &str, path: &str) -> Result<(), Denied> {
    let climbs = path.split(['/', '\\']).any(|seg| seg == "..");
    if climbs || path.contains('\0') {
        return Err(Denied::Escape {
            key: key.to_owned(),
            value: path.to_owned(),
        });
    }
    Ok(())
}

/// A configured remote (`name:path`) the user may use. `:backend:...`, `name,opt=x:...`,
/// `name{...}:...`, a bare local path and a drive letter are inline remotes (admins only).
pub fn check_fs(key: &str, value: &str, remotes: &[String]) -> Result<(), Denied> {
    let inline = || Denied::Inline {
        key: key.to_owned(),
        value: value.to_owned(),
    };
    let Some((name, path)) = value.split_once(':') else {
        return Err(inline());
    };
    let name_ok = !name.is_empty()
        && !name.starts_with(['-', ' '])
        && !name.ends_with(' ')
        && name.chars().all(|c| c.is_alphanumeric() || "_.+@ -".contains(c));
    // a one-letter name is a drive to rclone on Windows (`C:x`), and `C:\x` is a local path
    // written for Windows wherever the server runs
    let drive = name.chars().count() == 1 && (cfg!(windows) || path.starts_with(['\\', '/']));
    if !name_ok || drive {
        return Err(inline());
    }
    if !remotes.is_empty() && !remotes.iter().any(|r| r == name) {
        return Err(Denied::Remote {
            key: key.to_owned(),
            remote: name.to_owned(),
        });
    }
    check_path(key, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remotes_and_paths() {
        for ok in [
            "nas:",
            "nas:/x",
            "my remote:a/b",
            "b2-bucket.x:dir/..x/y..",
            "드라이브:사진",
        ] {
            assert!(check_fs("fs", ok, &[]).is_ok(), "{ok}");
        }
        for bad in [
            ":local:/",
            "nas,x=y:",
            "nas{a}:",
            "/etc",
            "C:\\x",
            "c:/x",
            "nas:../etc",
            "nas:a/../../b",
            "nas:a\\..\\b",
            " nas:",
            "-x:",
            "a\"b:",
        ] {
            assert!(check_fs("fs", bad, &[]).is_err(), "{bad}");
        }
        assert!(matches!(
            check_fs("fs", "other:", &["nas".into()]),
            Err(Denied::Remote { .. })
        ));
        assert!(check_path("remote", "a/..b/c..").is_ok());
        assert!(check_path("remote", "..").is_err());
        assert!(check_path("remote", "a\0b").is_err());
    }
}
