//! A finding the baseline had and this run has not, as the gate's comparison records it.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// `procs (static): AOT004 on std (error)`: in JSON the one string it always was; its parts
/// apart for the renderers, which word them each in their own way (the Markdown parsed the
/// string back).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GoneFinding {
    /// The binary, as the gate labels it (`procs (static)`).
    pub binary: String,
    pub rule: String,
    pub krate: String,
    /// `error`, `allowed warning`, ...
    pub severity: String,
}

impl std::fmt::Display for GoneFinding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.rule.is_empty() {
            // Read from a report whose words were not these: as it was.
            true => f.write_str(&self.binary),
            false => write!(
                f,
                "{}: {} on {} ({})",
                self.binary, self.rule, self.krate, self.severity
            ),
        }
    }
}

impl GoneFinding {
    /// The parts of `text` as [`Display`](std::fmt::Display) writes them; other words are kept
    /// whole (as the binary's, with no rule), never an error: a baseline file's comparison
    /// of its own is not what the gate reads of it.
    fn parse(text: &str) -> GoneFinding {
        let parts = text.rsplit_once(": ").and_then(|(binary, rest)| {
            let (rule, rest) = rest.split_once(" on ")?;
            let (krate, severity) = rest.rsplit_once(" (")?;
            Some(GoneFinding {
                binary: binary.into(),
                rule: rule.into(),
                krate: krate.into(),
                severity: severity.strip_suffix(')')?.into(),
            })
        });
        parts.unwrap_or_else(|| GoneFinding {
            binary: text.into(),
            ..GoneFinding::default()
        })
    }
}

impl Serialize for GoneFinding {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for GoneFinding {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(|t| GoneFinding::parse(&t))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The string JSON has read back into the same parts; words of another kind kept whole.
    #[test]
    fn a_gone_finding_is_its_string_in_json_and_its_parts_in_memory() {
        let g = GoneFinding {
            binary: "procs (static)".into(),
            rule: "AOT004".into(),
            krate: "std".into(),
            severity: "allowed error".into(),
        };
        let v = serde_json::to_value(&g).expect("json");
        assert_eq!(v, "procs (static): AOT004 on std (allowed error)");
        let back: GoneFinding = serde_json::from_value(v).expect("read back");
        assert_eq!(back, g);
        let odd: GoneFinding = serde_json::from_value("something else".into()).expect("odd");
        assert_eq!(
            (odd.to_string().as_str(), odd.rule.as_str()),
            ("something else", "")
        );
    }
}
