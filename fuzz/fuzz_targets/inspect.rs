//! Arbitrary bytes through binary inspection and size attribution (ELF, PE, Mach-O paths): a
//! report or a clean error, never a panic, a hang or an unbounded allocation.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let path = std::path::Path::new("fuzz-input");
    if let Ok(mut binary) = cargo_aotcheck::inspect::inspect_bytes(path, data, None) {
        if binary.format == "elf" {
            let settings = cargo_aotcheck::attribute::Settings::default();
            let _ = cargo_aotcheck::attribute::attribute_bytes(path, data, &mut binary, None, &settings);
        }
    }
});
