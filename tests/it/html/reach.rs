//! What the page shows of the reference graph (issue 13) and the image (issue 14), read from
//! the rendered DOM and compared with the JSON report of the same run, and the image's size
//! with the files on disk.

use std::path::Path;

use cargo_aotcheck::format::{size, thousands};
use serde_json::Value;

use super::cdp::Page;

/// Longest symbol name the page writes out (`render::html` cuts longer ones with `…`).
const NAME_MAX: usize = 240;

/// What a pull of the image at `layout` transfers, from the files themselves: the manifest
/// that `index.json` names, and the config and layer blobs that the manifest names.
pub fn pull_size_on_disk(layout: &Path) -> u64 {
    let read = |p: &Path| -> Value {
        serde_json::from_slice(&std::fs::read(p).expect("layout file")).expect("JSON")
    };
    let blob = |digest: &Value| {
        let hex = digest
            .as_str()
            .and_then(|d| d.strip_prefix("sha256:"))
            .expect("sha256 digest");
        layout.join("blobs/sha256").join(hex)
    };
    let index = read(&layout.join("index.json"));
    let manifest = blob(&index["manifests"][0]["digest"]);
    let m = read(&manifest);
    let mut files = vec![manifest, blob(&m["config"]["digest"])];
    for l in m["layers"].as_array().expect("layers") {
        files.push(blob(&l["digest"]));
    }
    files
        .iter()
        .map(|f| std::fs::metadata(f).expect("blob").len())
        .sum()
}

/// The sizes chart's image bar is the image's pull size, drawn to the same scale as the file's
/// bar; the image section says so and names the digest and whether it started inside.
pub fn image_shown(page: &mut Page, a: &Value) {
    let i = &a["image"];
    let pull = i["compressed_size"].as_u64().expect("compressed_size");
    let file = a["binary"]["file_size"].as_u64().expect("file_size");
    let bars = page.eval(
        "['image', 'file'].map(r => { const b = document.querySelector(\
         `#g0 figure.sizes rect.bar.b0[data-row=\"${r}\"]`); \
         return [b.getAttribute('data-bytes') * 1, b.getBBox().width]; })",
    );
    assert_eq!(bars[0][0].as_u64(), Some(pull), "{bars}");
    assert_eq!(bars[1][0].as_u64(), Some(file), "{bars}");
    let (wi, wf) = (bars[0][1].as_f64(), bars[1][1].as_f64());
    let (Some(wi), Some(wf)) = (wi, wf) else {
        panic!("bar widths: {bars}")
    };
    let ratio = pull as f64 / file as f64;
    assert!(
        (wi - wf * ratio).abs() <= 0.02 * (1.0 + ratio),
        "image bar {wi} against file bar {wf}: not {ratio} of it"
    );
    let section = page.eval(
        "(() => { const s = document.getElementById('img-0'); return [\
         s.querySelector('.image-size').getAttribute('data-bytes') * 1, \
         s.querySelector('[data-outcome]').getAttribute('data-outcome'), s.innerText]; })()",
    );
    assert_eq!(section[0].as_u64(), Some(pull));
    assert_eq!(section[1], i["in_image"]["outcome"]);
    let text = section[2].as_str().expect("text");
    for want in [
        &i["manifest_digest"],
        &i["reference"],
        &i["in_image"]["reason"],
    ] {
        if let Some(w) = want.as_str() {
            assert!(text.contains(w), "{w} not in the image section:\n{text}");
        }
    }
}

/// Every crate that has retained bytes in the JSON report has them in its row of the crate
/// table and in its treemap rectangle's hover text; returns how many crates had them.
pub fn retained_shown(page: &mut Page, a: &Value) -> usize {
    let table = page.eval(
        "(() => { const t = document.querySelector('#a0 table.crates'); \
         const col = Array.from(t.tHead.rows[0].cells).findIndex(c => c.textContent.startsWith('Retained')); \
         return Object.fromEntries(Array.from(t.tBodies[0].rows).map(r => \
           [r.cells[0].textContent, r.cells[col].getAttribute('data-v')])); })()",
    );
    let hover = page.eval(
        "Object.fromEntries(Array.from(document.querySelectorAll('#tm-0 .overview > a.crate'))\
         .map(a => [a.getAttribute('data-crate'), a.querySelector('title').textContent]))",
    );
    let mut n = 0;
    for c in a["binary"]["crates"].as_array().expect("crates") {
        let name = c["name"].as_str().expect("name");
        let Some(r) = c["retained"].as_u64() else {
            continue;
        };
        n += 1;
        assert_eq!(table[name], r.to_string(), "crate {name}: {table}");
        let title = hover[name].as_str().expect("hover text");
        assert!(
            title.contains(&format!("\nretained {}:", size(r))),
            "crate {name}: {title}"
        );
    }
    n
}

