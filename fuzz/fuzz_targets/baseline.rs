//! Arbitrary bytes as a baseline file: loaded or refused with a clean error.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = cargo_aotcheck::report::Report::from_baseline_bytes(
        std::path::Path::new("fuzz-baseline.json"),
        data,
    );
});
