//! A request's RC parameters, merged exactly as rclone's rcserver merges them
//! (`fs/rc/rcserver/rcserver.go` `handlePost`): the URL query, or for a form body the form
//! and URL values (the last value of a repeated key wins); then a JSON body's keys on top;
//! `Prefer: respond-async` sets `_async`.

use serde_json::{Map, Value};

/// Why a request's parameters could not be read, with rcd's own texts.
#[derive(Debug, thiserror::Error)]
pub enum ParamsError {
    #[error("failed to parse Content-Type: {0}")]
    ContentType(String),
    #[error("unsupported charset {0:?} for JSON input")]
    Charset(String),
    #[error("failed to read input JSON: {0}")]
    Json(String),
}

/// The merged parameters and whether the caller asked for an async reply.
#[derive(Debug)]
pub struct Params {
    pub values: Map<String, Value>,
    /// `Prefer: respond-async` was sent (the reply is then 202 + `Preference-Applied`).
    pub prefer_async: bool,
}

/// Merges `query` (raw query string), `content_type`, `body` and the `Prefer` header.
pub fn merge(
    query: Option<&str>,
    content_type: Option<&str>,
    body: &[u8],
    prefer: Option<&str>,
) -> Result<Params, ParamsError> {
    let (media, charset) = match content_type.map(str::trim).filter(|c| !c.is_empty()) {
        Some(ct) => parse_media_type(ct)?,
        None => (String::new(), None),
    };
    let mut values = Map::new();
    let mut put = |pairs: Vec<(String, String)>| {
        for (k, v) in pairs {
            values.insert(k, Value::String(v));
        }
    };
    put(form_pairs(query.unwrap_or("")));
    if media == "application/x-www-form-urlencoded" {
        put(form_pairs(&String::from_utf8_lossy(body)));
    }
    if media == "application/json" {
        if let Some(cs) = charset.filter(|c| !c.eq_ignore_ascii_case("utf-8")) {
            return Err(ParamsError::Charset(cs));
        }
        // rclone decodes one JSON value into the map: an empty body is "EOF"
        if body.iter().all(u8::is_ascii_whitespace) {
            return Err(ParamsError::Json("EOF".into()));
        }
        match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(obj)) => values.extend(obj),
            Ok(other) => {
                return Err(ParamsError::Json(format!(
                    "json: cannot unmarshal {} into Go value of type rc.Params",
                    go_kind(&other)
                )))
            }
            Err(e) => return Err(ParamsError::Json(go_json_error(&e, body))),
        }
    }
    let prefer_async = prefer.is_some_and(|p| p.split(',').any(|x| x.trim().eq_ignore_ascii_case("respond-async")));
    if prefer_async {
        values.insert("_async".into(), Value::Bool(true));
    }
    Ok(Params { values, prefer_async })
}

/// serde's parse error in the words of Go's decoder, which rcd reports: a truncated body is
/// "unexpected EOF", a stray character "invalid character 'x' looking for beginning of value".
fn go_json_error(e: &serde_json::Error, body: &[u8]) -> String {
    if e.is_eof() {
        return "unexpected EOF".into();
    }
    let msg = e.to_string();
    if msg.starts_with("expected value") {
        // serde's column is 1-based and counts characters on the line
        let line = String::from_utf8_lossy(body)
            .lines()
            .nth(e.line().saturating_sub(1))
            .map(str::to_owned)
            .unwrap_or_default();
        if let Some(c) = line.chars().nth(e.column().saturating_sub(1)) {
            return format!("invalid character '{c}' looking for beginning of value");
        }
    }
    msg
}

fn go_kind(v: &Value) -> &'static str {
    match v {
        Value::Array(_) => "array",
        Value::String(_) => "string",
        Value::Number(_) => "number",
        Value::Bool(_) => "bool",
        _ => "null",
    }
}

fn parse_media_type(ct: &str) -> Result<(String, Option<String>), ParamsError> {
    let mut parts = ct.split(';');
    let media = parts.next().unwrap_or("").trim().to_ascii_lowercase();
    if media.is_empty() || !media.contains('/') {
        return Err(ParamsError::ContentType("mime: no media type".into()));
    }
    let charset = parts
        .filter_map(|p| p.split_once('='))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("charset"))
        .map(|(_, v)| v.trim().trim_matches('"').to_owned());
    Ok((media, charset))
}

/// `a=1&b=x%20y` → pairs, in order (a later duplicate wins when inserted).
fn form_pairs(s: &str) -> Vec<(String, String)> {
    url::form_urlencoded::parse(s.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    #[test]
    fn merged_like_rcserver() {
        let p = merge(
            Some("x=1&y=a&y=b"),
            Some("application/json"),
            br#"{"y": 2, "z": [1]}"#,
            None,
        )
        .unwrap();
        assert_eq!(Value::Object(p.values), json!({ "x": "1", "y": 2, "z": [1] }));
        let p = merge(
            Some("x=1"),
            Some("application/x-www-form-urlencoded"),
            b"x=2&f=a%20b",
            Some("respond-async"),
        )
        .unwrap();
        assert_eq!(Value::Object(p.values), json!({ "x": "2", "f": "a b", "_async": true }));
        assert!(p.prefer_async);
        assert_eq!(
            merge(None, Some("application/json"), b"{\"a\": ", None)
                .unwrap_err()
                .to_string(),
            "failed to read input JSON: unexpected EOF"
        );
        assert_eq!(
            merge(None, Some("application/json"), b"{\"a\": x}", None)
                .unwrap_err()
                .to_string(),
            "failed to read input JSON: invalid character 'x' looking for beginning of value"
        );
        assert_eq!(
            merge(None, Some("application/json"), b"", None)
                .unwrap_err()
                .to_string(),
            "failed to read input JSON: EOF"
        );
        assert!(matches!(
            merge(None, Some("application/json; charset=latin1"), b"{}", None),
            Err(ParamsError::Charset(_))
        ));
    }
}
