//! Dynamic loading whose `dlopen` call is compiled into more than one crate.

use super::*;
use crate::why::refers_by_name;

/// QA bm F3: one `dlopen` (bottom's NVML, through nvml-wrapper and nvml-wrapper-sys) made two
/// AOT001 errors with the same advice, libloading's and nvml-wrapper-sys's, because
/// libloading's generic `Library::new` is compiled into the wrapper's code. Here the package and
/// a wrapper crate, plugin-sys, both call it: one finding, libloading's, that names the
/// wrapper's call; `objdump -d` and the GOT's relocations show `plugin_sys::open` calling
/// `dlopen` itself (the call the finding must not lose). The advice sent the user to
/// libloading's `static`/`linked` feature, which it does not have.
#[test]
fn a_loader_compiled_into_a_wrapper_crate_is_one_finding() {
    let v = audit(
        "audit-libloading-wrapped",
        &[],
        1,
        "static",
        &[Expect {
            rule: "AOT001",
            severity: "error",
            krate: "libloading",
            path: &["audit-libloading-wrapped", "libloading"],
            evidence: &[
                "`dlopen` is reachable: _start → main",
                "static binary: `dlopen` also called from plugin-sys's code \
                 (`plugin_sys::open`, libloading's code compiled into it",
            ],
        }],
    );
    let a = artifact(&v, "static");
    assert!(refers_by_name(
        str_of(a, "path"),
        "plugin_sys::open",
        "dlopen"
    ));
    // libloading has no feature that links a library at build time (`cargo metadata`'s
    // features, checked by `aot001_names_the_packages_feature_that_brings_the_loader_in`), and
    // the package brings it in unconditionally: the advice names no feature.
    let f = &a["findings"][0];
    let advice = str_of(f, "advice");
    assert!(
        advice.starts_with("libloading has no feature that links its library at build time"),
        "{advice}"
    );
    assert!(!advice.contains("feature)"), "{advice}");
}
