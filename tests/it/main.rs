//! Integration tests: run the real binary on real fixtures and check its figures against
//! independent sources (readelf, strip, file, ldd, the file's own length).

// Helpers outside `#[test]` functions fail the test loudly when a tool or fixture is missing.
#![allow(clippy::expect_used)]

mod util;

mod advise;
mod advise_checks;
mod advise_one_feature;
mod advise_stop;
mod advise_stripped;
mod advise_swap;
mod advise_target;
mod audit;
mod audit_feature;
mod audit_gconv;
mod build;
mod cargo_flags;
mod causes;
mod config_checks;
mod gate;
mod gate_checks;
mod gate_rebuilds;
mod gate_render;
mod gate_settings;
mod gate_untouched;
mod gate_words;
mod gate_words_h;
mod graph_skip;
mod hardening;
mod hostile;
mod hostile_foreign;
mod hostile_inlined;
mod hostile_lookups;
mod hostile_runs;
mod hostile_site;
mod html;
mod html_failures;
mod image;
mod image_causes;
mod image_checks;
mod image_home;
mod image_links;
mod image_nss;
mod image_owners;
mod inspect;
mod inspect_c_static;
mod inspect_links;
mod inspect_object;
mod inspect_overview;
mod inspect_prefixed;
mod inspect_std;
mod markdown_inspect;
mod named_files;
mod output;
mod probe;
mod probe_busy;
mod probe_env;
mod probe_misbehaving;
mod probe_qa;
mod probe_stdin;
mod probe_tui;
mod size;
mod size_cells;
mod size_embedded;
mod size_native;
mod size_std_copies;
mod stripped;
mod verdict;
mod why;
mod why_biased;
mod why_entries;
mod why_match;
mod why_pcrel;
mod why_same_name;
mod wording;