/// A step as the page writes it: `kind symbol (crate) at address`.
fn step_text(s: &Value) -> String {
    let symbol = s["symbol"].as_str().expect("symbol");
    let shown = if symbol.chars().count() > NAME_MAX {
        let cut: String = symbol.chars().take(NAME_MAX - 1).collect();
        format!("{cut}…")
    } else {
        symbol.to_string()
    };
    let mut t = format!("{} {shown}", s["kind"].as_str().expect("kind"));
    // A step without a crate shows the crate table's row for its bytes.
    let k = s["crate"]
        .as_str()
        .unwrap_or(if symbol.starts_with("[section ") {
            "[no symbol]"
        } else {
            "[unknown]"
        });
    t.push_str(&format!(" ({k})"));
    // Every step of the page says where its bytes are, where JSON does (QA dm F10; a report
    // written by hand has none).
    if let Some(at) = s["address"].as_str() {
        t.push_str(&format!(" at {at}"));
    }
    t
}

fn steps_text(steps: &Value) -> Value {
    let v: Vec<String> = steps
        .as_array()
        .expect("steps")
        .iter()
        .map(step_text)
        .collect();
    serde_json::json!(v)
}

/// Each finding's chain and each `--why` chain, one list item per step in the report's order;
/// returns how many chains of findings and of `--why` were compared.
pub fn chains_shown(page: &mut Page, a: &Value) -> (usize, usize) {
    let shown = page.eval(
        "Array.from(document.querySelectorAll('#a0 .finding')).map(f => \
         [f.querySelector('b').textContent, \
          Array.from(f.querySelectorAll('ol.chain li')).map(li => li.textContent)])",
    );
    let shown = shown.as_array().expect("findings");
    let mut findings = 0;
    for f in a["findings"].as_array().expect("findings") {
        if f["chain"].as_array().is_none_or(|c| c.is_empty()) {
            continue;
        }
        let rule = f["rule"].as_str().expect("rule");
        let on_page = shown
            .iter()
            .find(|s| s[0].as_str().is_some_and(|t| t.starts_with(rule)))
            .unwrap_or_else(|| panic!("no finding {rule} on the page"));
        assert_eq!(on_page[1], steps_text(&f["chain"]), "{rule}");
        findings += 1;
    }
    let why = page.eval(
        "Array.from(document.querySelectorAll('#a0 section.why .why-chain')).map(c => \
         [c.querySelector('p code').textContent, \
          Array.from(c.querySelectorAll('ol.chain li')).map(li => li.textContent), \
          c.querySelector('p').textContent])",
    );
    let chains = a["binary"]["why"]["chains"].as_array().expect("why chains");
    assert_eq!(why.as_array().map(Vec::len), Some(chains.len()), "{why}");
    for (c, w) in chains.iter().zip(why.as_array().expect("why")) {
        assert_eq!(w[0], c["target"], "{w}");
        assert_eq!(w[1], steps_text(&c["steps"]), "{}", c["target"]);
        // What the target retains, after it, as JSON says.
        let retains = w[2].as_str().and_then(|p| p.split(" (retains ").nth(1));
        assert_eq!(retains.is_some(), c["retained"].is_u64(), "{w}");
    }
    (findings, chains.len())
}

/// The graph's summary is among the build's facts: its nodes, where its edges come from and
/// how far to trust them, what is reachable.
pub fn graph_shown(page: &mut Page, a: &Value) {
    let g = &a["binary"]["graph"];
    let facts = page.eval("document.querySelector('#a0 dl.facts').innerText");
    let facts = facts.as_str().expect("facts");
    let source = g["edges_from"].as_str().expect("edges_from");
    let trust = if source == "decoded" {
        "lower confidence"
    } else {
        "exact"
    };
    for want in [
        // With thousands separators, as the terminal writes them (QA ae, 11).
        format!(
            "{} nodes, {} edges",
            thousands(g["nodes"].as_u64().expect("nodes")),
            thousands(g["edges"].as_u64().expect("edges"))
        ),
        format!("({source}): {trust}"),
        format!(
            "{} reachable from the roots; {} linked but unreachable",
            size(g["reachable_bytes"].as_u64().expect("reachable")),
            size(g["unreachable_bytes"].as_u64().expect("unreachable"))
        ),
    ] {
        assert!(facts.contains(&want), "{want:?} not in:\n{facts}");
    }
}
