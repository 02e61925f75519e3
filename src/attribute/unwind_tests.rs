//! Tests of `unwind`: the LSDA lengths against the compilers' own.

use std::process::Command;

use object::{Object as _, ObjectSection as _};

/// Functions with landing pads: cleanups, catches of several types, nested tries and
/// exception specifications (negative filters), from g++; cleanups and `catch_unwind`
/// from rustc.
const CPP: &str = r#"
    #include <stdexcept>
    #include <string>
    struct D { ~D(); };
    void g(int);
    void f1() throw(int, std::runtime_error) { D d; g(1); }
    int f2(int x) { try { D d; g(x); } catch (int e) { return e; }
        catch (std::exception& e) { return 2; } catch (...) { return 3; } return 0; }
    void f3() throw() { D d; g(3); }
    int f4(int x) { try { g(x); } catch (const std::string& s) {
        try { g(2); } catch (long) { return 4; } } return 1; }
"#;
const RUST: &str = r#"
    pub struct D(pub u32);
    impl Drop for D { fn drop(&mut self) { unsafe { ext(self.0) } } }
    unsafe extern "C" { fn ext(x: u32); }
    #[inline(never)] pub fn g(x: u32) { if x == 7 { panic!("seven") } unsafe { ext(x) } }
    pub fn f1(x: u32) { let _d = D(x); g(x); let _e = D(x + 1); g(x + 2); }
    pub fn f2(x: u32) -> bool {
        std::panic::catch_unwind(|| { let _d = D(x); g(x) }).is_ok() }
    pub fn f3(v: Vec<String>) -> usize {
        let _d = D(1); v.iter().map(|s| { g(s.len() as u32); s.len() }).sum() }
"#;

/// Each LSDA's length, read by `lsda_len`, against the compiler's own: with function
/// sections, g++ and rustc put each function's LSDA in a section of its own.
#[test]
fn an_lsda_ends_where_the_compiler_ended_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (cpp, rs) = (dir.path().join("a.cpp"), dir.path().join("b.rs"));
    std::fs::write(&cpp, CPP).expect("write");
    std::fs::write(&rs, RUST).expect("write");
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let builds = [
        Command::new("g++")
            .args(["-std=c++03", "-O2", "-ffunction-sections", "-c", "-o"])
            .arg(dir.path().join("a.o"))
            .arg(&cpp)
            .status(),
        Command::new(rustc)
            .args([
                "--edition",
                "2021",
                "--crate-type",
                "lib",
                "-O",
                "--emit",
                "obj",
            ])
            .arg("-o")
            .arg(dir.path().join("b.o"))
            .arg(&rs)
            .status(),
    ];
    let mut lens = Vec::new();
    for (built, obj) in builds.into_iter().zip(["a.o", "b.o"]) {
        assert!(built.expect("compiler runs").success(), "{obj}");
        let data = std::fs::read(dir.path().join(obj)).expect("read");
        let file = object::File::parse(&*data).expect("parse");
        for s in file.sections() {
            let name = s.name().expect("name");
            if !name.starts_with(".gcc_except_table.") {
                continue;
            }
            // g++ puts a function's cold part's LSDA in its section too, aligned as
            // each LSDA is: read one after the other, they must end with the section.
            let bytes = s.data().expect("data");
            let (mut at, mut count) = (0u64, 0);
            while at < s.size() {
                let len = super::lsda_len(bytes, at as usize, 0);
                let Some(len) = len else {
                    panic!("{name}: no LSDA read at {at}");
                };
                at = if at + len == s.size() {
                    at + len
                } else {
                    (at + len).next_multiple_of(super::LSDA_ALIGN)
                };
                count += 1;
            }
            assert_eq!(at, s.size(), "{name}");
            lens.push((name.to_string(), count));
        }
    }
    // 4 functions of g++'s (2 with a cold part) and 3 of rustc's.
    assert_eq!(lens.len(), 7, "{lens:?}");
    assert!(lens.iter().any(|l| l.1 == 2), "{lens:?}");
}

/// QA ac, B1: bytes of `.gcc_except_table` that no FDE points at ran on from the LSDA before
/// them. rust-lld keeps the LSDAs of functions `--gc-sections` removed (g++'s object, one
/// section per function's LSDA): the bytes after the last LSDA in use are cut off, and they
/// are exactly the dead functions' LSDAs, by readelf's section sizes in the object.
#[test]
fn the_lsdas_of_removed_functions_are_no_ones() {
    const SRC: &str = r#"
        #include <cstdio>
        #include <stdexcept>
        struct D { ~D() { std::puts("d"); } };
        __attribute__((noinline)) void g(int x) { if (x == 42) throw std::runtime_error("x"); }
        int live(int x) { try { D d; g(x); } catch (int e) { return e; } catch (...) { return 3; }
            return 0; }
        int dead1(int x) { try { D d; g(x + 1); } catch (long e) { return 5; }
            catch (...) { return 6; } return 1; }
        int dead2(int x) { try { D d; g(x + 2); } catch (short e) { return 7; } return 2; }
        int main(int argc, char**) { return live(argc); }
    "#;
    let dir = tempfile::tempdir().expect("tempdir");
    let (src, obj, exe) = (
        dir.path().join("m.cpp"),
        dir.path().join("m.o"),
        dir.path().join("m"),
    );
    std::fs::write(&src, SRC).expect("write");
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let out = |c: &mut Command| {
        let o = c.output().expect("runs");
        assert!(
            o.status.success(),
            "{c:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8_lossy(&o.stdout).trim().to_string()
    };
    let sysroot = out(Command::new(&rustc).args(["--print", "sysroot"]));
    let host = out(Command::new(&rustc).arg("-vV"));
    let host = host
        .lines()
        .find_map(|l| l.strip_prefix("host: "))
        .expect("host");
    let gcc_ld = format!("{sysroot}/lib/rustlib/{host}/bin/gcc-ld");
    out(Command::new("g++")
        .args(["-O2", "-ffunction-sections", "-c", "-o"])
        .arg(&obj)
        .arg(&src));
    out(Command::new("g++")
        .args(["-B", &gcc_ld, "-fuse-ld=lld", "-Wl,--gc-sections", "-o"])
        .arg(&exe)
        .arg(&obj));
    let sizes = |file: &std::path::Path| {
        let data = std::fs::read(file).expect("read");
        let f = object::File::parse(&*data).expect("parse");
        f.sections()
            .filter_map(|s| {
                let name = s.name().ok()?.to_string();
                name.starts_with(".gcc_except_table")
                    .then(|| (name, s.address(), s.size()))
            })
            .collect::<Vec<_>>()
    };
    let of_obj = sizes(&obj);
    let dead: u64 = of_obj
        .iter()
        .filter(|s| s.0.contains("dead"))
        .map(|s| s.2)
        .sum();
    let linked = sizes(&exe);
    let [(_, addr, size)] = linked[..] else {
        panic!("{linked:?}");
    };
    // The linker kept them: the linked table holds every object's LSDA section.
    assert_eq!(size, of_obj.iter().map(|s| s.2).sum::<u64>(), "{of_obj:?}");
    let data = std::fs::read(&exe).expect("read");
    let described = super::described::<object::elf::FileHeader64<object::Endianness>>(&data);
    let cuts: Vec<u64> = described
        .iter()
        .filter(|d| d.owner == crate::attribute::coverage::NO_OWNER)
        .map(|d| d.start)
        .filter(|&s| (addr..addr + size).contains(&s))
        .collect();
    assert_eq!(cuts, [addr + size - dead], "{of_obj:?} at {addr:#x}");
}
