//! The compare view's pure logic: which page of rows to ask for, what a key or a click does
//! to a row's direction, the filter form's text fields.

use rcmd_types::{CompareRow, CompareState, Direction, FilterSpec};

/// Rows asked for around the visible ones.
pub const OVERSCAN: usize = 40;

/// Whether the loaded window `[loaded_from, loaded_from + loaded_len)` covers the visible
/// rows `[start, end)`; otherwise the window to load: `(offset, limit)`.
pub fn page_to_load(
    start: usize,
    end: usize,
    loaded_from: usize,
    loaded_len: usize,
    total: usize,
) -> Option<(usize, usize)> {
    let covered = start >= loaded_from && end <= loaded_from + loaded_len;
    if covered || (total == 0 && loaded_len == 0 && loaded_from == 0) {
        return None;
    }
    let offset = start.saturating_sub(OVERSCAN);
    let limit = (end - start) + 2 * OVERSCAN;
    Some((offset, limit.min(total.saturating_sub(offset)).max(1)))
}

/// The directions a row can take, in the order a click steps through them.
pub fn choices(row: &CompareRow) -> Vec<Direction> {
    [
        Direction::Right,
        Direction::Left,
        Direction::Skip,
        Direction::DeleteRight,
        Direction::DeleteLeft,
    ]
    .into_iter()
    .filter(|d| fits(row, *d))
    .collect()
}

/// Whether `d` is possible for `row` (its state, and a file on the side it reads).
pub fn fits(row: &CompareRow, d: Direction) -> bool {
    let side = match d {
        Direction::Right | Direction::DeleteLeft => row.left.is_some(),
        Direction::Left | Direction::DeleteRight => row.right.is_some(),
        Direction::Skip => true,
    };
    side && d.fits(row.state)
}

/// The direction after a click on the row's action.
pub fn next(row: &CompareRow) -> Direction {
    let c = choices(row);
    let at = c.iter().position(|d| *d == row.direction).unwrap_or(0);
    c.get((at + 1) % c.len().max(1)).copied().unwrap_or(Direction::Skip)
}

/// The direction a key asks for (`Delete` deletes on the right, where a file is there,
/// else on the left; Shift+Delete on the left), or `None` for another key.
pub fn for_key(key: &str, shift: bool, row: Option<&CompareRow>) -> Option<Direction> {
    Some(match (key, shift) {
        ("ArrowRight", false) => Direction::Right,
        ("ArrowLeft", false) => Direction::Left,
        ("Backspace", false) | ("0", false) => Direction::Skip,
        ("Delete", true) => Direction::DeleteLeft,
        ("Delete", false) => match row {
            Some(r) if r.right.is_none() => Direction::DeleteLeft,
            _ => Direction::DeleteRight,
        },
        _ => return None,
    })
}

/// Symbol of a direction in the list.
pub fn symbol(d: Direction) -> &'static str {
    match d {
        Direction::Right => "→",
        Direction::Left => "←",
        Direction::Skip => "·",
        Direction::DeleteRight => "✕→",
        Direction::DeleteLeft => "←✕",
    }
}

/// CSS class of a state.
pub fn state_class(s: CompareState) -> &'static str {
    match s {
        CompareState::OnlyLeft => "st-only-left",
        CompareState::OnlyRight => "st-only-right",
        CompareState::Differ => "st-differ",
        CompareState::Same => "st-same",
        CompareState::Error => "st-error",
    }
}

/// Comma-separated patterns of a text field.
pub fn patterns(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .collect()
}

/// A text field's value as an optional filter value.
pub fn optional(text: &str) -> Option<String> {
    Some(text.trim().to_owned()).filter(|t| !t.is_empty())
}

/// The filter form's fields: include, exclude, min/max size, min/max age, marker.
pub fn filter_of(fields: &[String; 7]) -> FilterSpec {
    FilterSpec {
        include: patterns(&fields[0]),
        exclude: patterns(&fields[1]),
        min_size: optional(&fields[2]),
        max_size: optional(&fields[3]),
        min_age: optional(&fields[4]),
        max_age: optional(&fields[5]),
        exclude_if_present: optional(&fields[6]),
    }
}

/// The form's fields for a saved filter.
pub fn fields_of(f: &FilterSpec) -> [String; 7] {
    let o = |v: &Option<String>| v.clone().unwrap_or_default();
    [
        f.include.join(", "),
        f.exclude.join(", "),
        o(&f.min_size),
        o(&f.max_size),
        o(&f.min_age),
        o(&f.max_age),
        o(&f.exclude_if_present),
    ]
}

#[cfg(test)]
mod tests {
    use rcmd_types::SideEntry;

    use super::*;

    fn row(state: CompareState, direction: Direction) -> CompareRow {
        let side = Some(SideEntry {
            size: 1,
            time: "2026-01-01T00:00:00Z".into(),
        });
        CompareRow {
            path: "a".into(),
            right_path: None,
            state,
            left: (state != CompareState::OnlyRight).then(|| side.clone()).flatten(),
            right: (state != CompareState::OnlyLeft).then(|| side.clone()).flatten(),
            direction,
        }
    }

    #[test]
    fn a_page_is_loaded_only_when_the_visible_rows_are_outside_the_loaded_ones() {
        assert_eq!(page_to_load(0, 30, 0, 110, 100_000), None);
        assert_eq!(page_to_load(100, 130, 0, 110, 100_000), Some((60, 110)));
        assert_eq!(page_to_load(99_990, 100_000, 0, 110, 100_000), Some((99_950, 50)));
        assert_eq!(page_to_load(0, 0, 0, 0, 0), None, "an empty compare loads nothing");
    }

    #[test]
    fn a_click_steps_through_the_directions_a_row_can_take() {
        let r = row(CompareState::OnlyLeft, Direction::Right);
        assert_eq!(
            choices(&r),
            vec![Direction::Right, Direction::Skip, Direction::DeleteLeft]
        );
        assert_eq!(next(&r), Direction::Skip);
        let r = row(CompareState::Differ, Direction::DeleteLeft);
        assert_eq!(next(&r), Direction::Right, "wraps around");
        let r = row(CompareState::OnlyRight, Direction::Left);
        assert!(!fits(&r, Direction::Right) && fits(&r, Direction::DeleteRight));
    }

    #[test]
    fn keys_set_directions_and_delete_goes_where_the_file_is() {
        let only_left = row(CompareState::OnlyLeft, Direction::Right);
        let both = row(CompareState::Differ, Direction::Right);
        assert_eq!(for_key("ArrowRight", false, None), Some(Direction::Right));
        assert_eq!(for_key("Delete", false, Some(&only_left)), Some(Direction::DeleteLeft));
        assert_eq!(for_key("Delete", false, Some(&both)), Some(Direction::DeleteRight));
        assert_eq!(for_key("Delete", true, Some(&both)), Some(Direction::DeleteLeft));
        assert_eq!(for_key("x", false, None), None);
    }

    #[test]
    fn the_filter_form_round_trips() {
        let fields = [
            "*.jpg, photos/** ,".to_owned(),
            "".to_owned(),
            "1k".to_owned(),
            " ".to_owned(),
            "".to_owned(),
            "2d".to_owned(),
            ".nosync".to_owned(),
        ];
        let f = filter_of(&fields);
        assert_eq!(f.include, vec!["*.jpg", "photos/**"]);
        assert!(f.exclude.is_empty() && f.max_size.is_none());
        assert_eq!(f.min_size.as_deref(), Some("1k"));
        assert_eq!(filter_of(&fields_of(&f)), f);
    }
}
