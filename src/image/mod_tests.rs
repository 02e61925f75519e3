//! Tests of `mod.rs`.

use super::launch::{PATH, environment};

#[test]
fn qa_image_env_path_replaces_the_default_path() {
    let env = |v: &[(&str, &str)]| {
        let v: Vec<(String, String)> = v
            .iter()
            .map(|(k, x)| (k.to_string(), x.to_string()))
            .collect();
        environment(&v, Some(9090))
    };
    let own = env(&[("A", "{port}"), ("PATH", "/x")]);
    assert_eq!(
        own,
        [("PATH".into(), "/x".into()), ("A".into(), "9090".into())]
    );
    let default = env(&[("A", "1")]);
    assert_eq!(default[0], ("PATH".to_string(), PATH.to_string()));
    assert_eq!(default.len(), 2);
}
