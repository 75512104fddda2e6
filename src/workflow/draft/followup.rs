//! Follow-ups the service drafts when time passes (see
//! `workflow/followup.rs`): a reminder before an offer runs out or a
//! deposit is due, a nudge after a silence, the note that an option lapsed.

use chrono::NaiveDate;

use super::{format_date, Letter};
use crate::workflow::extract::Language;
use crate::workflow::offer::chf;
use crate::workflow::Payment;

/// The sent offer `number` for the event on `event_date` is valid until
/// `valid_until`; the client has not answered.
pub fn offer_expiry(
    name: &str,
    lang: Language,
    venue: &str,
    number: &str,
    event_date: NaiveDate,
    valid_until: NaiveDate,
) -> String {
    let mut l = Letter::new(lang, name);
    let (date, until) = (format_date(event_date, lang), format_date(valid_until, lang));
    l.para(
        &format!(
            "We hope you have had a chance to look at our offer {number} for your event on {date}. \
             It is valid until {until}; until then we are holding the room for you."
        ),
        &format!(
            "Wir hoffen, Sie konnten unser Angebot {number} für Ihren Anlass am {date} bereits prüfen. \
             Es ist gültig bis {until}; bis dahin halten wir den Raum für Sie frei."
        ),
    );
    l.para(
        "If you have any questions or would like to change anything, simply reply to this message. \
         To confirm the booking, a short reply is enough.",
        "Falls Sie Fragen haben oder etwas anpassen möchten, antworten Sie einfach auf diese Nachricht. \
         Für Ihre Zusage genügt eine kurze Antwort.",
    );
    l.sign(venue)
}

/// The deposit (`amount` in Rappen, due on the date) of the accepted offer
/// `number` is not paid yet. `payment`: the venue's bank details.
pub fn deposit_due(
    name: &str,
    lang: Language,
    venue: &str,
    number: &str,
    event_date: NaiveDate,
    (amount, due): (i64, NaiveDate),
    payment: Option<&Payment>,
) -> String {
    let mut l = Letter::new(lang, name);
    let (date, due) = (format_date(event_date, lang), format_date(due, lang));
    let amount = chf(amount);
    l.para(
        &format!(
            "A friendly reminder: the deposit of {amount} for your event on {date} is due on {due} \
             (payment reference: {number})."
        ),
        &format!(
            "Eine freundliche Erinnerung: Die Anzahlung von {amount} für Ihren Anlass am {date} ist am {due} \
             fällig (Zahlungsreferenz: {number})."
        ),
    );
    if let Some(pay) = payment {
        l.intro("Bank details for the deposit:", "Bankverbindung für die Anzahlung:");
        l.bullet(&format!("IBAN: {}", pay.iban));
        l.bullet(&format!("{}: {}", if l.de() { "Begünstigter" } else { "Beneficiary" }, pay.beneficiary));
        l.bullet(&format!("{}: {number}", if l.de() { "Zahlungsreferenz" } else { "Reference" }));
        l.gap();
    }
    l.para(
        "If you have already paid, please disregard this message. As soon as the deposit has arrived, \
         we will send you the booking confirmation.",
        "Falls Sie bereits bezahlt haben, betrachten Sie diese Nachricht bitte als gegenstandslos. Sobald die \
         Anzahlung eingegangen ist, senden wir Ihnen die Buchungsbestätigung.",
    );
    l.sign(venue)
}

/// The client has not answered the service's last message; `event_date`
/// when the date is confirmed.
pub fn nudge(name: &str, lang: Language, venue: &str, event_date: Option<NaiveDate>) -> String {
    let mut l = Letter::new(lang, name);
    let (on_en, on_de) = match event_date {
        Some(d) => (format!(" on {}", format_date(d, lang)), format!(" am {}", format_date(d, lang))),
        None => (String::new(), String::new()),
    };
    l.para(
        &format!(
            "We are following up on our last message about your event{on_en}. Do you have any questions, \
             or is there anything else we can do for you?"
        ),
        &format!(
            "Gerne kommen wir auf unsere letzte Nachricht zu Ihrem Anlass{on_de} zurück. Haben Sie Fragen, \
             oder können wir sonst etwas für Sie tun?"
        ),
    );
    l.para("We look forward to hearing from you.", "Wir freuen uns auf Ihre Rückmeldung.");
    l.sign(venue)
}

/// The offer `number` ran out on `valid_until` without an acceptance: the
/// option on `room` lapsed and the room is released.
pub fn option_lapsed(
    name: &str,
    lang: Language,
    venue: &str,
    number: &str,
    event_date: NaiveDate,
    valid_until: NaiveDate,
    room: Option<&str>,
) -> String {
    let mut l = Letter::new(lang, name);
    let (date, until) = (format_date(event_date, lang), format_date(valid_until, lang));
    let (room_en, room_de) = match room {
        Some(r) => (format!("our option on {r} for you"), format!("unsere Option auf {r} für Sie")),
        None => ("our option for you".to_string(), "unsere Option für Sie".to_string()),
    };
    l.para(
        &format!(
            "Our offer {number} for your event on {date} was valid until {until}. As we have not received \
             your confirmation, {room_en} has lapsed and the room has been released."
        ),
        &format!(
            "Unser Angebot {number} für Ihren Anlass am {date} war gültig bis {until}. Da wir keine Zusage \
             erhalten haben, ist {room_de} abgelaufen und der Raum wieder freigegeben."
        ),
    );
    l.para(
        "If you are still interested, simply reply to this message: we will gladly check the availability \
         and send you a new offer.",
        "Falls Sie weiterhin interessiert sind, antworten Sie einfach auf diese Nachricht: Gerne prüfen wir \
         die Verfügbarkeit und senden Ihnen ein neues Angebot.",
    );
    l.sign(venue)
}
