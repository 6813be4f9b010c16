//! The path field (Ctrl+L): what a typed place means and what it can be completed with.
//! `remote:path` as everywhere; on this computer also `/path` and `~/path` for the local disk.

/// The local disk's remote, as the panes name it.
const LOCAL: &str = ":local";

/// What the text typed so far asks to complete.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Want {
    /// A remote's name starting with this.
    Remote(String),
    /// A folder of `parent` (a spec) whose name starts with `partial`; `typed` is the text up
    /// to and with the last `/` (or `:`), which each completion keeps.
    Folder {
        parent: String,
        partial: String,
        typed: String,
    },
}

/// The spec (`remote:path`) of the typed text; `None` when it names no place: no remote, or
/// a local path where there is no local disk (connected to a server).
pub fn to_spec(input: &str, local: bool, home: Option<&str>) -> Option<String> {
    let text = input.trim();
    if let Some(rest) = text.strip_prefix('~') {
        if !local || !(rest.is_empty() || rest.starts_with('/')) {
            return None;
        }
        return Some(format!("{LOCAL}:{}{rest}", home?));
    }
    if text.starts_with('/') {
        return local.then(|| format!("{LOCAL}:{text}"));
    }
    let (remote, _) = text.split_once(':')?;
    (!remote.is_empty() || text.starts_with(":local:")).then(|| text.to_owned())
}

/// How a spec is written in the field: the local disk's paths as plain paths.
pub fn display(spec: &str) -> String {
    match spec.strip_prefix(":local:") {
        Some(path) if path.starts_with('/') => path.to_owned(),
        _ => spec.to_owned(),
    }
}

/// What `input` asks to complete.
pub fn want(input: &str, local: bool, home: Option<&str>) -> Want {
    let text = input.trim_start();
    let Some(spec) = to_spec(text, local, home) else {
        return Want::Remote(text.to_owned());
    };
    // the text as typed keeps its form ("~/", "/", "remote:"); only the parent is a spec
    let cut_typed = text.rfind(['/', ':']).map_or(0, |i| i + 1);
    let cut_spec = spec.rfind(['/', ':']).map_or(0, |i| i + 1);
    let parent = spec[..cut_spec].to_owned();
    // "remote:a/" lists "remote:a", "/" lists ":local:/"
    let parent = match parent.strip_suffix('/') {
        Some(p) if !p.ends_with(':') => p.to_owned(),
        _ => parent,
    };
    Want::Folder {
        parent,
        partial: spec[cut_spec..].to_owned(),
        typed: text[..cut_typed].to_owned(),
    }
}

/// The completions of `want`: remotes (as `name:`) or folders (as the typed text plus the
/// folder and a `/`), in the order given, matching from the start and ignoring case.
pub fn candidates(want: &Want, remotes: &[String], folders: &[String]) -> Vec<String> {
    let starts = |name: &str, prefix: &str| name.to_lowercase().starts_with(&prefix.to_lowercase());
    match want {
        Want::Remote(prefix) => remotes
            .iter()
            .filter(|r| starts(r, prefix))
            .map(|r| format!("{r}:"))
            .collect(),
        Want::Folder { partial, typed, .. } => folders
            .iter()
            .filter(|f| starts(f, partial))
            .map(|f| format!("{typed}{f}/"))
            .collect(),
    }
}

/// The longest text all of `list` start with (what Tab fills in when several match).
pub fn common_prefix(list: &[String]) -> String {
    let Some(first) = list.first() else {
        return String::new();
    };
    let mut end = first.len();
    for other in &list[1..] {
        end = first
            .char_indices()
            .zip(other.chars())
            .find(|((_, a), b)| a != b)
            .map_or(end.min(other.len()), |((i, _), _)| i.min(end));
    }
    first[..end].to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(list: &[&str]) -> Vec<String> {
        list.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn typed_places_become_specs() {
        assert_eq!(to_spec("nas:photos", true, None).as_deref(), Some("nas:photos"));
        assert_eq!(to_spec(" /tmp/x ", true, None).as_deref(), Some(":local:/tmp/x"));
        assert_eq!(to_spec("/tmp", false, None), None, "no local disk on a server");
        assert_eq!(
            to_spec("~/문서", true, Some("/home/u")).as_deref(),
            Some(":local:/home/u/문서")
        );
        assert_eq!(to_spec("~", true, Some("/home/u")).as_deref(), Some(":local:/home/u"));
        assert_eq!(to_spec("~x", true, Some("/home/u")), None);
        assert_eq!(to_spec("photos", true, None), None, "no remote");
        assert_eq!(to_spec(":x", true, None), None);
        assert_eq!(to_spec(":local:/srv", true, None).as_deref(), Some(":local:/srv"));
        assert_eq!(display(":local:/srv"), "/srv");
        assert_eq!(display("nas:a"), "nas:a");
    }

    #[test]
    fn what_to_complete() {
        assert_eq!(want("na", true, None), Want::Remote("na".into()));
        assert_eq!(
            want("nas:ph", true, None),
            Want::Folder {
                parent: "nas:".into(),
                partial: "ph".into(),
                typed: "nas:".into()
            }
        );
        assert_eq!(
            want("nas:photos/20", true, None),
            Want::Folder {
                parent: "nas:photos".into(),
                partial: "20".into(),
                typed: "nas:photos/".into()
            }
        );
        assert_eq!(
            want("/ho", true, None),
            Want::Folder {
                parent: ":local:/".into(),
                partial: "ho".into(),
                typed: "/".into()
            }
        );
        assert_eq!(
            want("~/Do", true, Some("/home/u")),
            Want::Folder {
                parent: ":local:/home/u".into(),
                partial: "Do".into(),
                typed: "~/".into()
            }
        );
        assert_eq!(
            want("nas:/", true, None),
            Want::Folder {
                parent: "nas:/".into(),
                partial: "".into(),
                typed: "nas:/".into()
            }
        );
    }

    #[test]
    fn completions_and_their_common_part() {
        let remotes = s(&["nas", "nas2", "s3"]);
        let found = candidates(&want("n", true, None), &remotes, &[]);
        assert_eq!(found, ["nas:", "nas2:"]);
        assert_eq!(common_prefix(&found), "nas");
        let folders = s(&["Photos", "photos-old", "music"]);
        let found = candidates(&want("nas:PH", true, None), &remotes, &folders);
        assert_eq!(found, ["nas:Photos/", "nas:photos-old/"]);
        assert_eq!(common_prefix(&found), "nas:");
        assert_eq!(common_prefix(&s(&["~/사진/", "~/사진함/"])), "~/사진");
        assert_eq!(common_prefix(&s(&["abc"])), "abc");
        assert_eq!(common_prefix(&[]), "");
    }
}
