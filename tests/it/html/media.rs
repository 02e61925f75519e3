//! QA dq F1, F3, F8: the page printed (or saved as PDF), read on a phone, and in a dark colour
//! scheme. Printed, a folded section printed as its heading alone and a wide table was cut at
//! the paper's edge; at 480 px the whole page scrolled sideways, pushed by the Cargo.lock hash;
//! in the dark, the treemap's legend was dark grey on black.

use super::cdp;
use super::hand::hand_built;
use crate::html::artifacts_dir;

/// The sections folded in `<details>` (outside table cells), each as `[open, shown]`: whether
/// it is open, and whether anything of it but its summary takes room on the page.
const FOLDS: &str = "Array.from(document.querySelectorAll('details'))\
    .filter(d => !d.closest('td'))\
    .map(d => [d.open, Array.from(d.children).some(c => c.tagName !== 'SUMMARY' \
        && c.checkVisibility() && c.getBoundingClientRect().height > 0)])";

/// The tables and treemaps that reach past the page's right edge (1 px of rounding allowed).
const PAST_THE_EDGE: &str = "Array.from(document.querySelectorAll('table, figure.treemap svg'))\
    .filter(t => t.getBoundingClientRect().right > document.documentElement.clientWidth + 1)\
    .map(t => `${t.className}: ${Math.round(t.getBoundingClientRect().right)} px`)";

#[test]
fn printed_every_section_is_open_and_every_table_fits() {
    let mut report = hand_built();
    if let Some(p) = report.provenance.as_mut() {
        p.cargo_lock_sha256 =
            Some("9f97a1d3aca01ae3181594e7b08857fc5af0123456789abcdef0123456789ab".into());
    }
    let file = artifacts_dir().join("hand-built-print.html");
    std::fs::write(&file, cargo_aotcheck::render::html::render(&report)).expect("write");
    let url = format!("file://{}", file.display());
    let mut browser = cdp::Browser::start();
    // A4's printable width at 96 px an inch, less the margins.
    let mut page = browser.open(&url, 700);
    let folds = |page: &mut cdp::Page| -> Vec<[bool; 2]> {
        serde_json::from_value(page.eval(FOLDS)).expect("folds")
    };
    // On the screen the sections are folded: closed, nothing of them shown.
    let screen = folds(&mut page);
    assert!(screen.len() >= 3, "{screen:?}");
    assert!(
        screen.iter().any(|&[open, shown]| !open && !shown),
        "{screen:?}"
    );
    // Printed, every one shows its contents: by the style sheet alone (no script runs for a
    // print emulated so)...
    page.print_media(true);
    let printed = folds(&mut page);
    assert!(printed.iter().all(|&[_, shown]| shown), "{printed:?}");
    let past: Vec<String> = serde_json::from_value(page.eval(PAST_THE_EDGE)).expect("tables");
    assert!(past.is_empty(), "tables past the paper's edge: {past:?}");
    page.print_media(false);
    // ... and by the script, which opens them before printing and closes them after.
    page.eval("window.dispatchEvent(new Event('beforeprint'))");
    let before = folds(&mut page);
    assert!(before.iter().all(|&[open, _]| open), "{before:?}");
    page.eval("window.dispatchEvent(new Event('afterprint'))");
    assert_eq!(folds(&mut page), screen);
    super::assert_quiet(&page, &url);
    // At 480 px the page does not scroll sideways: the hash wraps (tables scroll in their own
    // boxes).
    let mut page = browser.open(&url, 480);
    let widths =
        page.eval("[document.documentElement.scrollWidth, document.documentElement.clientWidth]");
    let [scroll, client]: [u64; 2] = serde_json::from_value(widths).expect("widths");
    assert!(scroll <= client, "{scroll} px wide in a {client} px window");
    // QA dq F2: the treemap keeps a width its labels read at (12 px drawn at 720 of 1,000
    // units: 8.6 px; at 480 px they were 5.3), scrolling in its own box.
    let drawn = page.eval(
        "Array.from(document.querySelectorAll('figure.treemap svg'))\
         .map(s => Math.round(s.getBoundingClientRect().width))",
    );
    let drawn: Vec<u64> = serde_json::from_value(drawn).expect("treemap widths");
    assert!(
        !drawn.is_empty() && drawn.iter().all(|&w| w >= 720),
        "{drawn:?}"
    );
}

/// The contrast ratio (WCAG's) of each swatch of the treemap's confidence legend against the
/// page's background, as the browser computes their colours (a swatch's alpha blended over
/// the background).
const LEGEND_CONTRAST: &str = r#"(() => {
  const rgba = c => c.match(/[\d.]+/g).map(Number);
  const bg = rgba(getComputedStyle(document.body).backgroundColor);
  const lum = ([r, g, b]) => [r, g, b].map(v => { v /= 255;
    return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); })
    .reduce((s, v, i) => s + v * [0.2126, 0.7152, 0.0722][i], 0);
  return Array.from(document.querySelectorAll('figure.treemap .key')).map(k => {
    const [r, g, b, a = 1] = rgba(getComputedStyle(k).backgroundColor);
    const mixed = [r, g, b].map((v, i) => v * a + bg[i] * (1 - a));
    const [l1, l2] = [lum(mixed), lum(bg)].sort((x, y) => y - x);
    return [k.className, (l1 + 0.05) / (l2 + 0.05)];
  });
})()"#;

#[test]
fn the_treemaps_legend_shows_in_a_dark_scheme() {
    let file = artifacts_dir().join("hand-built-dark.html");
    std::fs::write(&file, cargo_aotcheck::render::html::render(&hand_built())).expect("write");
    let url = format!("file://{}", file.display());
    let mut browser = cdp::Browser::start();
    let mut page = browser.open(&url, 1280);
    for dark in [false, true] {
        page.dark_scheme(dark);
        let swatches: Vec<(String, f64)> =
            serde_json::from_value(page.eval(LEGEND_CONTRAST)).expect("swatches");
        assert!(swatches.len() >= 6, "{swatches:?}");
        // The least sure kind is the faintest, yet tells from the page: at least 1.3:1, as the
        // light scheme's is; the surest at least 3:1 (WCAG's for graphics).
        let faint = swatches.iter().map(|s| s.1).fold(f64::INFINITY, f64::min);
        let strong = swatches.iter().map(|s| s.1).fold(0.0, f64::max);
        assert!(faint >= 1.3 && strong >= 3.0, "dark {dark}: {swatches:?}");
    }
}
