//! Arbitrary text as a `--config-file`: validated settings or an error naming the key.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(config) = cargo_aotcheck::config::Config::from_file_text(
            text,
            std::path::Path::new("fuzz.toml"),
        ) {
            let _ = config.for_bin("app", "app");
        }
    }
});
