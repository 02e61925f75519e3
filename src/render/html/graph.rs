//! What keeps code alive, on the page: the reference graph summed up (where its edges come
//! from, so how far to trust it; its roots; what is reachable), the chains of `--why`, and a
//! chain as a list, one line per step: how the step before refers to it, the symbol, its crate.

use std::fmt::Write as _;

use super::escape::{clipped, text};
use crate::format::NAME_MAX;
use crate::format::size;
use crate::report::{Binary, EdgeSource, Step};

/// Names listed in a cell or a hover text before the rest is counted.
pub const NAMES_SHOWN: usize = 10;

/// Where the edges come from, in words, and whether they are exact.
fn source(e: EdgeSource) -> String {
    let (how, trust) = match e {
        EdgeSource::Relocations => ("the binary's own relocation sections", "exact"),
        EdgeSource::AnalysisLink => (
            "the relocations of a second link of the same objects (<code>--emit-relocs</code>)",
            "exact",
        ),
        EdgeSource::Decoded => (
            "calls, jumps and addresses decoded from the machine code, and the dynamic \
             relocations",
            EdgeSource::DECODED_CAVEAT,
        ),
    };
    let class = if e.exact() { "ok-text" } else { "warn-text" };
    format!(
        "from {how} (<code>{}</code>): <b class=\"{class}\">{trust}</b>",
        e.as_str()
    )
}

/// The graph's rows of a build's facts: why there is none when `inspect` left it out.
pub fn facts(b: &Binary) -> Vec<(&'static str, String)> {
    let Some(g) = &b.graph else {
        return b
            .graph_skipped
            .iter()
            .map(|why| {
                // Our words, whose flags are quoted: code on the page (QA z, Z8).
                let why = super::verdict::spans(why);
                ("reference graph", format!("not built: {why}"))
            })
            .collect();
    };
    let whole = g.reachable_bytes + g.unreachable_bytes;
    let share = if whole == 0 {
        0.0
    } else {
        g.unreachable_bytes as f64 * 100.0 / whole as f64
    };
    let roots: Vec<String> = g.roots.iter().map(|r| text(r)).collect();
    vec![
        (
            "reference graph",
            format!(
                "{} nodes, {} edges, {}",
                crate::format::thousands(g.nodes),
                crate::format::thousands(g.edges),
                source(g.edges_from)
            ),
        ),
        ("roots", roots.join(", ")),
        (
            "reachable",
            format!(
                "{} reachable from the roots; {} linked but unreachable ({share:.1}%)",
                size(g.reachable_bytes),
                size(g.unreachable_bytes)
            ),
        ),
    ]
}

/// A chain of references, root first: one list item per step.
pub fn chain(s: &mut String, steps: &[Step]) {
    s.push_str("<ol class=\"chain\">");
    for st in steps {
        let at = crate::render::words::step_address(st, true)
            .map(|a| format!(" at {a}"))
            .unwrap_or_default();
        let krate = format!(
            " <span class=\"dim\">({}){at}</span>",
            text(crate::render::words::step_crate(st))
        );
        let _ = write!(
            s,
            "<li><span class=\"kind {k}\">{k}</span> <code>{}</code>{krate}</li>",
            clipped(&st.shown(), NAME_MAX),
            k = st.kind.as_str()
        );
    }
    s.push_str("</ol>\n");
}

/// `--why PATTERN`: what it matched, and the chain that keeps each match alive.
pub fn why(s: &mut String, b: &Binary) {
    let Some(w) = &b.why else { return };
    let pattern = format!("<code>{}</code>", text(&w.pattern));
    let head = crate::render::reasons::why_head(w, &pattern);
    let _ = writeln!(
        s,
        "<section class=\"why\"><h4>Why is it in the binary (<code>--why</code>)</h4><p>{head}</p>"
    );
    if let Some(note) = &w.note {
        let _ = writeln!(s, "<p class=\"note\">{}</p>", text(note));
    }
    for (c, shared) in w.chains.iter().zip(crate::render::why::shared_steps(w)) {
        let _ = write!(
            s,
            "<div class=\"why-chain\"><p><code>{}</code>{}</p>",
            clipped(&c.target, NAME_MAX),
            text(&crate::format::retains(c.retained))
        );
        // The steps shared with the first chain, once (QA av F5).
        if c.steps.is_empty() {
            s.push_str("<p class=\"ok-text\">Linked but unreachable from every root.</p>");
        } else if shared > 0 {
            let _ = write!(
                s,
                "<p class=\"note\">… {shared} steps as in the first chain, to <code>{}</code>, \
                 then:</p>",
                clipped(&c.steps[shared - 1].shown(), NAME_MAX)
            );
            chain(s, &c.steps[shared..]);
        } else {
            chain(s, &c.steps);
        }
        s.push_str("</div>\n");
    }
    if w.more > 0 {
        let _ = writeln!(
            s,
            "<p class=\"note\">{} more matches beyond these; a narrower pattern shows their \
             chains.</p>",
            crate::format::thousands(w.more)
        );
    }
    s.push_str("</section>\n");
}

/// Up to [`NAMES_SHOWN`] names as code, and how many more there are.
pub fn names(v: &[String]) -> String {
    let mut t: Vec<String> = v
        .iter()
        .take(NAMES_SHOWN)
        .map(|n| format!("<code>{}</code>", clipped(n, NAME_MAX)))
        .collect();
    if v.len() > NAMES_SHOWN {
        t.push(format!("and {} more", v.len() - NAMES_SHOWN));
    }
    t.join(", ")
}
