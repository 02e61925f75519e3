//! The name-service switch an image gets: this machine's `/etc/nsswitch.conf`, with the
//! services glibc has built in alone (`files`, `dns`; glibc 2.34 and later). The others
//! (`systemd`, `mdns4_minimal`, `nis`, ...) are modules the image does not hold: glibc would
//! look for them on every lookup, and a static glibc binary that found one could crash there
//! (QA cn F6: procs's image named `systemd`, whose module crashes the static build).

use super::tarball::{Data, Entry};
use crate::report::ImageFile;

/// Where the switch is.
const PATH: &str = "/etc/nsswitch.conf";

/// The services glibc has built in.
const BUILT_IN: [&str; 2] = ["files", "dns"];

/// The image's copy of this machine's switch, if it has one, with the other services left
/// out (`entries` and `files` changed); the warning that says which, `None` when none was.
pub fn built_in_only(entries: &mut [Entry], files: &mut [ImageFile]) -> Option<String> {
    let e = entries.iter_mut().find(|e| e.path == PATH)?;
    let Data::File(host) = &e.data else {
        return None;
    };
    let text = std::fs::read_to_string(host).ok()?;
    let (kept, left) = rewritten(&text);
    if left.is_empty() {
        return None;
    }
    let len = kept.len() as u64;
    e.data = Data::Bytes(kept.into_bytes());
    if let Some(f) = files.iter_mut().find(|f| f.path == PATH) {
        f.size = len;
    }
    // Said as what was done (QA co F6: "`systemd` ... name modules" read as if still named).
    Some(format!(
        "the image's {PATH} is this machine's without {}: modules the image does not hold, \
         which glibc would look for on each lookup (and a static glibc binary that found one \
         could crash there: AOT004); it names the services glibc has built in alone (`files`, \
         `dns`)",
        crate::format::quoted(&left)
    ))
}

/// `text` with each database's services other than [`BUILT_IN`] left out, each with the
/// actions after it (`[NOTFOUND=return]`); a database left with none reads `files`. And the
/// services left out, each once, in order.
fn rewritten(text: &str) -> (String, Vec<String>) {
    let mut out = String::from(
        "# This machine's name-service switch, with the services glibc has built in alone\n\
         # (written by cargo-aotcheck).\n",
    );
    let mut left: Vec<String> = Vec::new();
    for line in text.lines() {
        let body = line.split('#').next().unwrap_or_default();
        let Some((db, services)) = body.split_once(':') else {
            continue;
        };
        let mut kept: Vec<&str> = Vec::new();
        // Whether the last service was kept: its actions go with it.
        let mut keeping = false;
        for token in services.split_whitespace() {
            if token.starts_with('[') || token.ends_with(']') {
                if keeping {
                    kept.push(token);
                }
                continue;
            }
            keeping = BUILT_IN.contains(&token);
            if keeping {
                kept.push(token);
            } else if !left.iter().any(|l| l == token) {
                left.push(token.to_string());
            }
        }
        if kept.is_empty() {
            kept.push("files");
        }
        out.push_str(&format!("{}: {}\n", db.trim(), kept.join(" ")));
    }
    (out, left)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_services_glibc_has_built_in_stay_with_their_actions() {
        let host = "# comment\npasswd:         files systemd\n\
                    hosts:          files mdns4_minimal [NOTFOUND=return] dns\n\
                    services:       db files\nnetgroup:       nis\n\
                    aliases: files [!UNAVAIL=return] dns # a note\n";
        let (text, left) = rewritten(host);
        let lines: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
        assert_eq!(
            lines,
            [
                "passwd: files",
                "hosts: files dns",
                "services: files",
                "netgroup: files",
                "aliases: files [!UNAVAIL=return] dns"
            ]
        );
        assert_eq!(left, ["systemd", "mdns4_minimal", "db", "nis"]);
        // Nothing to leave out: nothing said.
        assert!(rewritten("passwd: files\nhosts: files dns\n").1.is_empty());
    }
}
