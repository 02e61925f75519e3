//! `--compare --no-probe` on the page: the side-by-side table has no rows of unknowns.

use super::*;

/// QA o's fix of the terminal's table (no startup or memory rows when nothing was probed)
/// did not reach the page, whose rows read "unknown" for both builds, as if the probe had
/// failed to measure them. In the browser: the table's rows are the JSON's metrics in bytes
/// and the glibc floor, the startup and memory rows are left out, and a line says why.
#[test]
fn a_compare_page_without_a_probe_has_no_rows_of_unknowns() {
    let (page_file, json) = page_and_report(
        "hello-server",
        "hello-server-compare-no-probe",
        &["--compare", "--no-probe"],
    );
    let metrics = json["comparisons"][0]["metrics"]
        .as_array()
        .expect("metrics");
    // The report still has the probe's metrics, without figures.
    let unmeasured: Vec<&Value> = metrics
        .iter()
        .filter(|m| m["unit"] == "ms" || m["unit"] == "KiB")
        .collect();
    assert!(!unmeasured.is_empty(), "{metrics:?}");
    assert!(unmeasured.iter().all(|m| m["static"].is_null()));
    let in_bytes: Vec<String> = metrics
        .iter()
        .filter(|m| m["unit"] == "B")
        .map(|m| m["metric"].as_str().unwrap_or("").replace('_', " "))
        .collect();
    let url = format!("file://{}", page_file.display());
    let mut browser = cdp::Browser::start();
    let mut page = browser.open(&url, 1280);
    let rows = page.eval(
        "Array.from(document.querySelectorAll('table.comparison tbody tr')).map(r => \
         r.cells[0].textContent.trim())",
    );
    let mut expected: Vec<Value> = in_bytes.into_iter().map(Value::from).collect();
    expected.push(Value::from("glibc floor"));
    assert_eq!(rows, Value::from(expected));
    let note = page
        .eval("Array.from(document.querySelectorAll('p.note')).map(p => p.textContent).join('|')");
    assert!(
        note.as_str().is_some_and(|n| n.contains(
            "Startup and memory: not measured (no probe in this run); ratio = static / regular."
        )),
        "{note}"
    );
    assert_quiet(&page, &url);
}
