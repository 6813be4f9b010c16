//! Screenshot baselines and the accessibility check of the real window.
//!
//! Baselines live in `tests/e2e/baselines/`; a screenshot matches when at most
//! [`MAX_DIFF_SHARE`] of its pixels differ by more than [`PIXEL_TOLERANCE`] in any channel
//! (font hinting and anti-aliasing move a few pixels between machines). The actual image and
//! a diff image (differing pixels red) are saved under `artifacts/e2e/screens/` either way.
//! `RCMD_UPDATE_BASELINES=1` writes the actual images as the new baselines.

use std::path::{Path, PathBuf};

use anyhow::{bail, ensure, Context, Result};
use fantoccini::Client;

use crate::{artifacts, root};

/// Largest per-channel difference that still counts as the same pixel.
pub const PIXEL_TOLERANCE: u8 = 48;
/// Share of pixels allowed to differ.
pub const MAX_DIFF_SHARE: f64 = 0.01;

struct Image {
    width: u32,
    height: u32,
    /// RGBA
    pixels: Vec<u8>,
}

fn decode(bytes: &[u8]) -> Result<Image> {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info()?;
    let mut buf = vec![0; reader.output_buffer_size().context("image too large")?];
    let info = reader.next_frame(&mut buf)?;
    buf.truncate(info.buffer_size());
    let pixels = match info.color_type {
        png::ColorType::Rgba => buf,
        png::ColorType::Rgb => buf.chunks(3).flat_map(|p| [p[0], p[1], p[2], 255]).collect(),
        png::ColorType::GrayscaleAlpha => buf.chunks(2).flat_map(|p| [p[0], p[0], p[0], p[1]]).collect(),
        png::ColorType::Grayscale => buf.iter().flat_map(|&g| [g, g, g, 255]).collect(),
        other => bail!("unexpected PNG colour type {other:?}"),
    };
    Ok(Image {
        width: info.width,
        height: info.height,
        pixels,
    })
}

fn encode(path: &Path, img: &Image) -> Result<()> {
    let file = std::fs::File::create(path)?;
    let mut enc = png::Encoder::new(std::io::BufWriter::new(file), img.width, img.height);
    enc.set_color(png::ColorType::Rgba);
    enc.set_depth(png::BitDepth::Eight);
    enc.write_header()?.write_image_data(&img.pixels)?;
    Ok(())
}

/// Pixels that differ beyond the tolerance, and a diff image (differing pixels red, the
/// rest the baseline faded).
fn compare(base: &Image, actual: &Image) -> (u64, Image) {
    let mut diff = Image {
        width: base.width,
        height: base.height,
        pixels: Vec::with_capacity(base.pixels.len()),
    };
    let mut differing = 0;
    for (b, a) in base.pixels.chunks(4).zip(actual.pixels.chunks(4)) {
        let far = b.iter().zip(a).take(3).any(|(x, y)| x.abs_diff(*y) > PIXEL_TOLERANCE);
        if far {
            differing += 1;
            diff.pixels.extend([255, 0, 0, 255]);
        } else {
            let g = ((b[0] as u32 + b[1] as u32 + b[2] as u32) / 3 / 3 + 170) as u8;
            diff.pixels.extend([g, g, g, 255]);
        }
    }
    (differing, diff)
}

pub fn baselines() -> PathBuf {
    root().join("tests/e2e/baselines")
}

/// Takes a screenshot named `name` and compares it with its baseline.
pub async fn check_screen(c: &Client, name: &str) -> Result<()> {
    // WebKitWebDriver captures the last painted frame: let a change just made paint
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    let png_bytes = c.screenshot().await?;
    let out = artifacts().join("screens");
    std::fs::create_dir_all(&out)?;
    std::fs::write(out.join(format!("{name}.png")), &png_bytes)?;
    let base_path = baselines().join(format!("{name}.png"));
    if std::env::var("RCMD_UPDATE_BASELINES").as_deref() == Ok("1") {
        std::fs::create_dir_all(baselines())?;
        std::fs::write(&base_path, &png_bytes)?;
        eprintln!("baseline written: {}", base_path.display());
        return Ok(());
    }
    let base = std::fs::read(&base_path).with_context(|| {
        format!(
            "no baseline {} (run with RCMD_UPDATE_BASELINES=1 once, look at it, commit it)",
            base_path.display()
        )
    })?;
    let (base, actual) = (decode(&base)?, decode(&png_bytes)?);
    ensure!(
        (base.width, base.height) == (actual.width, actual.height),
        "{name}: the screenshot is {}x{}, its baseline {}x{}",
        actual.width,
        actual.height,
        base.width,
        base.height
    );
    let (differing, diff) = compare(&base, &actual);
    encode(&out.join(format!("{name}-diff.png")), &diff)?;
    let share = differing as f64 / (base.width as f64 * base.height as f64);
    eprintln!("{name}: {differing} pixels differ ({:.3} %)", share * 100.0);
    ensure!(
        share <= MAX_DIFF_SHARE,
        "{name}: {:.2} % of the pixels differ from the baseline (at most {:.2} %); see artifacts/e2e/screens/{name}-diff.png",
        share * 100.0,
        MAX_DIFF_SHARE * 100.0
    );
    Ok(())
}

/// Rules the check does not apply, each with the reason. Empty: every WCAG 2 A/AA rule.
pub const AXE_ALLOWED: &[(&str, &str)] = &[];

/// Runs axe-core (WCAG 2 A and AA rules) on the page as it is now; fails on any violation
/// not in [`AXE_ALLOWED`], listing each with the elements it found.
pub async fn check_accessibility(c: &Client, name: &str) -> Result<()> {
    let path = std::env::var("RCMD_AXE_JS").map(PathBuf::from).unwrap_or_else(|_| {
        PathBuf::from(std::env::var("HOME").unwrap_or_default())
            .join(".cache/rcmd/npm-axe/node_modules/axe-core/axe.min.js")
    });
    let source = std::fs::read_to_string(&path).with_context(|| {
        format!(
            "axe-core not found at {} (scripts/setup.sh --test installs it)",
            path.display()
        )
    })?;
    c.execute(&format!("{source}\n;window.axe = axe; return true;"), vec![])
        .await
        .context("inject axe-core")?;
    let script = r#"
        const done = arguments[arguments.length - 1];
        axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] }, resultTypes: ['violations'] })
          .then(r => done(JSON.stringify(r.violations.map(v => ({ id: v.id, impact: v.impact, help: v.help,
              nodes: v.nodes.slice(0, 6).map(n => n.target.join(' ') + ' :: ' + (n.failureSummary || '').replace(/\s+/g, ' ').slice(0, 200)) })))))
          .catch(e => done('ERROR ' + e));
    "#;
    let reply = c.execute_async(script, vec![]).await.context("run axe-core")?;
    let text = reply.as_str().unwrap_or_default().to_owned();
    ensure!(!text.starts_with("ERROR"), "{name}: axe-core failed: {text}");
    let violations: Vec<serde_json::Value> =
        serde_json::from_str(&text).with_context(|| format!("axe reply: {text}"))?;
    let kept: Vec<_> = violations
        .iter()
        .filter(|v| !AXE_ALLOWED.iter().any(|(id, _)| v["id"] == *id))
        .collect();
    std::fs::write(
        artifacts().join(format!("axe-{name}.json")),
        serde_json::to_string_pretty(&violations)?,
    )?;
    ensure!(
        kept.is_empty(),
        "{name}: {} accessibility violations:\n{}",
        kept.len(),
        serde_json::to_string_pretty(&kept)?
    );
    Ok(())
}
