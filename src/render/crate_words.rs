//! What a crate's row says beside its figures, in every format: how sure its bytes are, its
//! generic code compiled into other crates, and why std retains more than it owns.

use crate::report::CrateSize;

/// Under a crate table where std retains over twice what it owns: why, and that it is no
/// crate to remove (QA ad, F9).
pub fn std_retained(k: &CrateSize) -> String {
    format!(
        "std retains {}: code that std's own shims call (`FnOnce::call_once`, \
         `__rust_begin_short_backtrace`, a thread's start) is reached only through them; std is \
         no crate to remove, and `--why CRATE` shows what keeps a crate of yours",
        crate::format::size(k.retained.unwrap_or(0))
    )
}

/// The crate's confidence: the class of most of its bytes, and when that is less than
/// [`MOSTLY`] of them, the next class too, each with its share, in the terminal and the
/// Markdown (QA ap F4: the Markdown said `exact` alone) (QA an F7: zstd_sys read
/// `heuristic` with 37% of it `exact`, from its build script's `libzstd.a`).
pub fn confidence_note(k: &CrateSize) -> String {
    let main = k.confidence.main();
    let part = |c: crate::report::Confidence| k.confidence.get(c) as f64 / k.vm_size as f64;
    // No loaded byte (an object's rows: QA dn F20 read "exact"): nothing to be sure of.
    if k.vm_size == 0 && k.confidence.get(main) == 0 {
        return "–".to_string();
    }
    if k.vm_size == 0 || part(main) >= MOSTLY {
        return main.as_str().to_string();
    }
    let next = crate::report::Confidence::ALL
        .into_iter()
        .filter(|c| *c != main)
        .max_by_key(|c| (k.confidence.get(*c), std::cmp::Reverse(*c)));
    match next.filter(|c| k.confidence.get(*c) > 0) {
        Some(n) => format!(
            "{} {:.0}%, {} {:.0}%",
            main.as_str(),
            part(main) * 100.0,
            n.as_str(),
            part(n) * 100.0
        ),
        None => main.as_str().to_string(),
    }
}

/// `, 2.38 MiB instantiated in other crates` of a crate whose generic code other crates hold
/// at least 1% of its own bytes' worth of; less is not said (QA dr F3: "26 B" of mdbook_html's
/// 1.45 MiB wrapped its row onto a second line).
pub fn instantiated_note(k: &CrateSize) -> String {
    match k.instantiated_elsewhere {
        n if n > 0 && n.saturating_mul(100) >= k.vm_size => {
            format!(", {} instantiated in other crates", crate::format::size(n))
        }
        _ => String::new(),
    }
}

/// The share of a crate's bytes its main confidence class must have to stand alone.
const MOSTLY: f64 = 0.8;
