//! The keyboard map of the commander, as in orthodox file managers (Total Commander,
//! Midnight Commander): F5 copy, F6 move, Shift+F6 rename, F7 new folder, F8/Delete delete.

/// What a key press asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Command {
    SwitchPane,
    /// Shift+F2: compare the two panes' folders.
    Compare,
    /// Ctrl+F2: a two-way sync pair of the two panes' folders.
    TwoWay,
    /// Alt+F7: find files below the active pane's folder.
    Search,
    Open,
    Up,
    Copy,
    Move,
    Rename,
    NewFolder,
    Delete,
    Refresh,
    Properties,
    /// Cursor by rows (negative: up); `extend` selects on the way (Shift).
    Cursor {
        delta: isize,
        extend: bool,
    },
    Home {
        extend: bool,
    },
    End {
        extend: bool,
    },
    ToggleSelect,
    SelectAll,
    /// Escape: nothing selected.
    ClearSelection,
    /// Num*: the other rows selected.
    InvertSelection,
    /// Num+ / Num−: select or deselect by a name pattern (asked in a dialog).
    Pattern {
        select: bool,
    },
    Filter,
    /// Alt+← / Alt+→: the pane's previous or next place.
    Back,
    Forward,
    /// Alt+↓: the pane's history as a list.
    History,
    /// Ctrl+L: the path field.
    PathField,
    /// Ctrl+D: the hotlist of bookmarked places.
    Hotlist,
    /// Ctrl+T / Ctrl+W / Ctrl+Tab (Ctrl+Shift+Tab backwards).
    NewTab,
    CloseTab,
    CycleTab {
        step: isize,
    },
    /// F3: quick view of the file under the cursor.
    View,
    /// F4: edit the file under the cursor in the system's editor.
    Edit,
    /// A printable character without Ctrl or Alt: type-ahead search.
    Find(char),
}

/// Rows a Page Up/Down moves.
pub const PAGE: isize = 20;

/// The command for a key (`KeyboardEvent.key`) with its modifiers, or `None` to let the
/// page handle it. Keys typed into a text field never get here (see the commander).
pub fn command(key: &str, ctrl: bool, shift: bool, alt: bool) -> Option<Command> {
    use Command::*;
    Some(match (key, ctrl, alt) {
        ("Tab", false, false) if !shift => SwitchPane,
        ("Tab", true, false) => CycleTab {
            step: if shift { -1 } else { 1 },
        },
        ("ArrowLeft", false, true) => Back,
        ("ArrowRight", false, true) => Forward,
        ("ArrowDown", false, true) => History,
        ("l" | "L", true, false) => PathField,
        ("d" | "D", true, false) => Hotlist,
        ("t" | "T", true, false) => NewTab,
        ("w" | "W", true, false) => CloseTab,
        ("Enter", false, true) => Properties,
        ("Enter", false, false) => Open,
        ("Backspace", false, false) => Up,
        ("F3", false, false) => View,
        ("F4", false, false) => Edit,
        ("F5", false, false) => Copy,
        ("F6", false, false) if shift => Rename,
        ("F6", false, false) => Move,
        ("F2", false, false) if shift => Compare,
        ("F2", true, false) => TwoWay,
        ("F2", false, false) => Rename,
        ("F7", false, true) => Search,
        ("F7", false, false) => NewFolder,
        ("F8" | "Delete", false, false) => Delete,
        ("r" | "R", true, false) => Refresh,
        ("a" | "A", true, false) => SelectAll,
        ("f" | "F", true, false) => Filter,
        ("ArrowUp", false, false) => Cursor {
            delta: -1,
            extend: shift,
        },
        ("ArrowDown", false, false) => Cursor {
            delta: 1,
            extend: shift,
        },
        ("PageUp", false, false) => Cursor {
            delta: -PAGE,
            extend: shift,
        },
        ("PageDown", false, false) => Cursor {
            delta: PAGE,
            extend: shift,
        },
        ("Home", false, false) => Home { extend: shift },
        ("End", false, false) => End { extend: shift },
        ("Insert", false, false) | (" ", false, false) => ToggleSelect,
        ("Escape", false, false) => ClearSelection,
        ("*", false, false) => InvertSelection,
        ("+", false, false) => Pattern { select: true },
        ("-", false, false) => Pattern { select: false },
        (k, false, false) => {
            let mut chars = k.chars();
            match (chars.next(), chars.next()) {
                // one character: a name's letter, digit or sign ("Dead", "Process" of an input
                // method and named keys are longer)
                (Some(ch), None) if !ch.is_whitespace() && !ch.is_control() => Find(ch),
                _ => return None,
            }
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::{command, Command::*};

    #[test]
    fn the_orthodox_keys() {
        let plain = |k| command(k, false, false, false);
        assert_eq!(plain("Tab"), Some(SwitchPane));
        assert_eq!(plain("Enter"), Some(Open));
        assert_eq!(plain("Backspace"), Some(Up));
        assert_eq!(plain("F3"), Some(View));
        assert_eq!(plain("F4"), Some(Edit));
        assert_eq!(plain("F5"), Some(Copy));
        assert_eq!(plain("F6"), Some(Move));
        assert_eq!(command("F6", false, true, false), Some(Rename));
        assert_eq!(plain("F7"), Some(NewFolder));
        assert_eq!(command("F2", false, true, false), Some(Compare));
        assert_eq!(command("F2", true, false, false), Some(TwoWay));
        assert_eq!(command("F7", false, false, true), Some(Search));
        assert_eq!(plain("F8"), Some(Delete));
        assert_eq!(plain("Delete"), Some(Delete));
        assert_eq!(command("r", true, false, false), Some(Refresh));
        assert_eq!(
            command("R", true, true, false),
            Some(Refresh),
            "with caps lock or shift"
        );
        assert_eq!(command("Enter", false, false, true), Some(Properties));
        assert_eq!(
            command("ArrowDown", false, true, false),
            Some(Cursor { delta: 1, extend: true })
        );
        assert_eq!(plain(" "), Some(ToggleSelect));
    }

    #[test]
    fn places_tabs_and_type_ahead() {
        assert_eq!(command("ArrowLeft", false, false, true), Some(Back));
        assert_eq!(command("ArrowRight", false, false, true), Some(Forward));
        assert_eq!(command("ArrowDown", false, false, true), Some(History));
        assert_eq!(command("l", true, false, false), Some(PathField));
        assert_eq!(command("d", true, false, false), Some(Hotlist));
        assert_eq!(command("t", true, false, false), Some(NewTab));
        assert_eq!(command("w", true, false, false), Some(CloseTab));
        assert_eq!(command("Tab", true, false, false), Some(CycleTab { step: 1 }));
        assert_eq!(command("Tab", true, true, false), Some(CycleTab { step: -1 }));
        assert_eq!(command("r", false, false, false), Some(Find('r')));
        assert_eq!(command("R", false, true, false), Some(Find('R')));
        assert_eq!(command("사", false, false, false), Some(Find('사')));
        assert_eq!(command("+", false, false, false), Some(Pattern { select: true }));
    }

    #[test]
    fn other_keys_are_left_to_the_page() {
        assert_eq!(
            command("Process", false, false, false),
            None,
            "an input method composing"
        );
        assert_eq!(command("Dead", false, false, false), None);
        assert_eq!(command("F12", false, false, false), None);
        assert_eq!(command("x", false, false, true), None);
        assert_eq!(
            command("Tab", false, true, false),
            None,
            "shift+tab keeps moving focus backwards"
        );
        assert_eq!(command("F5", true, false, false), None);
        assert_eq!(command("x", true, false, false), None);
    }
}
