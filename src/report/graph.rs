//! The reference graph of a binary: what keeps code alive. Owned by the graph stage
//! (`src/graph/`); the audit and the gate read it.

use serde::{Deserialize, Serialize};

/// How one step of a chain refers to the next.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "kebab-case")]
pub enum RefKind {
    /// The first step: a root (the entry point, an `.init_array` entry, an export, ...).
    Root,
    /// A call or jump.
    Call,
    /// Code loads the address (RIP-relative `lea`/`mov`, a GOT slot, an absolute immediate).
    Address,
    /// Data holds the address (a vtable, a function-pointer table, `.init_array`, a GOT entry).
    Data,
    /// Bytes that describe the previous step: its unwind entry, its dynamic relocation.
    Describes,
}

impl RefKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RefKind::Root => "root",
            RefKind::Call => "call",
            RefKind::Address => "address",
            RefKind::Data => "data",
            RefKind::Describes => "describes",
        }
    }
}

/// One step of a chain: a symbol (or a fallback label), its crate, and how the step before
/// it refers to it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Step {
    pub symbol: String,
    #[serde(rename = "crate")]
    pub krate: Option<String>,
    pub kind: RefKind,
    /// A generic of std's (`core`'s `call_mut`) compiled into another crate's code: that
    /// crate, whose code it runs (the audit's caller of the next step).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instantiated_in: Option<String>,
    /// `[k, n]`: the k-th (in address order) of n symbols of the binary that read the same
    /// (instantiations of one generic function), as `--symbols` rows say; absent when it is
    /// the only one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub copy: Option<[u32; 2]>,
    /// With `copy`: the hash that the symbol's raw name ends with (`h0123456789abcdef`), as
    /// `nm` without `-C` shows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hash: Option<String>,
    /// Where the step's bytes start in memory, as `nm` and `objdump -d` give it: in JSON a
    /// hex string (`"0x4a2b30"`, exact past 2^53); absent in reports made before it (QA dm F10).
    #[serde(default, skip_serializing_if = "Option::is_none", with = "hex_address")]
    pub address: Option<u64>,
}

/// [`Step::address`] as a hex string.
mod hex_address {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(a: &Option<u64>, s: S) -> Result<S::Ok, S::Error> {
        match a {
            Some(a) => s.serialize_str(&format!("{a:#x}")),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
        let Some(text) = Option::<String>::deserialize(d)? else {
            return Ok(None);
        };
        let digits = text.strip_prefix("0x").unwrap_or(&text);
        u64::from_str_radix(digits, 16)
            .map(Some)
            .map_err(|e| serde::de::Error::custom(format!("address `{text}`: {e}")))
    }
}

impl Step {
    /// A step of `symbol` reached by `kind`, nothing else known of it (the audit's chains made
    /// without a graph, and tests).
    pub fn named(symbol: &str, krate: Option<&str>, kind: RefKind) -> Step {
        Step {
            symbol: symbol.to_string(),
            krate: krate.map(str::to_string),
            kind,
            instantiated_in: None,
            copy: None,
            hash: None,
            address: None,
        }
    }

    /// Whether the step is bytes without a symbol, named by a label of ours (`[section
    /// .rodata]`): the name alone does not say which bytes, the address does.
    pub fn is_label(&self) -> bool {
        self.symbol.starts_with('[') && self.symbol.ends_with(']')
    }

    /// The step's symbol as shown: with which copy it is, when there are several (QA ar F5),
    /// in the words of `--why`'s targets.
    pub fn shown(&self) -> String {
        match (self.copy, &self.hash) {
            (Some([k, n]), Some(h)) => format!("{} (copy {k} of {n}, hash {h})", self.symbol),
            (Some([k, n]), None) => format!("{} (copy {k} of {n})", self.symbol),
            _ => self.symbol.clone(),
        }
    }
}

/// The shortest chain of references from a root to `target`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Chain {
    pub target: String,
    /// Root first; empty when nothing reaches the target (it is linked but unreachable).
    pub steps: Vec<Step>,
    /// What the target retains (bytes in memory): what would become unreachable without it.
    /// `--why`'s chains have it; a finding's chain does not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retained: Option<u64>,
}

/// Where the edges of the graph come from, and so how far to trust it.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum EdgeSource {
    /// The binary's own relocation sections (linked with `--emit-relocs`): exact.
    Relocations,
    /// The relocations of a second link of the same objects with `--emit-relocs` (our own
    /// builds): exact.
    AnalysisLink,
    /// Decoded from the machine code (calls, jumps, RIP-relative operands) and the dynamic
    /// relocations: lower confidence (an indirect call through a register is not seen).
    Decoded,
}

