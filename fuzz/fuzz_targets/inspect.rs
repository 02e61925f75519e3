//! Arbitrary bytes through binary inspection, size attribution and the reference graph (ELF,
//! PE, Mach-O paths; the graph decodes x86-64 code when there are no relocations), as
//! `cargo aotcheck inspect` runs them: a report or a clean error, never a panic, a hang or an
//! unbounded allocation.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let path = std::path::Path::new("fuzz-input");
    if let Ok(mut binary) = cargo_aotcheck::inspect::inspect_bytes(path, data, None) {
        let settings = cargo_aotcheck::options::SizeOptions::default();
        let _ = cargo_aotcheck::graph::inspect_bytes(path, data, &mut binary, &settings);
    }
});
