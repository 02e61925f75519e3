//! How this process's allocator gives memory back.
//!
//! glibc's `malloc` serves a block of 128 KiB or more from a mapping of its own, and returns it
//! to the kernel when it is freed, until the first such block is freed: from then on the
//! threshold grows to the largest block freed so far, so large blocks come from the heap, and
//! freed heap memory stays resident. The graph stage allocates and frees a series of buffers of
//! a few hundred KiB to a few MiB (references, look-ups, edges, the dominators' arrays): on
//! ripgrep's static binary the grown threshold kept ~2,400 KiB of freed memory resident at
//! `inspect`'s peak (22,536 against 20,136 KiB, medians of 9 runs of `/usr/bin/time`). Fixing
//! the threshold at its initial value keeps every large buffer a mapping of its own; what it
//! costs in time was within the noise of 40 runs of `hyperfine`.

/// Keep the threshold for blocks that get a mapping of their own at 128 KiB. Call before any
/// thread is started. Other C libraries: nothing to do (musl returns large blocks anyway).
pub fn return_large_blocks() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `mallopt` only changes a setting of the allocator; called before any other
    // thread exists, so no allocation runs beside it.
    #[allow(unsafe_code)]
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
    }
}

#[cfg(test)]
mod tests {
    use std::process::Command;

    /// In a process of its own (the test binary run again for this one test): with `TUNED`,
    /// the setting is made first. A 4 MiB block is freed, then a second one is written and
    /// freed; prints the anonymous memory resident before the second and after its free.
    #[test]
    #[ignore = "the child process of a_freed_large_block_leaves_resident_memory_only_with_the_setting"]
    fn child_frees_two_large_blocks() {
        let tuned = std::env::var_os("AOTCHECK_HEAP_CHILD").expect("run as a child");
        if tuned == "1" {
            super::return_large_blocks();
        }
        let pid = std::process::id() as i32;
        let anon = || {
            crate::probe::memory::read_process(pid)
                .anon
                .expect("RssAnon")
        };
        let size = 4 << 20;
        drop(std::hint::black_box(vec![1u8; size]));
        let before = anon();
        let second = std::hint::black_box(vec![1u8; size]);
        drop(second);
        // The parent reads this line (the test harness passes stdout through).
        #[allow(clippy::print_stdout)]
        {
            println!("anon {before} {}", anon());
        }
    }

    /// Independent of our reading of glibc: the kernel's count of the process's anonymous
    /// memory after a large block is freed, with and without the setting.
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    #[test]
    fn a_freed_large_block_leaves_resident_memory_only_with_the_setting() {
        let exe = std::env::current_exe().expect("the test binary");
        let kept = |tuned: &str| -> i64 {
            let out = Command::new(&exe)
                .args([
                    "--exact",
                    "heap::tests::child_frees_two_large_blocks",
                    "--nocapture",
                ])
                .args(["--test-threads", "1", "--ignored"])
                .env("AOTCHECK_HEAP_CHILD", tuned)
                .output()
                .expect("run the child");
            let text = String::from_utf8_lossy(&out.stdout);
            let line = text
                .lines()
                .find_map(|l| l.split_once("anon ").map(|(_, v)| v))
                .unwrap_or_else(|| panic!("no figures from the child: {text}"));
            let v: Vec<i64> = line.split(' ').map(|x| x.parse().expect("KiB")).collect();
            v[1] - v[0]
        };
        // glibc's default: the first free raised the threshold, the second block came from
        // the heap and stays resident after its free (4 MiB = 4096 KiB).
        let untuned = kept("0");
        assert!(
            untuned >= 3000,
            "untuned: {untuned} KiB kept, expected ~4096"
        );
        let tuned = kept("1");
        assert!(tuned < 1000, "tuned: {tuned} KiB kept after the free");
    }
}
