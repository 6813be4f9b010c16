//! Human-readable sizes and times.

/// `1536` → `1.5 KiB`; negative (unknown) → `—`.
pub fn size(bytes: i64) -> String {
    if bytes < 0 {
        return "—".to_owned();
    }
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// An RFC 3339 time in the user's locale and time zone; the raw text if it does not parse.
pub fn time(rfc3339: &str, lang: &str) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_str(rfc3339));
    if date.get_time().is_nan() {
        return rfc3339.to_owned();
    }
    locale(&date, lang)
}

/// Unix ms in the user's locale and time zone.
pub fn time_ms(ms: i64, lang: &str) -> String {
    locale(&js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64)), lang)
}

fn locale(date: &js_sys::Date, lang: &str) -> String {
    String::from(date.to_locale_string(lang, &wasm_bindgen::JsValue::UNDEFINED))
}

/// An RFC 3339 time as `2026-12-06 17:32` in the user's time zone, the same in every
/// language (it fits the list's narrow time column); the raw text if it does not parse.
pub fn time_short(rfc3339: &str) -> String {
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_str(rfc3339));
    if d.get_time().is_nan() {
        return rfc3339.to_owned();
    }
    minutes(&d)
}

/// Unix ms as `2026-12-01 02:00` in the user's time zone.
pub fn time_short_ms(ms: i64) -> String {
    minutes(&js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64)))
}

fn minutes(d: &js_sys::Date) -> String {
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}",
        d.get_full_year(),
        d.get_month() + 1,
        d.get_date(),
        d.get_hours(),
        d.get_minutes()
    )
}

/// `75` → `1 m 15 s`; under a minute `42 s`; from an hour `2 h 5 m`.
pub fn duration(secs: u64) -> String {
    match secs {
        0..=59 => format!("{secs} s"),
        60..=3599 => format!("{} m {} s", secs / 60, secs % 60),
        _ => format!("{} h {} m", secs / 3600, secs % 3600 / 60),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn sizes_and_durations() {
        assert_eq!(super::size(1536), "1.5 KiB");
        assert_eq!(super::size(-1), "—");
        assert_eq!(super::size(12), "12 B");
        assert_eq!(super::duration(42), "42 s");
        assert_eq!(super::duration(75), "1 m 15 s");
        assert_eq!(super::duration(7500), "2 h 5 m");
    }
}
