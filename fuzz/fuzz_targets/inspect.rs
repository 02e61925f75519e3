//! Arbitrary bytes through binary inspection (ELF, PE, Mach-O paths): a report or a clean
//! error, never a panic, a hang or an unbounded allocation.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = cargo_aotcheck::inspect::inspect_bytes(std::path::Path::new("fuzz-input"), data, None);
});
