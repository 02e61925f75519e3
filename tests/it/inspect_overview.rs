//! `inspect` of a folder: one line per file before the reports, and the files that are one
//! link (QA cf F9), against `readelf` and `stat`.

use crate::util::*;
use cargo_aotcheck::format::size;

/// A C program, its stripped copy (`strip` keeps the build-id) and `/bin/true`: three rows with
/// the linkage, sizes, symbols and build-id that `readelf` and `stat` give, and one line that
/// names the program and its stripped copy as one link, and not `true`.
#[test]
fn a_folder_gets_one_line_per_file_and_its_copies_of_one_link_named() {
    let dir = tempfile::tempdir().expect("tempdir");
    let at = |name: &str| dir.path().join(name).to_string_lossy().into_owned();
    let prog = gcc(
        dir.path(),
        "prog",
        b"int main(void) { return 0; }\n",
        &["-Wl,--build-id"],
    );
    std::fs::remove_file(at("prog.c")).expect("rm prog.c");
    tool("strip", &["-o", &at("prog-stripped"), &prog]);
    // A name long enough that a column of the table would cut it.
    let long = "true-copied-under-a-name-a-table-column-would-cut";
    std::fs::copy("/bin/true", at(long)).expect("copy /bin/true");
    let r = run(aotcheck()
        .args(["aotcheck", "inspect", "--color", "never"])
        .arg(dir.path()));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let table: Vec<&str> = r
        .stdout
        .lines()
        .skip_while(|l| *l != "3 files inspected:")
        .take(7)
        .collect();
    assert!(table.len() == 7, "{}", r.stdout);
    for name in ["prog", "prog-stripped", long] {
        let path = at(name);
        // The path whole and last (QA da F8: it was cut to fit a column).
        let row = table
            .iter()
            .find(|l| l.ends_with(&format!(" {path}")))
            .unwrap_or_else(|| panic!("no row for {path}:\n{}", r.stdout));
        let cells: Vec<&str> = row.split_whitespace().collect();
        let len = std::fs::metadata(&path).expect("stat").len();
        assert!(row.contains(&size(len)), "{row}: {len} B");
        let program = tool("readelf", &["-lW", &path]);
        assert_eq!(
            cells[0],
            if program.contains("INTERP") {
                "dynamic"
            } else {
                "?"
            }
        );
        let sections = tool("readelf", &["-SW", &path]);
        let symbols = if sections.contains(".symtab") {
            "yes"
        } else {
            "no"
        };
        assert!(cells.contains(&symbols), "{row}");
        let notes = tool("readelf", &["-n", &path]);
        let id = notes
            .lines()
            .find_map(|l| l.trim().strip_prefix("Build ID: "))
            .expect("a build-id");
        assert!(row.contains(&format!(" {}… ", &id[..12])), "{row}: {id}");
    }
    let one = format!(
        "`{}`, `{}` are one build (the same build-id",
        at("prog"),
        at("prog-stripped")
    );
    assert!(words(&r.stdout).contains(&one), "{}", r.stdout);
    assert_eq!(
        words(&r.stdout).matches("are one build").count(),
        1,
        "{}",
        r.stdout
    );
    // Every line within 100 columns, but the rows whose path makes them longer.
    let long_rows = |l: &&str| !l.ends_with(long);
    let rest: Vec<&str> = r.stdout.lines().filter(long_rows).collect();
    unfilled(&rest.join("\n"));
}
