//! Names that are not valid UTF-8 (`bad\xffname.txt` on a Linux disk). rclone keeps their
//! bytes internally, but its RC answers are JSON, which replaces each invalid byte with
//! U+FFFD: such an item's path cannot be named in a file list or a `copyfile` call. It is
//! addressed instead by a filter glob on its folder (each U+FFFD a `?`), after checking in the
//! folder's listing that the glob picks no other file for a move or a delete.

/// Whether `path` came from rclone with bytes that are not UTF-8 (replaced by U+FFFD).
pub fn is_lossy(path: &str) -> bool {
    path.contains('\u{FFFD}')
}

/// An rclone filter rule matching exactly the file `name` at the root of the filtered
/// folder: glob characters escaped, each U+FFFD a `?` (one invalid byte each).
pub fn include_rule(name: &str) -> String {
    let mut rule = String::from("/");
    for c in name.chars() {
        match c {
            '\u{FFFD}' => rule.push('?'),
            '*' | '?' | '[' | ']' | '{' | '}' | '\\' => {
                rule.push('\\');
                rule.push(c);
            }
            c => rule.push(c),
        }
    }
    rule
}

/// Whether the glob of `name` also matches `other` (as rclone lists it): the same number of
/// characters, equal wherever `name` has a real character.
pub fn glob_matches(name: &str, other: &str) -> bool {
    name.chars().count() == other.chars().count()
        && name.chars().zip(other.chars()).all(|(a, b)| a == '\u{FFFD}' || a == b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_escape_globs_and_stand_in_for_lost_bytes() {
        assert_eq!(include_rule("bad\u{FFFD}utf8.txt"), "/bad?utf8.txt");
        assert_eq!(
            include_rule("a*b?[c]{d}\\\u{FFFD}\u{FFFD}"),
            "/a\\*b\\?\\[c\\]\\{d\\}\\\\??"
        );
        assert!(is_lossy("x/bad\u{FFFD}.txt") && !is_lossy("x/café.txt"));
    }

    #[test]
    fn what_else_a_glob_would_pick() {
        assert!(glob_matches("bad\u{FFFD}.txt", "bad\u{FFFD}.txt"));
        assert!(
            glob_matches("bad\u{FFFD}.txt", "badX.txt"),
            "a real file the glob also picks"
        );
        assert!(!glob_matches("bad\u{FFFD}.txt", "bad.txt"));
        assert!(!glob_matches("bad\u{FFFD}.txt", "bad\u{FFFD}.txT"));
    }
}
