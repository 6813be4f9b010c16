//! The rows of a virtualised list to render: only those in view plus a margin, so a folder
//! of 100,000 entries costs what a screenful does.

/// Rows `start..end` to render for a list of `total` rows of `row_h` pixels scrolled to
/// `scroll_top` in a viewport `view_h` high, with `overscan` extra rows on each side.
pub fn range(scroll_top: f64, view_h: f64, row_h: f64, total: usize, overscan: usize) -> (usize, usize) {
    if total == 0 || row_h <= 0.0 {
        return (0, 0);
    }
    let first = (scroll_top.max(0.0) / row_h).floor() as usize;
    let shown = (view_h.max(0.0) / row_h).ceil() as usize + 1;
    let start = first.saturating_sub(overscan).min(total);
    let end = (first + shown + overscan).min(total);
    (start, end)
}

/// The scroll position that brings row `idx` into view, or `None` when it already is.
pub fn scroll_to(idx: usize, scroll_top: f64, view_h: f64, row_h: f64, header_h: f64) -> Option<f64> {
    let top = idx as f64 * row_h;
    let visible_h = (view_h - header_h).max(row_h);
    if top < scroll_top {
        Some(top)
    } else if top + row_h > scroll_top + visible_h {
        Some(top + row_h - visible_h)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_a_screenful_plus_margins() {
        assert_eq!(range(0.0, 600.0, 30.0, 10_000, 10), (0, 31));
        assert_eq!(range(30_000.0, 600.0, 30.0, 10_000, 10), (990, 1031));
        assert_eq!(
            range(299_400.0, 600.0, 30.0, 10_000, 10),
            (9970, 10_000),
            "clamped at the end"
        );
        assert_eq!(range(0.0, 600.0, 30.0, 5, 10), (0, 5));
        assert_eq!(range(-50.0, 600.0, 30.0, 0, 10), (0, 0));
    }

    #[test]
    fn scrolls_only_when_the_row_is_out_of_view() {
        assert_eq!(scroll_to(5, 0.0, 300.0, 30.0, 30.0), None);
        assert_eq!(scroll_to(20, 0.0, 300.0, 30.0, 30.0), Some(360.0));
        assert_eq!(scroll_to(2, 300.0, 300.0, 30.0, 30.0), Some(60.0));
    }
}
