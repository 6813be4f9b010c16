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
    String::from(date.to_locale_string(lang, &wasm_bindgen::JsValue::UNDEFINED))
}
