//! Below the images' table: what each image leaves out of what the run opened, and its
//! warnings, as the terminal and the page say them (QA do F6: the job summary said neither,
//! the CAs left out nor the entrypoint's `localhost`).

use std::fmt::Write as _;

use super::{code, label, spans};
use crate::report::{LeftOutWhy, Report};

/// Files listed for an image; JSON has them all.
const SHOWN: usize = 10;

pub(super) fn render(s: &mut String, report: &Report) {
    for a in &report.artifacts {
        let Some(i) = a.image.as_deref() else {
            continue;
        };
        // The runtime's own files (`/proc`, `/dev`) are no gap of the image's.
        let left: Vec<_> = i
            .not_in_image
            .iter()
            .filter(|l| l.why != LeftOutWhy::Runtime)
            .collect();
        if left.is_empty() && i.warnings.is_empty() {
            continue;
        }
        let _ = writeln!(s, "Image of {}:\n", label(a, code));
        for w in &i.warnings {
            let _ = writeln!(s, "- ⚠️ {}", spans(w, false));
        }
        if !left.is_empty() {
            let _ = writeln!(s, "- not in the image, {}:", i.left_out_heading());
            for l in left.iter().take(SHOWN) {
                let _ = writeln!(s, "  - {}: {}", code(&l.path), spans(&l.said(), false));
            }
            if left.len() > SHOWN {
                let more = crate::format::count(left.len() - SHOWN, "more", "more");
                let _ = writeln!(s, "  - and {more} (JSON's `image.not_in_image` lists them)");
            }
        }
        s.push('\n');
    }
}
