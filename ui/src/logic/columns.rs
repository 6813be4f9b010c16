//! The file list's columns: the widths the user dragged the size and time columns to, and
//! which columns fit a pane of a given width so that the name always keeps most of it.

/// The selection check box column, in CSS pixels (style.css's `.sel` cells).
pub const SEL_W: f64 = 28.0;
/// The name never gets less than this, nor less than [`NAME_SHARE`] of the list.
pub const MIN_NAME_W: f64 = 150.0;
pub const NAME_SHARE: f64 = 0.4;
/// A dragged column stays within these bounds.
pub const MIN_COL_W: f64 = 48.0;
pub const MAX_COL_W: f64 = 320.0;
/// The row's right padding (the list's client width already leaves out its scroll bar).
const GUTTER: f64 = 4.0;

/// Widths of the size and time columns, as the user left them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Widths {
    pub size: f64,
    pub time: f64,
}

impl Default for Widths {
    fn default() -> Self {
        // "1023.9 MiB" at 13 px and "2026-12-06 17:32" at 12 px, with the cells' padding
        Widths {
            size: 80.0,
            time: 124.0,
        }
    }
}

/// A column the user can resize.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Col {
    Size,
    Time,
}

impl Widths {
    /// `"80,124"`: how the widths are kept in the page's storage.
    pub fn encode(&self) -> String {
        format!("{:.0},{:.0}", self.size, self.time)
    }

    /// The kept widths, clamped; the defaults for anything unreadable.
    pub fn decode(text: &str) -> Self {
        let mut parts = text
            .split(',')
            .map(|p| p.trim().parse::<f64>().ok().filter(|w| w.is_finite()));
        match (parts.next().flatten(), parts.next().flatten(), parts.next()) {
            (Some(size), Some(time), None) => Widths {
                size: clamp(size),
                time: clamp(time),
            },
            _ => Widths::default(),
        }
    }

    /// The widths after the border left of `col` was dragged by `dx` pixels from where it was
    /// when the drag started (`from`), in a list `list_w` wide: dragging right makes the
    /// column narrower, as its left edge moves towards its right one. A column grows only as
    /// far as the name keeps its share (a drag never makes a column vanish).
    pub fn dragged(from: Widths, col: Col, dx: f64, list_w: f64) -> Widths {
        let room = list_w - SEL_W - GUTTER - name_min(list_w);
        let mut w = from;
        match col {
            Col::Size => w.size = clamp(from.size - dx).min((room - from.time).max(MIN_COL_W)),
            Col::Time => w.time = clamp(from.time - dx).min((room - from.size).max(MIN_COL_W)),
        }
        w
    }
}

/// The least the name column gets in a list `list_w` wide.
fn name_min(list_w: f64) -> f64 {
    (list_w * NAME_SHARE).max(MIN_NAME_W)
}

fn clamp(w: f64) -> f64 {
    w.clamp(MIN_COL_W, MAX_COL_W)
}

/// The columns a list of a given width shows: time is dropped first, then size, whenever
/// keeping it would leave the name less than its share.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Layout {
    pub size: Option<f64>,
    pub time: Option<f64>,
}

impl Layout {
    pub fn fit(list_w: f64, w: Widths) -> Layout {
        let name_min = name_min(list_w);
        let room = list_w - SEL_W - GUTTER;
        if room - w.size - w.time >= name_min {
            Layout {
                size: Some(w.size),
                time: Some(w.time),
            }
        } else if room - w.size >= name_min {
            Layout {
                size: Some(w.size),
                time: None,
            }
        } else {
            Layout { size: None, time: None }
        }
    }

