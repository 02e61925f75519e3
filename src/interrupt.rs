//! Ctrl-C (SIGINT) and SIGTERM: recorded, not fatal, so that every stage can stop its children,
//! remove its temporary files and leave existing files untouched before the process exits.
//!
//! A stage that waits checks [`requested`] in its loop and returns [`Error::Interrupted`].

use std::sync::Arc;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::error::Error;

static FLAG: OnceLock<Arc<AtomicBool>> = OnceLock::new();

/// Install the handlers (once; later calls do nothing). A second Ctrl-C while the first is
/// being handled ends the process at once, as users expect.
pub fn install() {
    let flag = FLAG.get_or_init(|| Arc::new(AtomicBool::new(false)));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        // Exit on the second signal, record the first.
        let _ = signal_hook::flag::register_conditional_shutdown(sig, 130, Arc::clone(flag));
        let _ = signal_hook::flag::register(sig, Arc::clone(flag));
    }
}

/// Whether the user asked us to stop.
pub fn requested() -> bool {
    FLAG.get().is_some_and(|f| f.load(Ordering::Relaxed))
}

/// `Err(Error::Interrupted)` once the user asked us to stop.
pub fn check() -> Result<(), Error> {
    if requested() {
        Err(Error::Interrupted)
    } else {
        Ok(())
    }
}

/// For tests: act as if the user pressed Ctrl-C.
pub fn request() {
    FLAG.get_or_init(|| Arc::new(AtomicBool::new(false)))
        .store(true, Ordering::Relaxed);
}
