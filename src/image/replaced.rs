//! The files a traced run on this machine opened through the probe's own arguments, where
//! `image.args` runs the image with others (QA bj F3).

use std::path::Path;

/// Mark the files left out that the traced run on this machine opened under a path only the
/// probe's arguments name: the image runs with `image_args` instead, which do not (QA bj F3:
/// static-web-server's `--root DIR` of the probe was "not in the image", where the image
/// serves its own `/srv/www`).
pub(super) fn probe_only(
    left_out: &mut [crate::report::LeftOut],
    probe_args: &[String],
    image_args: &[String],
) {
    let paths: Vec<std::path::PathBuf> = probe_args
        .iter()
        .map(|x| x.split_once('=').map_or(x.as_str(), |(_, v)| v))
        .filter(|x| !image_args.iter().any(|i| i.contains(x)))
        .filter_map(|x| std::path::absolute(x).ok())
        .filter(|p| p.exists())
        .collect();
    for l in left_out
        .iter_mut()
        .filter(|l| l.why == crate::report::LeftOutWhy::NotCopied)
    {
        if paths.iter().any(|p| Path::new(&l.path).starts_with(p)) {
            l.why = crate::report::LeftOutWhy::ProbeArgument;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// QA bj F3: a file the run on this machine opened under the probe's `--root DIR` is no
    /// file the image lacks when `image.args` runs it with another root; one under a path the
    /// image's arguments name too, or under none, still is.
    #[test]
    fn a_file_under_the_probe_s_own_argument_is_said_to_be() {
        use crate::report::{LeftOut, LeftOutWhy};
        let dir = tempfile::tempdir().expect("tempdir");
        let (www, data) = (dir.path().join("www"), dir.path().join("data"));
        for d in [&www, &data] {
            std::fs::create_dir(d).expect("mkdir");
        }
        let at = |d: &Path, f: &str| d.join(f).to_string_lossy().into_owned();
        let mut left = vec![
            LeftOut {
                path: at(&www, "index.html"),
                why: LeftOutWhy::NotCopied,
                in_image: None,
            },
            LeftOut {
                path: at(&data, "db"),
                why: LeftOutWhy::NotCopied,
                in_image: None,
            },
            LeftOut {
                path: "/opt/other".into(),
                why: LeftOutWhy::NotCopied,
                in_image: None,
            },
        ];
        let probe = [
            "--root".to_string(),
            www.to_string_lossy().into_owned(),
            format!("--data={}", data.display()),
        ];
        let image = [
            "--root".to_string(),
            "/srv/www".to_string(),
            format!("--data={}", data.display()),
        ];
        probe_only(&mut left, &probe, &image);
        let why: Vec<LeftOutWhy> = left.iter().map(|l| l.why).collect();
        assert_eq!(
            why,
            [
                LeftOutWhy::ProbeArgument,
                LeftOutWhy::NotCopied,
                LeftOutWhy::NotCopied
            ]
        );
    }
}
