//! How the panes show a folder: the order and filter live in [`rcmd_types::listing`] (the
//! engine sends a big folder's first rows in the same order); here what only the page needs.

pub use rcmd_types::listing::*;

/// Where a rename's selection ends in a file name: before its extension, in UTF-16 units
/// (the text field's offsets); `None` when there is no extension to leave out (`notes`,
/// `.bashrc`).
pub fn stem_len(name: &str) -> Option<usize> {
    let dot = name.rfind('.')?;
    (dot > 0).then(|| name[..dot].encode_utf16().count())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rename_selects_the_name_without_its_extension() {
        assert_eq!(stem_len("report.final.pdf"), Some(12));
        assert_eq!(stem_len("notes"), None);
        assert_eq!(stem_len(".bashrc"), None);
        // UTF-16 offsets: Korean syllables are one unit each, an emoji two
        assert_eq!(stem_len("보고서.hwp"), Some(3));
        assert_eq!(stem_len("🐱.jpg"), Some(2));
    }
}
