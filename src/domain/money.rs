//! Money as integer Rappen (1 CHF = 100) and rates as basis points, read
//! from JSON numbers or numeric strings without float arithmetic.

use serde::{Deserialize, Deserializer};

/// Parses decimal text ("18", "8.5", "-1234.50") scaled by 10^`scale`:
/// `parse_scaled("8.5", 2) == Some(850)`. Extra digits round half away from
/// zero. `None` for anything else (exponents, blanks, overflow).
pub fn parse_scaled(text: &str, scale: u32) -> Option<i64> {
    let t = text.trim();
    let (neg, t) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let (int, frac) = t.split_once('.').unwrap_or((t, ""));
    if (int.is_empty() && frac.is_empty()) || !int.chars().chain(frac.chars()).all(|c| c.is_ascii_digit()) {
        return None;
    }
    let mut v: i64 = 0;
    for c in int.chars() {
        v = v.checked_mul(10)?.checked_add(i64::from(c.to_digit(10)?))?;
    }
    let mut digits = frac.chars();
    for _ in 0..scale {
        let d = digits.next().and_then(|c| c.to_digit(10)).unwrap_or(0);
        v = v.checked_mul(10)?.checked_add(i64::from(d))?;
    }
    if digits.next().and_then(|c| c.to_digit(10)).is_some_and(|d| d >= 5) {
        v = v.checked_add(1)?;
    }
    Some(if neg { -v } else { v })
}

/// A JSON number or numeric string as decimal text. A float is read through
/// its shortest round-trip text (`8.5` -> "8.5"), so no float arithmetic
/// touches the amount.
#[derive(Deserialize)]
#[serde(untagged)]
enum NumOrText {
    Int(i64),
    Float(f64),
    Text(String),
}

impl NumOrText {
    fn scaled(&self, scale: u32) -> Option<i64> {
        match self {
            NumOrText::Int(i) => i.checked_mul(10_i64.checked_pow(scale)?),
            NumOrText::Float(f) => parse_scaled(&f.to_string(), scale),
            NumOrText::Text(s) => parse_scaled(s, scale),
        }
    }
}

fn de_scaled<'de, D: Deserializer<'de>>(d: D, scale: u32) -> Result<Option<i64>, D::Error> {
    match Option::<NumOrText>::deserialize(d)? {
        None => Ok(None),
        Some(NumOrText::Text(s)) if s.trim().is_empty() => Ok(None),
        Some(n) => n.scaled(scale).map(Some).ok_or_else(|| serde::de::Error::custom("not a decimal number")),
    }
}

pub fn de_chf<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    de_scaled(d, 2)
}

pub fn de_chf_required<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    de_scaled(d, 2)?.ok_or_else(|| serde::de::Error::custom("missing price"))
}

pub fn de_percent<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    de_scaled(d, 2)?
        .map(|v| u32::try_from(v).map_err(|_| serde::de::Error::custom("negative or huge rate")))
        .transpose()
}

pub fn de_bool<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(Option::<bool>::deserialize(d)?.unwrap_or(false))
}
