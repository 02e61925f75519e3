//! `cargo aotcheck advise` regressions found by QA: refused flags, variants that never get
//! ready, an interrupt's verdict, the settings' real sources, the snippets' wording.

use crate::util::*;

/// B5: `advise --help` offered `--image` (and the symbol report's flags), which `advise`
/// refused with "build and probe options go after `advise`". What it refuses, it does not
/// offer, and the refusal names the flag.
#[test]
fn advise_help_does_not_offer_what_advise_refuses() {
    let help = run(aotcheck().args(["aotcheck", "advise", "--help"]));
    assert_eq!(help.code, 0);
    for (flag, args) in [
        ("--image", &["--image"][..]),
        ("--why", &["--why", "std"]),
        ("--filter", &["--filter", "std"]),
        ("--symbols", &["--symbols", "5"]),
        ("-n", &["-n", "5"]),
        ("--crates", &["--crates"]),
    ] {
        let offered = help
            .stdout
            .lines()
            .any(|l| l.trim_start().split([' ', ',']).next() == Some(flag));
        assert!(!offered, "advise --help offers {flag}:\n{}", help.stdout);
        let r = run(aotcheck().args(["aotcheck", "advise"]).args(args));
        assert_eq!(r.code, 2, "{flag}: {}", r.stderr);
        assert!(
            r.stderr
                .contains(&format!("{flag} does not apply to `advise`")),
            "{flag}: {}",
            r.stderr
        );
    }
    // The main command still offers and takes them.
    let main = run(aotcheck().args(["aotcheck", "--help"]));
    assert!(main.stdout.contains("--image [<DIR>]"), "{}", main.stdout);
}
