//! C libraries that `-sys` crates build from source and whose global names carry a prefix of
//! their own: for `inspect FILE`, which has no archive of the build, the prefix names the
//! crate (QA ay F4: aws-lc-sys's 2.55 MiB of `aws_lc_0_46_0_*` were `[unknown]`, the largest
//! row of xh's table). A name's prefix is a guess about where the code came from, so a crate
//! named this way has `heuristic` confidence; an archive that defines the symbol always wins.

/// A prefix, whether the crate's version follows it (`aws_lc_0_46_0_`, `ring_core_0_17_14_`:
/// the crates prefix every symbol with their version, so that two versions link side by
/// side), and the crate (as rustc names it: `aws_lc_sys`).
const KNOWN: &[(&str, bool, &str)] = &[
    ("aws_lc_fips_", true, "aws_lc_fips_sys"),
    ("aws_lc_", true, "aws_lc_sys"),
    ("ring_core_", true, "ring"),
    // tikv-jemalloc-sys builds jemalloc with the prefix `_rjem_`.
    ("_rjem_", false, "tikv_jemalloc_sys"),
    ("ZSTD_", false, "zstd_sys"),
    ("sqlite3", false, "libsqlite3_sys"),
    ("libssh2_", false, "libssh2_sys"),
    ("_libssh2_", false, "libssh2_sys"),
    ("nghttp2_", false, "libnghttp2_sys"),
    ("BZ2_", false, "bzip2_sys"),
    ("LZ4_", false, "lz4_sys"),
    ("git_", false, "libgit2_sys"),
    ("mi_", false, "libmimalloc_sys"),
    ("_mi_", false, "libmimalloc_sys"),
    // QA be F3: git-delta's oniguruma (521 KiB) and zlib were `[unknown]` to `inspect`, and
    // half of libgit2 (its network and xdiff code).
    ("onig_", false, "onig_sys"),
    ("onigenc_", false, "onig_sys"),
    ("Onig", false, "onig_sys"),
    ("gitno_", false, "libgit2_sys"),
    ("xdl_", false, "libgit2_sys"),
    // OpenSSL, vendored or the system's `libssl.a`/`libcrypto.a`, both openssl-sys's (QA bi
    // F3: gitui's 3.44 MiB of it were `[unknown]`, its internals taken for libgit2's).
    ("OPENSSL_", false, "openssl_sys"),
    ("OSSL_", false, "openssl_sys"),
    ("ossl_", false, "openssl_sys"),
    ("SSL_", false, "openssl_sys"),
    ("ssl3_", false, "openssl_sys"),
    ("tls1_", false, "openssl_sys"),
    ("dtls1_", false, "openssl_sys"),
    ("EVP_", false, "openssl_sys"),
    ("X509", false, "openssl_sys"),
    ("BIO_", false, "openssl_sys"),
    ("ERR_", false, "openssl_sys"),
    ("CRYPTO_", false, "openssl_sys"),
    ("ASN1_", false, "openssl_sys"),
    ("PEM_", false, "openssl_sys"),
    ("BN_", false, "openssl_sys"),
    ("RSA_", false, "openssl_sys"),
    ("EC_", false, "openssl_sys"),
    ("ECDSA_", false, "openssl_sys"),
    ("DH_", false, "openssl_sys"),
    ("DSA_", false, "openssl_sys"),
    ("RAND_", false, "openssl_sys"),
    ("OBJ_", false, "openssl_sys"),
    ("ENGINE_", false, "openssl_sys"),
    ("DSO_", false, "openssl_sys"),
    ("CONF_", false, "openssl_sys"),
    ("NCONF_", false, "openssl_sys"),
    ("OCSP_", false, "openssl_sys"),
    ("PKCS", false, "openssl_sys"),
    ("CMS_", false, "openssl_sys"),
    ("d2i_", false, "openssl_sys"),
    ("i2d_", false, "openssl_sys"),
    // zlib's own names, unprefixed: a static binary has them from a bundled zlib only.
    ("deflate", false, "libz_sys"),
    ("inflate", false, "libz_sys"),
    // `crc32` and `crc32_*`, not another CRC's `crc32c` (QA dj F7: qemu's).
    ("crc32_", false, "libz_sys"),
    ("adler32", false, "libz_sys"),
    ("_tr_", false, "libz_sys"),
    ("zlibVersion", false, "libz_sys"),
    ("zcalloc", false, "libz_sys"),
    ("zcfree", false, "libz_sys"),
    ("z_errmsg", false, "libz_sys"),
];

