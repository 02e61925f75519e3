//! What the advice says of start-up: a change beyond the noise only (QA ah).

use super::*;

/// QA ah, F3 and F4: a start-up change is a percent only beyond the noise (`≈` within it,
/// nothing without an interval); a combined variant that starts up slower, and each knob of it
/// that alone did, is said under what to paste, with the interval and the bytes at stake.
#[test]
fn start_up_changes_beyond_the_noise_only() {
    let mut a = advice();
    let r = rows(&a.binaries[0]);
    let cells: Vec<&str> = r.iter().map(|r| r.startup_change.as_str()).collect();
    assert_eq!(cells, ["", "≈", "+90%", "", "", "", "-6.6%"]);
    let slower = slower_knobs(&a);
    assert_eq!(slower.len(), 1, "{slower:?}");
    assert!(
        slower[0].starts_with(
            "`-C relocation-model=static` alone made the start-up slower: +90% (95% interval \
             +72% to +105%); it saves 51.0 KiB, 3.7% of the file"
        ),
        "{slower:?}"
    );
    assert!(slower[0].ends_with(": leave its line out where start-up counts for more"));
    // QA dq F12: read on a busy machine, the slower start-up is not settled, and not a reason
    // to leave the line out.
    let mut busy = a.clone();
    busy.notes.push(Advice::BUSY_NOTE.into());
    let said = slower_knobs(&busy);
    assert!(
        said[0].ends_with(
            ": read on a busy machine, so not settled: measure again on a quiet one (or with \
             --runs 20) before leaving its line out"
        ),
        "{said:?}"
    );
    // QA bp F2: with the symbols stripped by the combined build, a knob kept for what it
    // saved of the stripped file says that, not the bytes it added to the unstripped one.
    let mut stripping = a.clone();
    stripping.combined_knobs.push("strip=symbols".into());
    let knob = stripping.binaries[0]
        .variants
        .iter_mut()
        .find(|v| v.id == "relocation-model=static")
        .and_then(|v| v.measured.change.as_mut())
        .expect("the knob's change");
    (knob.file_size, knob.file_size_percent) = (99_664, 1.5);
    (knob.stripped_size, knob.stripped_size_percent) = (Some(-522_432), Some(-10.0));
    assert!(
        slower_knobs(&stripping)[0].contains(
            "; it saves 510 KiB, 10.0% of the stripped file, which the combined build ships: \
             leave its line out"
        ),
        "{:?}",
        slower_knobs(&stripping)
    );
    // QA bq F1: a knob that changed nothing loaded (its stripped file the base's size) made
    // no start-up slower, whatever a busy run read.
    let mut unloaded = a.clone();
    let knob = unloaded.binaries[0]
        .variants
        .iter_mut()
        .find(|v| v.id == "relocation-model=static")
        .and_then(|v| v.measured.change.as_mut())
        .expect("the knob's change");
    knob.stripped_size = Some(0);
    assert!(
        slower_knobs(&unloaded).is_empty(),
        "{:?}",
        slower_knobs(&unloaded)
    );
    let combined = a.binaries[0].combined.as_mut().expect("combined");
    let c = combined.measured.change.as_mut().expect("change");
    (c.startup_ratio, c.startup_ratio_interval) = (Some(1.5), Some([1.2, 1.8]));
    assert_eq!(
        slower_knobs(&a)[0],
        "the combined variant starts up slower than the profile as it is: +50% (95% interval \
         +20% to +80%)"
    );
    let style = plain();
    let s = human(&a, &style);
    assert!(
        s.contains("(-361 KiB -26.0%, start-up +50%), paste into"),
        "{s}"
    );
    assert!(markdown(&a).contains("- note: the combined variant starts up slower"));
    // Five runs: the ratio without an interval, no cell.
    let c = a.binaries[0].combined.as_mut().expect("combined");
    let change = c.measured.change.as_mut().expect("change");
    change.startup_ratio_interval = None;
    assert_eq!(
        startup_short(change).as_deref(),
        Some("start-up +50% (no interval)")
    );
    assert_eq!(rows(&a.binaries[0])[6].startup_change, "");
}
