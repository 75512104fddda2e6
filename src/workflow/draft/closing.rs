//! Steps 5–7 and the ends of a conversation: what is still needed after an
//! acceptance, the confirmation, and the goodbyes.

use chrono::NaiveDate;

use super::{format_date, Letter, When};
use crate::workflow::extract::Language;
use crate::workflow::offer::chf;
use crate::workflow::Payment;

/// What stands between an accepted offer and the confirmation.
#[derive(Debug, Clone, PartialEq)]
pub struct Prerequisites {
    pub offer_number: String,
    /// The client accepted in the mail this answers (thank them for it).
    pub just_accepted: bool,
    pub billing_missing: bool,
    /// Amount in Rappen and the day it is due.
    pub deposit: Option<(i64, NaiveDate)>,
}

/// `payment`: the venue's bank details, stated with the deposit (the
/// reference is the offer number).
pub fn prerequisites(name: &str, lang: Language, venue: &str, p: &Prerequisites, payment: Option<&Payment>) -> String {
    let mut l = Letter::new(lang, name);
    let m = l.m();
    let number = &p.offer_number;
    if p.just_accepted {
        l.para(&m.thanks_for_accepting(number));
    } else {
        l.para(&m.thanks_about_offer(number));
    }
    l.intro(m.to_confirm_we_need());
    if p.billing_missing {
        l.bullet(m.billing_address_needed());
    }
    if let Some((amount, due)) = p.deposit {
        l.bullet(&m.deposit_due(&chf(amount), &format_date(due, lang), number));
        if let Some(pay) = payment {
            l.gap();
            l.bank_details(pay, number);
        }
    }
    l.gap();
    l.para(m.confirmation_follows());
    l.sign(venue)
}

pub fn confirmation(
    name: &str,
    lang: Language,
    venue: &str,
    when: When,
    room: Option<&str>,
    attendees: Option<u32>,
) -> String {
    let mut l = Letter::new(lang, name);
    let m = l.m();
    l.para(m.we_confirm());
    l.bullet(&m.fact_date(&when.text(lang)));
    if let Some(r) = room {
        l.bullet(&m.fact_room(r));
    }
    if let Some(n) = attendees {
        l.bullet(&m.fact_guests(n));
    }
    l.gap();
    l.para(m.confirmed_outro());
    l.sign(venue)
}

pub fn declined(name: &str, lang: Language, venue: &str) -> String {
    let mut l = Letter::new(lang, name);
    let m = l.m();
    l.para(m.declined());
    l.para(m.welcome_back());
    l.sign(venue)
}

pub fn cancelled(name: &str, lang: Language, venue: &str, date: NaiveDate, confirmed: bool) -> String {
    let mut l = Letter::new(lang, name);
    let m = l.m();
    l.para(&m.cancelled(&format_date(date, lang)));
    if confirmed {
        l.para(m.cancellation_terms());
    }
    l.para(m.hope_to_welcome());
    l.sign(venue)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prerequisites_list_the_billing_address_and_the_deposit_with_amount_and_due_date() {
        let p = Prerequisites {
            offer_number: "OE-2026-11-0001".into(),
            just_accepted: true,
            billing_missing: true,
            deposit: Some((134_585, NaiveDate::from_ymd_opt(2026, 12, 9).unwrap())),
        };
        let en = prerequisites("Anna", Language::En, "The Atelier", &p, None);
        assert!(en.contains("accepting our offer OE-2026-11-0001"), "{en}");
        assert!(en.contains("- your billing address"), "{en}");
        assert!(en.contains("- the deposit of CHF 1'345.85 by Wednesday, 09.12.2026"), "{en}");
        let de =
            prerequisites("Anna", Language::De, "The Atelier", &Prerequisites { billing_missing: false, ..p }, None);
        assert!(de.contains("Anzahlung von CHF 1'345.85 bis Mittwoch, 09.12.2026"), "{de}");
        assert!(!de.contains("Rechnungsadresse"), "{de}");
        assert!(!de.contains("IBAN") && !en.contains("IBAN"), "no bank details unless configured");
    }

    #[test]
    fn a_deposit_request_gives_the_venues_bank_details_with_the_offer_number_as_reference() {
        let p = Prerequisites {
            offer_number: "OE-2026-11-0001".into(),
            just_accepted: false,
            billing_missing: false,
            deposit: Some((50_000, NaiveDate::from_ymd_opt(2026, 12, 9).unwrap())),
        };
        let pay = Payment { iban: "CH93 0076 2011 6238 5295 7".into(), beneficiary: "The Atelier AG".into() };
        let de = prerequisites("Anna", Language::De, "The Atelier", &p, Some(&pay));
        for line in [
            "- IBAN: CH93 0076 2011 6238 5295 7",
            "- Begünstigter: The Atelier AG",
            "- Zahlungsreferenz: OE-2026-11-0001",
        ] {
            assert!(de.contains(line), "{line:?} in {de}");
        }
        let en = prerequisites("Anna", Language::En, "The Atelier", &p, Some(&pay));
        assert!(en.contains("Bank details for the deposit:\n- IBAN: CH93"), "{en}");
        assert!(en.contains("- Beneficiary: The Atelier AG") && en.contains("- Reference: OE-2026-11-0001"), "{en}");
        let no_deposit =
            prerequisites("Anna", Language::En, "The Atelier", &Prerequisites { deposit: None, ..p }, Some(&pay));
        assert!(!no_deposit.contains("IBAN"), "bank details only with a deposit due: {no_deposit}");
    }
}
