//! Integration tests: run the real binary on real fixtures and check its figures against
//! independent sources (readelf, strip, file, ldd, the file's own length).

mod util;

mod build;
mod inspect;
mod probe;
