//! German drafts (Swiss usage: "ss" for "ß", "Anlass", "Reservation").

use chrono::Weekday;

use super::Messages;
use crate::workflow::extract::Layout;
use crate::workflow::offer::LineUnit;

pub struct De;

const MONTHS: [&str; 12] = [
    "Januar",
    "Februar",
    "März",
    "April",
    "Mai",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "Dezember",
];

impl Messages for De {
    fn greeting(&self, name: &str) -> String {
        format!("Guten Tag {name}\n\n")
    }
    fn closing(&self) -> &'static str {
        "Freundliche Grüsse"
    }
    fn default_subject(&self) -> &'static str {
        "Ihre Anfrage"
    }
    fn weekday(&self, day: Weekday) -> &'static str {
        const DAYS: [&str; 7] = ["Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"];
        DAYS[day.num_days_from_monday() as usize]
    }
    fn month(&self, month: u32) -> &'static str {
        MONTHS[(month.clamp(1, 12) - 1) as usize]
    }
    fn clock(&self, time: &str) -> String {
        format!("{time} Uhr")
    }
    fn span(&self, start: &str, end: &str) -> String {
        format!("{start}–{end} Uhr")
    }
    fn span_to_midnight(&self, start: &str) -> String {
        format!("{start} Uhr bis Mitternacht")
    }
    fn midnight(&self) -> &'static str {
        "Mitternacht"
    }
    fn time_to_confirm(&self) -> &'static str {
        " (Zeit noch offen)"
    }
    fn starting_at(&self, date: &str, start: &str) -> String {
        format!("{date}, ab {start} Uhr (Ende noch offen)")
    }
    fn layout(&self, layout: Layout) -> &'static str {
        match layout {
            Layout::Theatre => "Theaterbestuhlung",
            Layout::Cocktail => "Stehapéro",
            Layout::Dinner => "Bankett",
            Layout::Workshop => "Workshop",
            Layout::Boardroom => "Boardroom",
            Layout::UShape => "U-Form",
            Layout::Classroom => "Parlamentarische Bestuhlung",
        }
    }

    fn thanks_for_inquiry(&self) -> &'static str {
        "Vielen Dank für Ihre Anfrage."
    }
    fn noted_details(&self) -> &'static str {
        "Vielen Dank für Ihre Anfrage. Wir haben folgende Angaben notiert:"
    }
    fn still_needed(&self) -> &'static str {
        "Damit wir Ihnen einen passenden Raum vorschlagen und ein Angebot erstellen können, benötigen wir noch:"
    }
    fn checking_availability(&self) -> &'static str {
        "Wir prüfen nun die Verfügbarkeit und melden uns in Kürze bei Ihnen."
    }
    fn fact_date(&self, date: &str) -> String {
        format!("Datum: {date}")
    }
    fn fact_date_options(&self, dates: &[String]) -> String {
        format!("Daten: {} (wir prüfen die Verfügbarkeit)", dates.join(" oder "))
    }
    fn fact_vague_date(&self, month: u32, year: Option<i32>, weekday: Option<Weekday>) -> String {
        let month = self.month(month);
        let year = year.map(|y| format!(" {y}")).unwrap_or_default();
        match weekday {
            Some(w) => format!("Datum: ein {} im {month}{year} (wir schlagen Ihnen freie Daten vor)", self.weekday(w)),
            None => format!("Datum: im {month}{year} (wir schlagen Ihnen freie Daten vor)"),
        }
    }
    fn fact_time(&self, span: &str) -> String {
        format!("Zeit: {span}")
    }
    fn fact_start(&self, start: &str) -> String {
        format!("Beginn: {start} Uhr")
    }
    fn fact_end(&self, end: &str) -> String {
        format!("Ende: {end}")
    }
    fn fact_guests(&self, attendees: u32) -> String {
        format!("Anzahl Personen: {attendees}")
    }
    fn fact_seating(&self, layout: Layout) -> String {
        format!("Bestuhlung: {}", self.layout(layout))
    }
    fn fact_room(&self, room: &str) -> String {
        format!("Raum: {room}")
    }
    fn ask_date(&self) -> &'static str {
        "das gewünschte Datum (oder einige mögliche Daten)"
    }
    fn ask_start(&self) -> &'static str {
        "die geplante Anfangszeit"
    }
    fn ask_start_and_end(&self) -> &'static str {
        "die geplante Anfangs- und Endzeit"
    }
    fn ask_guests(&self) -> &'static str {
        "die ungefähre Anzahl Personen"
    }

    fn thanks_for_message(&self) -> &'static str {
        "Vielen Dank für Ihre Nachricht."
    }
    fn ask_date_intro(&self) -> &'static str {
        "Damit wir die Verfügbarkeit prüfen und ein Angebot erstellen können, teilen Sie uns bitte mit:"
    }
    fn ask_preferred_date(&self) -> &'static str {
        "das gewünschte Datum (oder einige mögliche Daten)"
    }
    fn date_past(&self, date: &str) -> String {
        format!("Vielen Dank für Ihre Nachricht. Das genannte Datum, {date}, liegt bereits in der Vergangenheit.")
    }
    fn date_closed(&self, date: &str) -> String {
        format!("Vielen Dank für Ihre Anfrage. Leider ist unser Haus am {date}, geschlossen.")
    }
    fn date_taken(&self, date: &str) -> String {
        format!("Leider sind am {date}, alle für Ihren Anlass passenden Räume bereits belegt.")
    }
    fn ask_other_dates(&self) -> &'static str {
        "Könnten Sie uns einige andere Termine nennen, die für Sie in Frage kommen? Wir prüfen sie umgehend."
    }
    fn dates_intro(&self) -> &'static str {
        "Gerne schlagen wir Ihnen folgende Termine vor:"
    }
    fn pick_a_date(&self) -> &'static str {
        "Bitte teilen Sie uns mit, welcher Termin Ihnen am besten passt; wir senden Ihnen dann gerne einen passenden Raumvorschlag."
    }

    fn space_for(&self, when: &str, attendees: u32, seating: &str) -> String {
        format!("Gute Nachricht: Am {when}, haben wir Platz für {attendees} Personen{seating}.")
    }
    fn seats(&self, capacity: i32) -> String {
        format!("bis {capacity} Personen")
    }
    fn seats_to_confirm(&self, capacity: i32) -> String {
        format!("bis {capacity} Personen; Kapazität für diese Bestuhlung noch zu bestätigen")
    }
    fn we_recommend(&self) -> &'static str {
        "Wir empfehlen Ihnen:"
    }
    fn includes(&self, amenities: &str) -> String {
        format!("vorhanden: {amenities}")
    }
    fn not_included(&self, amenities: &str) -> String {
        format!("nicht vorhanden: {amenities}")
    }
    fn also_available(&self) -> &'static str {
        "Ebenfalls verfügbar:"
    }
    fn preparing_offer_for(&self, room: &str) -> String {
        format!(
            "Wir erstellen Ihnen nun das Angebot für {room} und senden es Ihnen in Kürze. Wünschen Sie einen anderen Raum, geben Sie uns einfach Bescheid."
        )
    }
    fn no_room_fits(&self, attendees: u32, seating: &str) -> String {
        format!("Leider bietet keiner unserer Räume Platz für {attendees} Personen{seating}.")
    }
    fn largest_room(&self, room: &str, capacity: i32) -> String {
        format!("Unser grösster Raum, {room}, bietet bei dieser Bestuhlung Platz für bis zu {capacity} Personen.")
    }
    fn other_seating_or_smaller_group(&self) -> &'static str {
        "Wäre eine andere Bestuhlung oder eine kleinere Gruppe für Sie möglich? Gerne suchen wir gemeinsam eine Lösung."
    }
    fn smaller_group(&self) -> &'static str {
        "Wäre eine kleinere Gruppe für Sie möglich? Gerne suchen wir gemeinsam eine Lösung."
    }
    fn still_available_on(&self, date: &str) -> String {
        format!("Vielen Dank. Am {date}, haben wir für Ihren Anlass noch Platz.")
    }
    fn ask_guests_and_seating(&self) -> &'static str {
        "Mit wie vielen Personen rechnen Sie, und welche Bestuhlung wünschen Sie (z. B. Theater, Bankett, Stehempfang)? Dann schlagen wir Ihnen den passenden Raum vor."
    }

    fn unit(&self, unit: LineUnit) -> Option<&'static str> {
        Some(match unit {
            LineUnit::Person => "pro Person",
            LineUnit::Event => "pauschal",
            LineUnit::Piece => "pro Stück",
            LineUnit::Hour => "pro Stunde",
            LineUnit::HalfDay => "Halbtagespauschale",
            LineUnit::FullDay => "Tagespauschale",
            LineUnit::OnRequest | LineUnit::Discount(_) => return None,
        })
    }
    fn price_on_request(&self) -> &'static str {
        "Preis auf Anfrage"
    }
    fn discount(&self) -> &'static str {
        "Rabatt"
    }
    fn vat(&self, rate: Option<&str>) -> String {
        match rate {
            Some(r) => format!("MWST {} %", r.replace('.', ",")),
            None => "MWST".into(),
        }
    }
    fn subtotal(&self) -> &'static str {
        "Zwischensumme"
    }
    fn total(&self) -> &'static str {
        "Total inkl. MWST"
    }
    fn offer_intro(&self, number: &str, when: &str, attendees: u32) -> String {
        format!("Wie angekündigt unterbreiten wir Ihnen gerne unser Angebot {number} für Ihren Anlass am {when}, für {attendees} Personen.")
    }
    fn revised_offer_intro(&self, number: &str, when: &str, attendees: u32) -> String {
        format!("Gerne senden wir Ihnen unser überarbeitetes Angebot {number} für Ihren Anlass am {when}, für {attendees} Personen. Es ersetzt unser bisheriges Angebot.")
    }
    fn deposit_terms(&self, amount: &str, percent: &str, days: u32) -> String {
        format!("Zur Sicherung der Reservation bitten wir um eine Anzahlung von {amount} ({percent} % des Totals), zahlbar innert {days} Tagen nach Annahme des Angebots.")
    }
    fn valid_until(&self, date: &str) -> String {
        format!("Das Angebot ist gültig bis {date}. Zur Annahme genügt eine Antwort auf diese E-Mail; wünschen Sie Anpassungen, melden Sie sich gerne.")
    }

    fn thanks_for_accepting(&self, number: &str) -> String {
        format!("Herzlichen Dank für die Annahme unseres Angebots {number}. Wir freuen uns sehr auf Ihren Anlass.")
    }
    fn thanks_about_offer(&self, number: &str) -> String {
        format!("Vielen Dank für Ihre Nachricht zu unserem Angebot {number}.")
    }
    fn to_confirm_we_need(&self) -> &'static str {
        "Für die definitive Bestätigung benötigen wir noch:"
    }
    fn billing_address_needed(&self) -> &'static str {
        "Ihre Rechnungsadresse (Firma, Strasse, PLZ und Ort)"
    }
    fn deposit_due(&self, amount: &str, due: &str, number: &str) -> String {
        format!("die Anzahlung von {amount} bis {due} (Zahlungsreferenz: {number})")
    }
    fn bank_details(&self) -> &'static str {
        "Bankverbindung für die Anzahlung:"
    }
    fn beneficiary(&self) -> &'static str {
        "Begünstigter"
    }
    fn payment_reference(&self) -> &'static str {
        "Zahlungsreferenz"
    }
    fn confirmation_follows(&self) -> &'static str {
        "Sobald alles vorliegt, senden wir Ihnen die Buchungsbestätigung."
    }
    fn we_confirm(&self) -> &'static str {
        "Gerne bestätigen wir Ihnen Ihre Buchung:"
    }
    fn confirmed_outro(&self) -> &'static str {
        "Rechtzeitig vor dem Anlass melden wir uns bei Ihnen, um die letzten Details zu besprechen. Wir freuen uns auf Sie."
    }
    fn declined(&self) -> &'static str {
        "Vielen Dank für Ihre Rückmeldung. Wir bedauern, dass es diesmal nicht geklappt hat, und haben die Reservation freigegeben."
    }
    fn welcome_back(&self) -> &'static str {
        "Gerne dürfen Sie sich bei einem nächsten Anlass wieder an uns wenden."
    }
    fn cancelled(&self, date: &str) -> String {
        format!("Vielen Dank für Ihre Mitteilung. Wir haben Ihre Reservation für {date}, storniert.")
    }
    fn cancellation_terms(&self) -> &'static str {
        "Da Ihre Buchung bereits bestätigt war, gelten unsere Annullationsbedingungen; die Schlussabrechnung erhalten Sie separat."
    }
    fn hope_to_welcome(&self) -> &'static str {
        "Wir hoffen, Sie ein anderes Mal bei uns begrüssen zu dürfen."
    }

    fn visit_slot(&self, date: &str, time: &str) -> String {
        format!("{date}, {time} Uhr")
    }
    fn visit_offer(&self) -> &'static str {
        "Gerne zeigen wir Ihnen unsere Räume vor Ort, bevor Sie sich entscheiden."
    }
    fn visit_slots_intro(&self) -> &'static str {
        "Für eine Besichtigung können wir Ihnen folgende Termine anbieten:"
    }
    fn visit_pick(&self) -> &'static str {
        "Teilen Sie uns einfach mit, welcher Termin Ihnen passt. Eine Besichtigung dauert etwa 30 Minuten."
    }
    fn visit_booked(&self, date: &str, time: &str) -> String {
        format!("Vielen Dank für Ihre Rückmeldung. Gerne erwarten wir Sie am {date}, um {time} Uhr, zur Besichtigung.")
    }
    fn visit_reception(&self) -> &'static str {
        "Bitte melden Sie sich am Empfang beim Event-Team."
    }

    fn offer_expiry_reminder(&self, number: &str, date: &str, until: &str) -> String {
        format!(
            "Wir hoffen, Sie konnten unser Angebot {number} für Ihren Anlass am {date} bereits prüfen. \
             Es ist gültig bis {until}; bis dahin halten wir den Raum für Sie frei."
        )
    }
    fn questions_or_confirm(&self) -> &'static str {
        "Falls Sie Fragen haben oder etwas anpassen möchten, antworten Sie einfach auf diese Nachricht. \
         Für Ihre Zusage genügt eine kurze Antwort."
    }
    fn deposit_reminder(&self, amount: &str, date: &str, due: &str, number: &str) -> String {
        format!(
            "Eine freundliche Erinnerung: Die Anzahlung von {amount} für Ihren Anlass am {date} ist am {due} \
             fällig (Zahlungsreferenz: {number})."
        )
    }
    fn deposit_already_paid(&self) -> &'static str {
        "Falls Sie bereits bezahlt haben, betrachten Sie diese Nachricht bitte als gegenstandslos. Sobald die \
         Anzahlung eingegangen ist, senden wir Ihnen die Buchungsbestätigung."
    }
    fn nudge(&self, date: Option<&str>) -> String {
        let on = date.map(|d| format!(" am {d}")).unwrap_or_default();
        format!(
            "Gerne kommen wir auf unsere letzte Nachricht zu Ihrem Anlass{on} zurück. Haben Sie Fragen, \
             oder können wir sonst etwas für Sie tun?"
        )
    }
    fn looking_forward_to_reply(&self) -> &'static str {
        "Wir freuen uns auf Ihre Rückmeldung."
    }
    fn option_lapsed(&self, number: &str, date: &str, until: &str, room: Option<&str>) -> String {
        let option = match room {
            Some(r) => format!("unsere Option auf {r} für Sie"),
            None => "unsere Option für Sie".to_string(),
        };
        format!(
            "Unser Angebot {number} für Ihren Anlass am {date} war gültig bis {until}. Da wir keine Zusage \
             erhalten haben, ist {option} abgelaufen und der Raum wieder freigegeben."
        )
    }
    fn still_interested(&self) -> &'static str {
        "Falls Sie weiterhin interessiert sind, antworten Sie einfach auf diese Nachricht: Gerne prüfen wir \
         die Verfügbarkeit und senden Ihnen ein neues Angebot."
    }
}
