//! Everything from crates, symbols, paths, program output or files reaches the page through
//! here: [`text`] for text and attribute values, [`json_script`] for the data block, and the
//! hashes the Content-Security-Policy allows our own style and script by.

use sha2::{Digest, Sha256};

/// A check id in code, which may break after its kind (`baseline.section:`) and nowhere
/// else: QA av F3, a section id of 45 characters held on one line pushed the table past a
/// 1400 px window; QA i, an id broken anywhere read `baselin|e.secti|on`.
pub fn check_id(id: &str) -> String {
    match id.split_once(':') {
        Some((kind, name)) if !name.is_empty() => format!(
            "<code class=\"id\"><span>{}:</span><wbr><span>{}</span></code>",
            text(kind),
            text(name)
        ),
        _ => format!("<code class=\"id\"><span>{}</span></code>", text(id)),
    }
}

/// Text made inert in HTML, for element content and quoted attribute values alike: `&`, `<`,
/// `>`, `"` and `'` become character references; controls other than tab and line breaks
/// (which HTML forbids) become U+FFFD.
pub fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c.is_control() => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// At most `max` characters of `s`, cut in the middle (see [`crate::format::clip`]); then
/// [`text`].
pub fn clipped(s: &str, max: usize) -> String {
    text(&crate::format::clip(s, max))
}

/// At most `max` characters of `s` from its start, with `…` where it was cut (a label
/// fitted to a box); then [`text`].
pub fn fitted(s: &str, max: usize) -> String {
    text(&crate::format::clip_end(s, max))
}

/// JSON for a `<script type="application/json">` block: no `<`, `>` or `&` anywhere (inside
/// JSON strings they are written `\u003c` and so on, which JSON reads back the same), so
/// neither `</script>` nor `<!--` can end or bend the block; U+2028 and U+2029 escaped too.
pub fn json_script(json: &str) -> String {
    let mut out = String::with_capacity(json.len() + 64);
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

/// `'sha256-…'`: a Content-Security-Policy source that allows exactly this inline element.
pub fn csp_hash(content: &str) -> String {
    format!("'sha256-{}'", base64(&Sha256::digest(content.as_bytes())))
}

/// Standard base64 with padding (RFC 4648), as CSP hashes are written.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i)) as usize & 63]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_in_names_stays_text() {
        let sym = "<alloc::vec::Vec<T> as core::ops::Drop>::drop";
        assert_eq!(
            text(sym),
            "&lt;alloc::vec::Vec&lt;T&gt; as core::ops::Drop&gt;::drop"
        );
        assert_eq!(
            text("a\"b' &amp;\u{0}\n"),
            "a&quot;b&#39; &amp;amp;\u{fffd}\n"
        );
        assert_eq!(clipped("abcdef", 4), "a…ef");
        assert_eq!(clipped("<abcdef>", 5), "&lt;a…f&gt;");
        assert_eq!(clipped("<<<<", 4), "&lt;&lt;&lt;&lt;");
        assert_eq!(fitted("<abcdef>", 5), "&lt;abc…");
    }

    #[test]
    fn json_in_a_script_block_cannot_close_it() {
        let evil = serde_json::json!({"name": "</script><script>alert(1)</script><!--&\u{2028}"});
        let s = json_script(&evil.to_string());
        assert!(
            !s.contains('<') && !s.contains('>') && !s.contains('&'),
            "{s}"
        );
        let back: serde_json::Value = serde_json::from_str(&s).expect("still JSON");
        assert_eq!(back, evil);
    }

    #[test]
    fn base64_as_rfc_4648() {
        // RFC 4648, section 10.
        for (raw, enc) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(raw.as_bytes()), enc);
        }
        // `echo -n 'alert(1)' | openssl dgst -sha256 -binary | base64`
        assert_eq!(
            csp_hash("alert(1)"),
            "'sha256-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI='"
        );
    }
}