    /// The CSS `grid-template-columns` of the header and every row.
    pub fn template(&self) -> String {
        let mut t = format!("{SEL_W:.0}px minmax(0, 1fr)");
        for w in [self.size, self.time].into_iter().flatten() {
            t.push_str(&format!(" {w:.0}px"));
        }
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name_w(list_w: f64, l: &Layout) -> f64 {
        list_w - SEL_W - GUTTER - l.size.unwrap_or(0.0) - l.time.unwrap_or(0.0)
    }

    #[test]
    fn the_name_keeps_most_of_the_width_at_every_size() {
        // from a stacked pane at 200 % zoom to a wide pane
        for list_w in (200..=1600).step_by(10).map(f64::from) {
            for w in [
                Widths::default(),
                Widths {
                    size: 320.0,
                    time: 320.0,
                },
                Widths { size: 48.0, time: 48.0 },
            ] {
                let l = Layout::fit(list_w, w);
                let name = name_w(list_w, &l);
                assert!(
                    name >= (list_w * NAME_SHARE).min(list_w - SEL_W - GUTTER),
                    "{list_w} px, {w:?}: name {name} px with {l:?}"
                );
                // time goes before size
                assert!(l.time.is_none() || l.size.is_some(), "{l:?}");
            }
        }
    }

    #[test]
    fn the_default_window_shows_all_three_columns() {
        // a pane's list in the 1100 px window beside the sidebar (measured: 412 px)
        let l = Layout::fit(412.0, Widths::default());
        assert_eq!(
            l,
            Layout {
                size: Some(80.0),
                time: Some(124.0)
            }
        );
        assert_eq!(l.template(), "28px minmax(0, 1fr) 80px 124px");
        assert!(name_w(412.0, &l) >= 175.0);
        // narrower: time goes, then size
        assert_eq!(Layout::fit(330.0, Widths::default()).time, None);
        assert!(Layout::fit(330.0, Widths::default()).size.is_some());
        assert_eq!(Layout::fit(240.0, Widths::default()), Layout { size: None, time: None });
        assert_eq!(Layout::fit(240.0, Widths::default()).template(), "28px minmax(0, 1fr)");
    }

    #[test]
    fn dragging_a_border_resizes_within_bounds() {
        let w = Widths::default();
        let wide = 1200.0;
        // the border left of the time column moved 30 px left: time is 30 px wider
        assert_eq!(Widths::dragged(w, Col::Time, -30.0, wide).time, 154.0);
        assert_eq!(Widths::dragged(w, Col::Time, -30.0, wide).size, 80.0);
        assert_eq!(Widths::dragged(w, Col::Size, 10.0, wide).size, 70.0);
        assert_eq!(Widths::dragged(w, Col::Size, 500.0, wide).size, MIN_COL_W);
        assert_eq!(Widths::dragged(w, Col::Time, -900.0, wide).time, MAX_COL_W);
        // in a narrow list a column grows only while the name keeps its share: it never
        // grows so far that the layout has to drop it
        for list_w in [300.0, 412.0, 600.0] {
            for col in [Col::Size, Col::Time] {
                let g = Widths::dragged(w, col, -400.0, list_w);
                let l = Layout::fit(list_w, g);
                if Layout::fit(list_w, w).time.is_some() {
                    assert!(l.time.is_some() && l.size.is_some(), "{list_w}: {g:?} drops a column");
                }
                assert!(name_w(list_w, &l) >= list_w * NAME_SHARE - 0.5, "{list_w}: {g:?}");
            }
        }
        assert_eq!(
            Widths::dragged(w, Col::Time, -40.0, 412.0).time,
            124.0 + 40.0f64.min(412.0 - 32.0 - 164.8 - 80.0 - 124.0)
        );
    }

    #[test]
    fn widths_round_trip_through_storage_and_bad_text_gives_defaults() {
        let w = Widths {
            size: 90.0,
            time: 150.0,
        };
        assert_eq!(Widths::decode(&w.encode()), w);
        assert_eq!(
            Widths::decode("10,9999"),
            Widths {
                size: MIN_COL_W,
                time: MAX_COL_W
            }
        );
        for bad in ["", "abc", "1,2,3", "NaN,5", "80", "80,inf"] {
            assert_eq!(Widths::decode(bad), Widths::default(), "{bad:?}");
        }
    }
}
