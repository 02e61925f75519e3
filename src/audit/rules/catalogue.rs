//! The catalogue itself: every rule with its triggers, evidence, explanation and advice.

use super::{DENIED, Rule, Scope, c, expands, unless, with};
use crate::report::Severity;

/// Symbols of glibc's NSS (passwd, group, hosts, services, protocols) in a static binary.
#[rustfmt::skip]
const NSS: &[&str] = &[
    "getaddrinfo", "getnameinfo", "gethostbyname", "gethostbyname_r", "gethostbyname2",
    "gethostbyname2_r", "gethostbyaddr", "gethostbyaddr_r",
    "getpwnam", "getpwnam_r", "getpwuid", "getpwuid_r", "getpwent", "getpwent_r",
    "getgrnam", "getgrnam_r", "getgrgid", "getgrgid_r", "getgrent", "getgrent_r",
    "getgrouplist", "initgroups", "getspnam", "getspnam_r",
    "getservbyname", "getservbyname_r", "getservbyport", "getservbyport_r",
    "getprotobyname", "getprotobyname_r", "getprotobynumber", "getprotobynumber_r",
];

pub static RULES: &[Rule] = &[
    Rule {
        id: DENIED,
        title: "crate denied by configuration",
        category: "policy",
        severity: Severity::Error,
        scope: Scope::Any,
        triggers: &[],
        symbols: &[],
        imports: &[],
        needed: &[],
        libraries: &[],
        why: "The project's configuration (`deny = [\"crate\"]`) forbids this crate in a shipped \
              binary. Only crates that reach the binary count: build-dependencies, proc-macros \
              and dev-dependencies never do.",
        detection: "The crate is a normal, target-side dependency of the binary's package in \
                    cargo's resolve for this target and these features.",
        advice: "Remove the dependency (the path shows who pulls it in), or take the crate off \
                 `deny`.",
    },
    Rule {
        id: "AOT001",
        title: "dynamic loading / plugins",
        category: "run time",
        severity: Severity::Error,
        scope: Scope::Static,
        triggers: &[
            c("libloading"),
            c("dlopen"),
            c("dlopen2"),
            c("sharedlib"),
            c("abi_stable"),
            c("x11-dl"),
            c("dylink"),
            with("ash", "loaded"),
            with("khronos-egl", "dynamic"),
            with("clang-sys", "runtime"),
            with("wayland-sys", "dlopen"),
        ],
        symbols: &[],
        imports: &["dlopen", "dlmopen"],
        needed: &[],
        libraries: &[],
        why: "A static glibc binary that calls dlopen loads a second copy of libc with the \
              library: two allocators, two sets of locks and TLS; C++ libraries such as \
              libclang have crashed in their constructors. musl's static dlopen always fails. \
              The feature works in the dynamic build and breaks only in the shipped static one.",
        detection: "The crate (or the feature that switches it to run-time loading) in the \
                    binary's dependency graph; its code kept in the static binary; the dynamic \
                    build's undefined `dlopen@GLIBC_*` import; in the static binary, a crate's \
                    code that calls `dlopen` or `dlmopen` (the reference graph: C code compiled \
                    in or taken from a system archive). That the static binary defines \
                    `dlopen` proves nothing by itself: std links it into every static binary.",
        advice: "Link the library at build time (the crate's `static`/`linked` feature), ship \
                 the dynamic build, or make the plugin a separate process.",
    },
    Rule {
        id: "AOT002",
        title: "run-time code generation",
        category: "run time",
        severity: Severity::Warning,
        scope: Scope::Any,
        triggers: &[
            c("cranelift-jit"),
            c("cranelift-native"),
            with("wasmtime", "cranelift"),
            with("wasmtime", "winch"),
            with("wasmer", "cranelift"),
            with("wasmer", "llvm"),
            with("wasmer", "singlepass"),
            c("inkwell"),
            c("llvm-sys"),
            c("dynasmrt"),
            c("gccjit"),
            // LuaJIT's trace compiler, and Luau's native code generation (QA o: xplr's
            // `lj_mcode_*` make their pages executable with `mprotect`).
            with("mlua-sys", "luajit"),
            with("mlua-sys", "luau-codegen"),
        ],
        symbols: &[],
        imports: &[],
        needed: &["libLLVM", "libgccjit"],
        libraries: &[],
        why: "Code generated at run time cannot be checked or trimmed ahead of time, needs \
              writable-executable memory (refused under W^X policies and some sandboxes), and \
              the compiler it carries (often LLVM, tens of MiB) dominates the binary and its \
              start-up.",
        detection: "The crate (or the compiler feature) in the dependency graph; its code kept \
                    in the binary; `libLLVM*`, `libgccjit` in the dynamic build's `DT_NEEDED`.",
        advice: "Compile ahead of time where possible (e.g. wasmtime's precompiled modules with \
                 the `runtime` feature only), or use an interpreter; check the size cost.",
    },
    Rule {
        id: "AOT003",
        title: "life-before-main registries keep code alive",
        category: "trimming",
        severity: Severity::Warning,
        scope: Scope::Any,
        triggers: &[
            c("inventory"),
            // 0.2 and older are a proc-macro; 0.3 and newer a library over `ctor-proc-macro`.
            expands("ctor"),
            c("linkme"),
            c("typetag"),
            c("distributed_slice"),
        ],
        symbols: &[],
        imports: &[],
        needed: &[],
        libraries: &[],
        why: "Everything registered before main is reachable from the start, so the linker's \
              section GC (Rust's trimming) can never remove it; constructors also run on every \
              start, before main, in an order nobody chose.",
        detection: "The crate in the dependency graph; `.init_array` entries beyond std's 2; \
                    `linkme_*` sections. `ctor` 0.2 is a proc-macro: its `#[ctor]` expands into \
                    the entries, so it is named only when the binary has them.",
        advice: "Register explicitly from main (a plain list or a builder), or accept the cost \
                 knowingly with an `allow` and a reason.",
    },
    Rule {
        id: "AOT004",
        title: "glibc NSS lookups from a static glibc binary",
        category: "run time",
        severity: Severity::Error,
        scope: Scope::StaticGlibc,
        triggers: &[
            c("users"),
            c("uzers"),
            c("whoami"),
            with("nix", "user"),
            c("dirs-sys"),
            c("home"),
            c("etcetera"),
            c("dns-lookup"),
            c("pwd"),
        ],
        symbols: NSS,
        imports: &[],
        needed: &[],
        libraries: &[],
        why: "glibc answers passwd, group, hosts and services lookups through NSS modules it \
              loads with dlopen at run time. A static glibc binary then loads a second libc \
              with `libnss_systemd.so.2` and similar, and crashes (SIGSEGV) or answers wrongly \
              on machines whose `/etc/nsswitch.conf` names anything but `files`. std's \
              `ToSocketAddrs` on a host name and `env::home_dir()` with `HOME` unset do this.",
        detection: "`getaddrinfo`, `gethostbyname*`, `getpw*`, `getgr*`, `getgrouplist`, \
                    `initgroups`, `getserv*`, `getproto*` defined in the static binary (section \
                    GC removes them when unused; `.gnu.warning.*` sections are no evidence); \
                    the crates that call them in the dependency graph.",
        advice: "Build for musl when its target is installed (no NSS), ship the dynamic build, \
                 or avoid the lookup: a DNS resolver written in Rust for host names \
                 (hickory-resolver), numeric addresses; `HOME`/`USER` from the environment for \
                 the user's own home and name, and for other users (a file's or a process's \
                 owner) `/etc/passwd` read by the program itself, which no environment \
                 replaces; port and protocol numbers, not service and protocol names.",
    },
    Rule {
        id: "AOT005",
        title: "system TLS library",
        category: "portability",
        severity: Severity::Warning,
        scope: Scope::Any,
        triggers: &[
            unless("openssl-sys", "vendored"),
            c("native-tls"),
            c("hyper-tls"),
            c("tokio-native-tls"),
            with("reqwest", "native-tls"),
            with("ureq", "native-tls"),
        ],
        symbols: &[],
        imports: &[],
        needed: &["libssl", "libcrypto"],
        libraries: &["ssl", "crypto"],
        why: "The dynamic build needs the host's exact libssl/libcrypto major version at run \
              time. The static build links the build machine's `libssl.a`: a copy distro \
              security updates never patch, looking for certificates and configuration in the \
              build host's `OPENSSLDIR`.",
        detection: "The crate in the dependency graph; its build script linking `ssl`/`crypto` \
                    from the system; `OPENSSLDIR` strings in the static binary; `libssl`, \
                    `libcrypto` in the dynamic build's `DT_NEEDED`.",
        advice: "Use rustls (your HTTP client's TLS feature: reqwest's `rustls`, `rustls-tls` \
                 before 0.13), or openssl's `vendored` feature and \
                 take on patching it yourself.",
    },
    Rule {
        id: "AOT006",
        title: "system library that could be bundled",
        category: "portability",
        severity: Severity::Warning,
        scope: Scope::Any,
        triggers: &[
            unless("libz-sys", "static"),
            unless("libsqlite3-sys", "bundled"),
            unless("bzip2-sys", "static"),
            unless("lzma-sys", "static"),
            unless("curl-sys", "static-curl"),
            unless("libgit2-sys", "vendored"),
            unless("libssh2-sys", "vendored-openssl"),
            unless("zstd-sys", "static"),
            c("pq-sys"),
            c("mysqlclient-sys"),
        ],
        symbols: &[],
        imports: &[],
        needed: &[
            "libz.",
            "libsqlite3",
            "libbz2",
            "liblzma",
            "libcurl",
            "libgit2",
            "libpq",
            "libmysqlclient",
            "libzstd",
        ],
        libraries: &[],
        why: "The build script links the system's copy of a library the crate can build \
              itself. Statically, the binary carries the build host's `.a` (never patched by \
              distro updates); dynamically, every target machine needs the same library and \
              version installed.",
        detection: "A `links` crate whose build script emits a bare `rustc-link-lib=NAME` (not \
                    `static=NAME`), or a listed crate without its bundling feature; the library \
                    in the dynamic build's `DT_NEEDED`.",
        advice: "Enable the crate's bundling feature (`static`, `bundled`, `vendored`), so the \
                 library is built from source and versioned with your code.",
    },
    Rule {
        id: "AOT007",
        title: "system library that cannot be bundled",
        category: "portability",
        severity: Severity::Warning,
        scope: Scope::Any,
        triggers: &[
            c("libudev-sys"),
            c("libsystemd-sys"),
            c("systemd"),
            c("alsa-sys"),
            c("gtk-sys"),
            c("gtk4-sys"),
            c("glib-sys"),
            c("gobject-sys"),
            c("gio-sys"),
            c("libpulse-sys"),
            c("libdbus-sys"),
            c("x11"),
        ],
        symbols: &[],
        imports: &[],
        needed: &[
            "libudev",
            "libsystemd",
            "libasound",
            "libgtk",
            "libglib",
            "libgobject",
            "libgio",
            "libpulse",
            "libdbus",
            "libX11",
        ],
        libraries: &[
            "udev",
            "systemd",
            "asound",
            "gtk-3",
            "gtk-4",
            "glib-2.0",
            "gobject-2.0",
            "gio-2.0",
            "pulse",
            "dbus-1",
            "X11",
        ],
        why: "The library exists only as a shared object (no static archive, or one that \
              loads plugins itself): a static build fails to link with `unable to find \
              library`, even when the code that needs it is never called, or works only on \
              machines with that library installed.",
        detection: "The crate in the dependency graph; a build script linking one of these \
                    libraries from the system; the library in the dynamic build's `DT_NEEDED`.",
        advice: "Put the dependency behind a cargo feature that the static build leaves off, \
                 load the functionality in a helper process, or ship the dynamic build.",
    },
    Rule {
        id: "AOT008",
        title: "glibc floor of the dynamic build",
        category: "fact",
        severity: Severity::Note,
        scope: Scope::Dynamic,
        triggers: &[],
        symbols: &[],
        imports: &[],
        needed: &[],
        libraries: &[],
        why: "A dynamic glibc binary runs only where glibc is at least the highest `GLIBC_2.x` \
              version it imports; a build on a new distro refuses to start on an older one.",
        detection: "`.gnu.version_r` of the dynamic build: the highest `GLIBC_2.x` version and \
                    the symbols that need it.",
        advice: "Ship the static build, build on (or for) the oldest distro you support, or \
                 set `max_glibc` to make this a gate.",
    },
    Rule {
        id: "AOT009",
        title: "build-host paths baked into the binary",
        category: "portability",
        severity: Severity::Warning,
        scope: Scope::Any,
        triggers: &[with("openssl-sys", "vendored"), c("openssl-src")],
        symbols: &[],
        imports: &[],
        needed: &[],
        libraries: &[],
        why: "A path into the build machine's target directory or `$CARGO_HOME` (from \
              `env!(\"OUT_DIR\")`, `env!(\"CARGO_MANIFEST_DIR\")`, or a vendored C library's \
              install prefix such as OpenSSL's `OPENSSLDIR`) names files that do not exist \
              where the binary runs.",
        detection: "Strings in the binary's allocated sections that start with the target \
                    directory, the workspace root or `$CARGO_HOME` (source-file paths of panic \
                    messages and `log` records excepted, a generated file's in `OUT_DIR` \
                    too).",
        advice: "Embed the data (`include_bytes!`/`include_str!`), or look files up at run \
                 time relative to the executable or a configured directory; for vendored \
                 OpenSSL, set `SSL_CERT_FILE`/`SSL_CERT_DIR` or use rustls.",
    },
    Rule {
        id: "AOT010",
        title: "iconv / gconv modules",
        category: "run time",
        severity: Severity::Error,
        scope: Scope::StaticGlibc,
        triggers: &[
            c("iconv"),
            c("iconv-sys"),
            c("gettext-sys"),
            c("gettext-rs"),
        ],
        symbols: &["iconv_open"],
        imports: &[],
        needed: &[],
        libraries: &[],
        why: "glibc's iconv loads a gconv module (a shared object) for every charset but a \
              few: a static glibc binary then loads a second libc, or fails to convert on a \
              machine whose gconv modules differ from the build host's.",
        detection: "`iconv_open` defined in the static binary; the crates that call it in the \
                    dependency graph.",
        advice: "Use a pure-Rust converter (`encoding_rs`), build for musl (built-in \
                 converters), or ship the dynamic build.",
    },
    Rule {
        id: "AOT011",
        title: "does not start in its image",
        category: "run time",
        severity: Severity::Error,
        scope: Scope::Any,
        triggers: &[],
        symbols: &[],
        imports: &[],
        needed: &[],
        libraries: &[],
        why: "The binary starts on the build machine but not inside its own image (`--image`): \
              the image lacks a file the binary opens at start-up, one the build machine \
              happens to have (a config or data file, a path baked in at build time, a \
              certificate store or a library outside the copied set). It will fail the same \
              way in production.",
        detection: "The startup probe runs the binary inside the image's root filesystem, \
                    unpacked from the layer written, as the image's user in a private user and \
                    mount namespace; it did not get ready there though it did on the host. A \
                    traced run inside names the files it looked for that the image lacks.",
        advice: "Add the files to `[package.metadata.aotcheck.image] files`, stop reading \
                 build-host paths (embed the data with `include_bytes!`, or take the path from \
                 an argument or the environment), or rerun the `reproduce` command to see it \
                 fail by hand.",
    },
    Rule {
        id: "AOT012",
        title: "static build needs shared libraries it cannot load",
        category: "linkage",
        severity: Severity::Error,
        scope: Scope::Static,
        triggers: &[],
        symbols: &[],
        imports: &[],
        needed: &[],
        libraries: &[],
        why: "The static link found only the shared library (`libX.so`, no `libX.a`) for a \
              library a build script links, so the binary needs it (`DT_NEEDED`) but has no \
              program interpreter: nothing loads it. The kernel starts the program without a \
              loader, and it crashes at start-up or at the library's first use.",
        detection: "`DT_NEEDED` entries in the static binary, which has no `PT_INTERP`; the \
                    crate whose build script links each library (`rustc-link-lib`).",
        advice: "Install the library's static archive (`libX.a`: the `-dev` package of some \
                 distros, or a build of your own), enable the crate's `vendored`/`bundled` \
                 feature, use a pure-Rust alternative (rustls for OpenSSL), or ship the dynamic \
                 build.",
    },
];