/// The crate a C symbol's name says it is of, by [`KNOWN`]'s prefixes; `None` for any other
/// name (and for a versioned prefix with no version after it: `aws_lc_foo` is no aws-lc's).
/// OpenSSL's shorter prefixes only where the binary has OpenSSL's own names (`openssl`: see
/// [`is_openssl_own`]).
pub(super) fn crate_of(name: &[u8], openssl: bool) -> Option<&'static str> {
    if name == b"crc32" {
        return Some("libz_sys");
    }
    KNOWN.iter().find_map(|&(prefix, versioned, krate)| {
        let rest = name.strip_prefix(prefix.as_bytes())?;
        let gated = krate == "openssl_sys" && !openssl && !is_openssl_own(name);
        (!gated && (!versioned || is_version(rest))).then_some(krate)
    })
}

/// A name only OpenSSL gives its code (`OPENSSL_init_crypto`, `ossl_rsa_new`).
pub(super) fn is_openssl_own(name: &[u8]) -> bool {
    [&b"OPENSSL_"[..], b"ossl_", b"OSSL_"]
        .iter()
        .any(|p| name.starts_with(p))
}

/// Whether `rest` starts with a version as the prefixes write it, `MAJOR_MINOR_PATCH_`.
fn is_version(rest: &[u8]) -> bool {
    let mut parts = rest.split(|&b| b == b'_');
    (0..3).all(|_| {
        parts
            .next()
            .is_some_and(|p| !p.is_empty() && p.iter().all(u8::is_ascii_digit))
    }) && parts.next().is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_prefix_names_its_crate_and_a_versioned_one_needs_the_version() {
        let cases: &[(&str, Option<&str>)] = &[
            ("aws_lc_0_46_0_aes_gcm_encrypt_avx512", Some("aws_lc_sys")),
            ("aws_lc_fips_0_13_7_EVP_sha256", Some("aws_lc_fips_sys")),
            ("ring_core_0_17_14_bn_mul_mont", Some("ring")),
            ("_rjem_malloc", Some("tikv_jemalloc_sys")),
            ("ZSTD_compress", Some("zstd_sys")),
            ("sqlite3_open_v2", Some("libsqlite3_sys")),
            ("mi_malloc", Some("libmimalloc_sys")),
            ("onig_search", Some("onig_sys")),
            ("OnigEncodingUTF8", Some("onig_sys")),
            ("deflateInit2_", Some("libz_sys")),
            ("crc32_z", Some("libz_sys")),
            ("crc32", Some("libz_sys")),
            // QA dj F7: another CRC's name is no zlib's.
            ("crc32c", None),
            ("xdl_diff", Some("libgit2_sys")),
            ("SSL_CTX_set_cipher_list", Some("openssl_sys")),
            ("ossl_store_handle_load_result", Some("openssl_sys")),
            ("EVP_DigestInit_ex", Some("openssl_sys")),
            ("_libssh2_packet_add", Some("libssh2_sys")),
            // A versioned prefix with no version after it, or a part of one only.
            ("aws_lc_init", None),
            ("aws_lc_0_46_", None),
            ("ring_core_x_17_14_f", None),
            ("ring_core_0_17_14", None),
            ("memcpy", None),
            ("main", None),
        ];
        for &(name, want) in cases {
            assert_eq!(crate_of(name.as_bytes(), true), want, "{name}");
        }
        // QA bl F1: without OpenSSL's own names in the binary, `ERR_` is no OpenSSL's (zstd's
        // `ERR_getErrorString`); its own names still are.
        assert_eq!(crate_of(b"ERR_getErrorString", false), None);
        assert_eq!(crate_of(b"EVP_DigestInit_ex", false), None);
        assert_eq!(crate_of(b"OPENSSL_init_crypto", false), Some("openssl_sys"));
        assert_eq!(crate_of(b"ZSTD_compress", false), Some("zstd_sys"));
    }
}
