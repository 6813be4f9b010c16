//! Page zoom: the levels Settings offers, and the browser keys that step through them
//! (Ctrl+= / Ctrl++ in, Ctrl+- out, Ctrl+0 back to 100 %). The page handles these keys itself,
//! so the setting always says the zoom the page is at.

/// The zoom levels, in percent.
pub const LEVELS: [u32; 5] = [100, 125, 150, 175, 200];

/// The zoom a key press asks for from `now`, or `None` when the key is not a zoom key.
pub fn after_key(key: &str, ctrl: bool, alt: bool, now: u32) -> Option<u32> {
    if !ctrl || alt {
        return None;
    }
    match key {
        "0" => Some(100),
        "=" | "+" => Some(LEVELS.into_iter().find(|&z| z > now).unwrap_or(200)),
        "-" | "_" => Some(LEVELS.into_iter().rev().find(|&z| z < now).unwrap_or(100)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::after_key;

    #[test]
    fn keys_step_through_the_levels_and_stop_at_the_ends() {
        assert_eq!(after_key("=", true, false, 100), Some(125));
        assert_eq!(after_key("+", true, false, 150), Some(175));
        assert_eq!(after_key("=", true, false, 200), Some(200));
        assert_eq!(after_key("-", true, false, 200), Some(175));
        assert_eq!(after_key("-", true, false, 100), Some(100));
        assert_eq!(after_key("0", true, false, 175), Some(100));
        // a level saved before the steps changed still steps to a neighbour
        assert_eq!(after_key("=", true, false, 110), Some(125));
        assert_eq!(after_key("0", false, false, 200), None, "without Ctrl it is a digit");
        assert_eq!(after_key("=", true, true, 100), None);
        assert_eq!(after_key("a", true, false, 100), None);
    }
}
