//! Arbitrary bytes as a baseline file: loaded or refused with a clean error.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = cargo_aotcheck::gate::baseline::parse(
        std::path::Path::new("fuzz-baseline.json"),
        data,
    );
});
