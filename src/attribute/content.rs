//! What an anonymous constant holds, in a few words: its name (`anon.1a60…28`) tells nothing,
//! and the largest of them are often files a crate embeds (mdbook's theme: fonts, scripts,
//! style sheets; QA bk F9: 7 of mdbook's 10 largest rows read as hashes). Read from the
//! constant's first bytes: a known file signature, text (quoted, its start), or all zeros.

/// What a constant in data the loader fixes up holds (a table of pointers, slices, vtables).
pub const ADDRESSES: &str = "data holding addresses";

/// Bytes looked at: enough for a signature and a line of text.
const LOOK: usize = 64;
/// Characters of text quoted.
const QUOTED: usize = 28;

/// What `bytes` (a constant's first bytes; `size`: all of its bytes) look like, or `None` when
/// they look like nothing in particular (a table of numbers).
pub fn describe(bytes: &[u8], size: u64) -> Option<String> {
    let head = &bytes[..bytes.len().min(LOOK)];
    if head.len() < 4 {
        return None;
    }
    if let Some(kind) = signature(head, size) {
        return Some(kind.to_string());
    }
    if head.iter().all(|&b| b == 0) {
        return Some("zero bytes".into());
    }
    text(head)
}

/// A file's signature at the start (its "magic"): images, fonts, archives, compressed data.
fn signature(head: &[u8], size: u64) -> Option<&'static str> {
    const KNOWN: &[(&[u8], &str)] = &[
        (b"\x89PNG\r\n\x1a\n", "PNG image"),
        (b"GIF87a", "GIF image"),
        (b"GIF89a", "GIF image"),
        (b"\xff\xd8\xff", "JPEG image"),
        (b"wOF2", "WOFF2 font"),
        (b"wOFF", "WOFF font"),
        (b"OTTO", "OpenType font"),
        (b"\x1f\x8b\x08", "gzip data"),
        (b"\x28\xb5\x2f\xfd", "zstd data"),
        (b"BZh", "bzip2 data"),
        (b"\xfd7zXZ\x00", "xz data"),
        (b"PK\x03\x04", "zip archive"),
        (b"\x7fELF", "ELF file"),
        (b"\x00asm", "WebAssembly module"),
        (b"%PDF-", "PDF document"),
        (b"RIFF", "RIFF data (WebP, WAV)"),
    ];
    if let Some((_, kind)) = KNOWN.iter().find(|(magic, _)| head.starts_with(magic)) {
        return Some(kind);
    }
    // TrueType's version 1.0 is four bytes any table could start with: only for a constant
    // the size of a font, with its table count after it.
    let tables = u16::from_be_bytes([*head.get(4)?, *head.get(5)?]);
    (head.starts_with(b"\x00\x01\x00\x00") && size >= 4096 && (4..=64).contains(&tables))
        .then_some("TrueType font")
}

/// Printable text (UTF-8, with line breaks and tabs) at the start, quoted and cut: the whole
/// of what was looked at must be text, but for a cut character at its end.
fn text(head: &[u8]) -> Option<String> {
    let valid = match std::str::from_utf8(head) {
        Ok(s) => s,
        Err(e) if head.len() - e.valid_up_to() < 4 && e.error_len().is_none() => {
            std::str::from_utf8(&head[..e.valid_up_to()]).ok()?
        }
        Err(_) => return None,
    };
    let printable = |c: char| !c.is_control() || matches!(c, '\n' | '\r' | '\t');
    if valid.chars().count() < 4 || !valid.chars().all(printable) {
        return None;
    }
    let mut quoted = String::from("\"");
    for (n, c) in valid.chars().enumerate() {
        if n == QUOTED {
            quoted.push('…');
            break;
        }
        quoted.extend(c.escape_debug());
    }
    quoted.push('"');
    Some(format!("text {quoted}"))
}

#[cfg(test)]
mod tests {
    use super::describe;

    #[test]
    fn signatures_text_and_zeros_are_told_and_numbers_are_not() {
        let d = |b: &[u8], size: u64| describe(b, size);
        assert_eq!(
            d(b"wOF2\x00\x01\x00\x00abcd", 90_000).as_deref(),
            Some("WOFF2 font")
        );
        assert_eq!(
            d(b"\x89PNG\r\n\x1a\n\x00\x00", 5000).as_deref(),
            Some("PNG image")
        );
        assert_eq!(
            d(b"\x1f\x8b\x08\x00\x00\x00", 300).as_deref(),
            Some("gzip data")
        );
        let ttf = b"\x00\x01\x00\x00\x00\x12\x01\x00\x00\x04";
        assert_eq!(d(ttf, 80_000).as_deref(), Some("TrueType font"));
        assert_eq!(d(ttf, 100), None, "too small for a font");
        assert_eq!(d(&[0; 32], 4096).as_deref(), Some("zero bytes"));
        let html = b"<!DOCTYPE html>\n<html lang=\"en\" class=\"light\">\n<head>";
        assert_eq!(
            d(html, 20_000).as_deref(),
            Some("text \"<!DOCTYPE html>\\n<html lang=\\\"…\"")
        );
        // UTF-8 cut inside a character at the end of what was looked at is still text.
        let mut cut = "é".repeat(31).into_bytes();
        cut.push(0xc3);
        assert!(d(&cut, 100).is_some_and(|t| t.starts_with("text \"éé")));
        // A table of numbers, or text with control bytes in it, is nothing in particular.
        assert_eq!(d(&[1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0], 12), None);
        assert_eq!(d(b"abc\x01def\x02ghi", 11), None);
        assert_eq!(d(b"ab", 2), None);
    }
}
