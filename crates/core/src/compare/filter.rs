//! A [`FilterSpec`] as rclone's per-call `_filter`: checked before anything runs, so a typo
//! is a clear error and never a filter that silently covers everything.

use rcmd_types::FilterSpec;
use serde_json::{json, Map, Value};

/// The folder the engine's backups go to, never compared, copied or deleted.
pub const BACKUP_FOLDER: &str = ".rcmd-backup";

/// Why a filter was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FilterError {
    #[error("filter: {field} {value:?} is not a size (examples: 100k, 10M, 1G)")]
    Size { field: &'static str, value: String },
    #[error("filter: {field} {value:?} is not an age (examples: 30m, 12h, 2d, 1w, 1y)")]
    Age { field: &'static str, value: String },
    #[error("filter: the pattern {0:?} is empty or has a line break")]
    Pattern(String),
    #[error("filter: exclude-if-present needs a file name without a slash, not {0:?}")]
    MarkerName(String),
}

/// Checks `spec` and turns it into `_filter`'s value. Every filter excludes the backup folder
/// at the root.
pub fn to_rclone(spec: &FilterSpec) -> Result<Value, FilterError> {
    let mut f = Map::new();
    for p in spec.exclude.iter().chain(&spec.include) {
        if p.trim().is_empty() || p.contains(['\n', '\r']) {
            return Err(FilterError::Pattern(p.clone()));
        }
    }
    // one ordered rule list (rclone reads --include before --exclude when both are given):
    // the backups, then the excludes, then the includes and "nothing else"
    let mut rules = vec![format!("- /{BACKUP_FOLDER}/**")];
    rules.extend(spec.exclude.iter().map(|p| format!("- {p}")));
    rules.extend(spec.include.iter().map(|p| format!("+ {p}")));
    if !spec.include.is_empty() {
        rules.push("- **".into());
    }
    f.insert("FilterRule".into(), json!(rules));
    for (field, key, value) in [
        ("min-size", "MinSize", &spec.min_size),
        ("max-size", "MaxSize", &spec.max_size),
    ] {
        if let Some(v) = value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
            if !is_size(v) {
                return Err(FilterError::Size {
                    field,
                    value: v.to_owned(),
                });
            }
            f.insert(key.into(), json!(v));
        }
    }
    for (field, key, value) in [
        ("min-age", "MinAge", &spec.min_age),
        ("max-age", "MaxAge", &spec.max_age),
    ] {
        if let Some(v) = value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
            if !is_age(v) {
                return Err(FilterError::Age {
                    field,
                    value: v.to_owned(),
                });
            }
            f.insert(key.into(), json!(v));
        }
    }
    if let Some(m) = spec
        .exclude_if_present
        .as_deref()
        .map(str::trim)
        .filter(|m| !m.is_empty())
    {
        if m.contains(['/', '\\', '\n', '\r']) || m == "." || m == ".." {
            return Err(FilterError::MarkerName(m.to_owned()));
        }
        f.insert("ExcludeFile".into(), json!([m]));
    }
    Ok(Value::Object(f))
}

/// rclone's SizeSuffix: a number with an optional unit (b, k, M, G, T, P, with an optional
/// trailing "i" / "iB" / "B").
pub(crate) fn is_size(v: &str) -> bool {
    let digits = v.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let unit = &v[digits.len()..];
    let number_ok = !digits.is_empty() && digits.parse::<f64>().map(|n| n >= 0.0).unwrap_or(false);
    let unit_ok = matches!(
        unit.to_ascii_lowercase().as_str(),
        "" | "b"
            | "k"
            | "m"
            | "g"
            | "t"
            | "p"
            | "ki"
            | "mi"
            | "gi"
            | "ti"
            | "pi"
            | "kib"
            | "mib"
            | "gib"
            | "tib"
            | "pib"
            | "kb"
            | "mb"
            | "gb"
            | "tb"
            | "pb"
    );
    number_ok && unit_ok
}

/// rclone's Duration for ages: numbers each with a unit (ms, s, m, h, d, w, M, y), e.g.
/// `1d12h`; a plain number is seconds.
fn is_age(v: &str) -> bool {
    if v.parse::<f64>().is_ok_and(|n| n >= 0.0) {
        return true;
    }
    let mut rest = v;
    let mut parts = 0;
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if num_len == 0 || rest[..num_len].parse::<f64>().is_err() {
            return false;
        }
        rest = &rest[num_len..];
        let unit = ["ms", "s", "m", "h", "d", "w", "M", "y"]
            .into_iter()
            .find(|u| rest.starts_with(u));
        match unit {
            Some(u) => rest = &rest[u.len()..],
            None => return false,
        }
        parts += 1;
    }
    parts > 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_ages_are_checked_before_rclone_sees_them() {
        for ok in ["0", "100", "100k", "1.5M", "10G", "2Ki", "3MiB", "7b"] {
            assert!(is_size(ok), "{ok}");
        }
        for bad in ["", "k", "-1", "10 M", "10X", "abc", "1e", "M10"] {
            assert!(!is_size(bad), "{bad}");
        }
        for ok in ["30", "30s", "2d", "1d12h", "1.5h", "1w", "3M", "1y", "250ms"] {
            assert!(is_age(ok), "{ok}");
        }
        for bad in ["", "d", "2 d", "2x", "-1d", "1d-2h", "yesterday"] {
            assert!(!is_age(bad), "{bad}");
        }
    }

    #[test]
    fn a_filter_becomes_rclone_rules_and_always_leaves_out_the_backups() {
        let spec = FilterSpec {
            include: vec!["*.jpg".into()],
            exclude: vec!["tmp/**".into()],
            min_size: Some("1k".into()),
            max_size: None,
            min_age: None,
            max_age: Some("2d".into()),
            exclude_if_present: Some(".nosync".into()),
        };
        let v = to_rclone(&spec).unwrap();
        assert_eq!(
            v["FilterRule"],
            json!(["- /.rcmd-backup/**", "- tmp/**", "+ *.jpg", "- **"])
        );
        assert_eq!(v["MinSize"], json!("1k"));
        assert_eq!(v["MaxAge"], json!("2d"));
        assert_eq!(v["ExcludeFile"], json!([".nosync"]));
        assert!(v.get("MaxSize").is_none());
        let empty = to_rclone(&FilterSpec::default()).unwrap();
        assert_eq!(empty, json!({ "FilterRule": ["- /.rcmd-backup/**"] }));
        let bad = FilterSpec {
            min_size: Some("ten".into()),
            ..FilterSpec::default()
        };
        assert!(matches!(to_rclone(&bad), Err(FilterError::Size { .. })));
        let bad = FilterSpec {
            exclude_if_present: Some("a/b".into()),
            ..FilterSpec::default()
        };
        assert!(matches!(to_rclone(&bad), Err(FilterError::MarkerName(_))));
        let bad = FilterSpec {
            include: vec!["a\nb".into()],
            ..FilterSpec::default()
        };
        assert!(matches!(to_rclone(&bad), Err(FilterError::Pattern(_))));
    }
}
