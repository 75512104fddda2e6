//! The month's next offer sequence from the offer numbers already stored,
//! computed the same way for both stores (SQL `max` would compare text:
//! "OE-2027-03-10000" < "OE-2027-03-9999").

use chrono::{Datelike, NaiveDate};

/// `OE-YYYY-MM-`: what every offer number of `offer_date`'s month starts with.
pub(crate) fn month_prefix(offer_date: NaiveDate) -> String {
    format!("OE-{:04}-{:02}-", offer_date.year(), offer_date.month())
}

/// 1 + the highest numeric sequence among `numbers` of that month; numbers
/// of other months or with a non-numeric tail (typed by hand) are ignored.
pub(crate) fn next_sequence<'a>(offer_date: NaiveDate, numbers: impl IntoIterator<Item = &'a str>) -> u32 {
    let prefix = month_prefix(offer_date);
    numbers
        .into_iter()
        .filter_map(|n| n.strip_prefix(&prefix))
        .filter(|tail| !tail.is_empty() && tail.bytes().all(|b| b.is_ascii_digit()))
        .filter_map(|tail| tail.parse::<u32>().ok())
        .max()
        .map_or(1, |max| max.saturating_add(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_highest_sequence_of_the_month_counts_numerically() {
        let march = NaiveDate::from_ymd_opt(2027, 3, 20).unwrap();
        assert_eq!(month_prefix(march), "OE-2027-03-");
        assert_eq!(next_sequence(march, []), 1);
        assert_eq!(next_sequence(march, ["OE-2027-03-0009", "OE-2027-03-0010", "OE-2027-04-0042"]), 11);
        assert_eq!(next_sequence(march, ["OE-2027-03-9999", "OE-2027-03-10000"]), 10001);
        assert_eq!(next_sequence(march, ["OE-2027-03-0002-rev", "OE-2027-03-", "OE-2026-03-0005"]), 1);
    }
}
