//! What a start inside that failed looked for and the image lacks: a traced run inside, its
//! paths not found, and which of them the image lacks (see [`lacked`]).

use std::collections::HashSet;
use std::path::Path;

use super::super::contents::{LOADER_CACHE, is_runtime};
use super::super::trace::{self, Launch};
use super::{Host, Inside};
use crate::plan::ProbeSettings;
use crate::report::Missing;

/// A traced run inside: the files the binary did not find (those the host run found, when
/// there are any); and the paths it was not allowed to open, run or make.
pub(super) fn traced(
    inside: &Inside,
    launch: &Launch,
    probe: &ProbeSettings,
    (scratch, root): (&Path, &Path),
    host: &Host,
) -> (Vec<Missing>, Vec<String>) {
    let out = trace::scratch_file(scratch, &format!("inside-{}", inside.binary));
    let Ok(traced) = trace::traced_run(launch, probe, &out) else {
        return Default::default();
    };
    let after = trace::after_exec(&traced.records, inside.binary);
    // As the image names them, each once.
    let in_image = |paths: Vec<String>| {
        let mut seen = HashSet::new();
        paths
            .iter()
            .map(|p| trace::in_root(p, root))
            .filter(|p| seen.insert(p.clone()))
            .collect::<Vec<String>>()
    };
    let denied = in_image(trace::denied(after));
    let found = in_image(trace::not_found(after));
    // `/proc` and the like are the container runtime's; the loader does without its cache
    // (see [`LOADER_CACHE`]): named only when nothing else is.
    let (runtime, own): (Vec<String>, Vec<String>) = found
        .into_iter()
        .partition(|p| is_runtime(p) || p == LOADER_CACHE);
    // The host run started in this process's working directory, as the probe starts it.
    let cwd = std::env::current_dir().unwrap_or_default();
    (lacked(own, runtime, host, (inside.workdir, &cwd)), denied)
}

/// What the image lacks of the paths the run inside did not find: those the host run found
/// (opened, or looked up: QA u, F1), the binary's own first; else the runtime's the host run
/// found, but the loader's cache (it does without); else the others, not on the host either,
/// places a program tries in turn (the loader's search path), its own or, when it has none, the
/// runtime's. QA cw F2: the runtime's `/etc/hostname`, which the host run opened, was dropped
/// for 20 of the dynamic loader's search paths, none on the host. A path under the image's
/// working directory is found on the host under the directory the host run started in (`from`:
/// the two; QA dd F2: static-web-server's `./public`, `/app/public` inside, was passed over for
/// the runtime's `/sys/fs/cgroup/cpu`).
pub(super) fn lacked(
    own: Vec<String>,
    runtime: Vec<String>,
    host: &Host,
    (workdir, cwd): (&str, &Path),
) -> Vec<Missing> {
    let host_path = |path: &String| -> String {
        match Path::new(path).strip_prefix(workdir) {
            Ok(rest) if workdir != "/" => cwd.join(rest).display().to_string(),
            _ => path.clone(),
        }
    };
    let missing = |path: &String| Missing {
        opened_on_host: host.opened.contains(path) || host.opened.contains(&host_path(path)),
        path: path.clone(),
    };
    let on_host = |p: &&String| host.found.contains(*p) || host.found.contains(&host_path(p));
    let own_found: Vec<Missing> = own.iter().filter(on_host).map(missing).collect();
    if !own_found.is_empty() {
        return own_found;
    }
    let runtime_found: Vec<Missing> = runtime
        .iter()
        .filter(on_host)
        .filter(|p| *p != LOADER_CACHE)
        .map(missing)
        .collect();
    if !runtime_found.is_empty() {
        return runtime_found;
    }
    let tried = if own.is_empty() { runtime } else { own };
    if tried.iter().any(|p| on_host(&p)) {
        return tried.iter().filter(on_host).map(missing).collect();
    }
    tried.iter().take(20).map(missing).collect()
}
