use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

/// A syntactically plausible, lower-cased email address.
///
/// Lower-casing at parse time is what makes "Anna@X.ch" and "anna@x.ch" the
/// same client (clients are looked up by lower-cased email).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct EmailAddress(String);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("not a valid email address")]
pub struct InvalidEmailAddress;

impl EmailAddress {
    pub fn parse(raw: &str) -> Result<Self, InvalidEmailAddress> {
        let s = raw.trim().trim_start_matches('<').trim_end_matches('>').trim();
        let (local, domain) = s.rsplit_once('@').ok_or(InvalidEmailAddress)?;
        let plausible = !local.is_empty()
            && local.len() <= 64
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && s.len() <= 254
            && !s.chars().any(|c| c.is_whitespace() || c.is_control() || c == '<' || c == '>');
        if plausible {
            Ok(Self(s.to_lowercase()))
        } else {
            Err(InvalidEmailAddress)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn local_part(&self) -> &str {
        self.0.split('@').next().unwrap_or_default()
    }

    pub fn domain(&self) -> &str {
        self.0.rsplit('@').next().unwrap_or_default()
    }
}

impl AsRef<str> for EmailAddress {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for EmailAddress {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        EmailAddress::parse(&raw).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_lower_cased_and_unwrapped() {
        let a = EmailAddress::parse(" <Anna.Keller@Keller-Consulting.CH> ").unwrap();
        assert_eq!(a.as_str(), "anna.keller@keller-consulting.ch");
        assert_eq!(a.local_part(), "anna.keller");
        assert_eq!(a.domain(), "keller-consulting.ch");
    }

    #[test]
    fn implausible_addresses_are_rejected() {
        for bad in ["", "anna", "anna@", "@x.ch", "anna@localhost", "an na@x.ch", "a@x.ch.", "a@.ch"] {
            assert_eq!(EmailAddress::parse(bad), Err(InvalidEmailAddress), "{bad:?}");
        }
    }
}