impl EdgeSource {
    pub fn as_str(self) -> &'static str {
        match self {
            EdgeSource::Relocations => "relocations",
            EdgeSource::AnalysisLink => "analysis-link",
            EdgeSource::Decoded => "decoded",
        }
    }

    pub fn exact(self) -> bool {
        !matches!(self, EdgeSource::Decoded)
    }

    /// What a decoded graph's figures may get wrong, both ways (QA cb F4: just's stripped
    /// copy read 70 KiB more reachable than the exact graph, which the caveat "a call through
    /// a register is not seen" did not let a reader expect).
    pub const DECODED_CAVEAT: &str = "lower confidence: a call through a register is not \
        seen, and code without a symbol runs on into the code after it unless an unwind entry \
        starts a function there, so the reachable bytes may be over or under";
}

/// The reference graph, summed up.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct GraphSummary {
    pub edges_from: EdgeSource,
    /// Nodes: symbols and the pieces of bytes no symbol covers.
    pub nodes: u64,
    pub edges: u64,
    /// What the roots are, e.g. `entry point _start`, `.init_array`.
    pub roots: Vec<String>,
    /// Loaded bytes reachable from a root, and the rest (linked but unreachable).
    pub reachable_bytes: u64,
    pub unreachable_bytes: u64,
}

/// `--why`'s note on a binary without a symbol table: nothing can be matched by name there
/// (`matched` is `none`, and the renderers say why rather than "nothing matches").
pub const NEEDS_SYMBOLS: &str = "chains need symbols: this binary has no symbol table \
    (stripped), and no analysis link of its build was found to read them from (`cargo \
    aotcheck` keeps one for each binary it builds, which `inspect` finds from the project's \
    directory or with the build's --target-dir); the section view above still holds";

/// Where `inspect --target-dir DIR` looked for the analysis link of build `id` and found none
/// (QA cv F2: the note told a user who had given DIR to give it).
pub fn link_not_under(dir: &str, id: &str) -> String {
    format!(
        "no analysis link of build id {id} is under {dir} (looked in {dir}, {dir}/graph, \
         {dir}/<static|dynamic|advise/cargo>/graph and {dir}/aotcheck/<static|dynamic|\
         advise/cargo>/graph)"
    )
}

/// [`NEEDS_SYMBOLS`] when `inspect --target-dir DIR` was given: where it looked.
pub fn needs_symbols_under(dir: &str, id: &str) -> String {
    format!(
        "chains need symbols: this binary has no symbol table (stripped), and {}; the \
         section view above still holds",
        link_not_under(dir, id)
    )
}

/// `--why PATTERN`: what it matched and the chains that keep it alive.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Why {
    pub pattern: String,
    /// `crate`, `symbol`, or `none` when nothing in this binary matched.
    pub matched: String,
    /// With a crate: how many distinct symbols of it other crates refer to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entry_points: Option<u64>,
    /// With a crate: how many distinct names those symbols have (instantiations of one generic
    /// function share one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entry_names: Option<u64>,
    pub chains: Vec<Chain>,
    /// Matches beyond the chains shown.
    #[serde(default)]
    pub more: u64,
    /// Why no chain could be given (e.g. the binary has no symbols).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// A pattern that names no crate of the binary, and some of whose matches are symbols of
    /// crates whose names start with it (`serde` → `serde_core`, `serde_json`): those chains
    /// come first, then the others, each the nearest to a root first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crates_first: Option<String>,
}

impl Why {
    /// The order of the chains, for the headings: `the nearest to a root first`.
    pub fn order_words(&self) -> String {
        match &self.crates_first {
            Some(stem) => format!(
                "those of crates named `{stem}`… first, then the others, each the nearest to a \
                 root first"
            ),
            None => "the nearest to a root first".into(),
        }
    }

    /// Nothing was matched because the binary has no symbol table to match in.
    pub fn needs_symbols(&self) -> bool {
        self.matched == "none"
            && self
                .note
                .as_deref()
                .is_some_and(|n| n.starts_with("chains need symbols:"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// QA dm F10: an address is a hex string, exact where a JSON number is not (past 2^53, a
    /// kernel's); a step written before it has none; a bad one is an error that says it.
    #[test]
    fn a_steps_address_is_a_hex_string() {
        let step = Step {
            address: Some(0xffff_ffff_8100_0001),
            ..Step::named("f", None, RefKind::Call)
        };
        let v = serde_json::to_value(&step).expect("json");
        assert_eq!(v["address"], "0xffffffff81000001");
        let back: Step = serde_json::from_value(v).expect("read back");
        assert_eq!(back, step);
        let old = serde_json::json!({"symbol": "f", "crate": null, "kind": "call"});
        let old: Step = serde_json::from_value(old).expect("old step");
        assert_eq!(old.address, None);
        assert!(
            serde_json::to_value(&old)
                .expect("json")
                .get("address")
                .is_none()
        );
        let bad =
            serde_json::json!({"symbol": "f", "crate": null, "kind": "call", "address": "0xzz"});
        let e = serde_json::from_value::<Step>(bad).expect_err("bad address");
        assert!(e.to_string().contains("address `0xzz`"), "{e}");
    }
}
