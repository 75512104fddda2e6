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
    let number = &p.offer_number;
    if p.just_accepted {
        l.para(
            &format!("Thank you very much for accepting our offer {number}. We are delighted to host your event."),
            &format!(
                "Herzlichen Dank für die Annahme unseres Angebots {number}. Wir freuen uns sehr auf Ihren Anlass."
            ),
        );
    } else {
        l.para(
            &format!("Thank you for your message regarding offer {number}."),
            &format!("Vielen Dank für Ihre Nachricht zu unserem Angebot {number}."),
        );
    }
    l.intro("To confirm your booking, we still need:", "Für die definitive Bestätigung benötigen wir noch:");
    if p.billing_missing {
        l.bullet(if l.de() {
            "Ihre Rechnungsadresse (Firma, Strasse, PLZ und Ort)"
        } else {
            "your billing address (company, street, postal code and city)"
        });
    }
    if let Some((amount, due)) = p.deposit {
        let due = format_date(due, lang);
        l.bullet(&if l.de() {
            format!("die Anzahlung von {} bis {due} (Zahlungsreferenz: {number})", chf(amount))
        } else {
            format!("the deposit of {} by {due} (payment reference: {number})", chf(amount))
        });
        if let Some(pay) = payment {
            l.gap();
            l.intro("Bank details for the deposit:", "Bankverbindung für die Anzahlung:");
            l.bullet(&format!("IBAN: {}", pay.iban));
            l.bullet(&format!("{}: {}", if l.de() { "Begünstigter" } else { "Beneficiary" }, pay.beneficiary));
            l.bullet(&format!("{}: {number}", if l.de() { "Zahlungsreferenz" } else { "Reference" }));
        }
    }
    l.gap();
    l.para(
        "As soon as we have everything, we will send you the booking confirmation.",
        "Sobald alles vorliegt, senden wir Ihnen die Buchungsbestätigung.",
    );
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
    let when = when.text(lang);
    l.para("We are pleased to confirm your booking:", "Gerne bestätigen wir Ihnen Ihre Buchung:");
    let de = l.de();
    l.bullet(&format!("{}: {when}", if de { "Datum" } else { "Date" }));
    if let Some(r) = room {
        l.bullet(&format!("{}: {r}", if de { "Raum" } else { "Room" }));
    }
    if let Some(n) = attendees {
        l.bullet(&format!("{}: {n}", if de { "Anzahl Personen" } else { "Guests" }));
    }
    l.gap();
    l.para(
        "We will be in touch about the final details closer to the date. We look forward to welcoming you.",
        "Rechtzeitig vor dem Anlass melden wir uns bei Ihnen, um die letzten Details zu besprechen. Wir freuen uns auf Sie.",
    );
    l.sign(venue)
}

pub fn declined(name: &str, lang: Language, venue: &str) -> String {
    let mut l = Letter::new(lang, name);
    l.para(
        "Thank you for letting us know. We are sorry it did not work out this time. We have released your reservation.",
        "Vielen Dank für Ihre Rückmeldung. Wir bedauern, dass es diesmal nicht geklappt hat, und haben die Reservation freigegeben.",
    );
    l.para(
        "We would be happy to welcome you on another occasion.",
        "Gerne dürfen Sie sich bei einem nächsten Anlass wieder an uns wenden.",
    );
    l.sign(venue)
}

pub fn cancelled(name: &str, lang: Language, venue: &str, date: NaiveDate, confirmed: bool) -> String {
    let mut l = Letter::new(lang, name);
    let d = format_date(date, lang);
    l.para(
        &format!("Thank you for letting us know. We have cancelled your reservation for {d}."),
        &format!("Vielen Dank für Ihre Mitteilung. Wir haben Ihre Reservation für {d}, storniert."),
    );
    if confirmed {
        l.para(
            "As your booking was already confirmed, our cancellation terms apply; we will send you the final invoice separately.",
            "Da Ihre Buchung bereits bestätigt war, gelten unsere Annullationsbedingungen; die Schlussabrechnung erhalten Sie separat.",
        );
    }
    l.para("We hope to welcome you another time.", "Wir hoffen, Sie ein anderes Mal bei uns begrüssen zu dürfen.");
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
