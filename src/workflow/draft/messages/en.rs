//! English drafts.

use chrono::Weekday;

use super::Messages;
use crate::workflow::extract::Layout;
use crate::workflow::offer::LineUnit;

pub struct En;

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

impl Messages for En {
    fn greeting(&self, name: &str) -> String {
        format!("Dear {name},\n\n")
    }
    fn closing(&self) -> &'static str {
        "Kind regards,"
    }
    fn default_subject(&self) -> &'static str {
        "Your inquiry"
    }
    fn weekday(&self, day: Weekday) -> &'static str {
        const DAYS: [&str; 7] = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
        DAYS[day.num_days_from_monday() as usize]
    }
    fn month(&self, month: u32) -> &'static str {
        MONTHS[(month.clamp(1, 12) - 1) as usize]
    }
    fn clock(&self, time: &str) -> String {
        time.to_string()
    }
    fn span(&self, start: &str, end: &str) -> String {
        format!("{start}–{end}")
    }
    fn span_to_midnight(&self, start: &str) -> String {
        format!("{start}–midnight")
    }
    fn midnight(&self) -> &'static str {
        "midnight"
    }
    fn time_to_confirm(&self) -> &'static str {
        " (time to be confirmed)"
    }
    fn starting_at(&self, date: &str, start: &str) -> String {
        format!("{date}, from {start} (end time to be confirmed)")
    }
    fn layout(&self, layout: Layout) -> &'static str {
        match layout {
            Layout::Theatre => "theatre seating",
            Layout::Cocktail => "standing reception",
            Layout::Dinner => "seated dinner",
            Layout::Workshop => "workshop",
            Layout::Boardroom => "boardroom",
            Layout::UShape => "U-shape",
            Layout::Classroom => "classroom",
        }
    }

    fn thanks_for_inquiry(&self) -> &'static str {
        "Thank you for your inquiry."
    }
    fn noted_details(&self) -> &'static str {
        "Thank you for your inquiry. We have noted the following details:"
    }
    fn still_needed(&self) -> &'static str {
        "So that we can suggest the right room and prepare an offer, we still need:"
    }
    fn checking_availability(&self) -> &'static str {
        "We are now checking availability and will get back to you shortly."
    }
    fn fact_date(&self, date: &str) -> String {
        format!("Date: {date}")
    }
    fn fact_date_options(&self, dates: &[String]) -> String {
        format!("Dates: {} (we will check availability)", dates.join(" or "))
    }
    fn fact_vague_date(&self, month: u32, year: Option<i32>, weekday: Option<Weekday>) -> String {
        let month = self.month(month);
        let year = year.map(|y| format!(" {y}")).unwrap_or_default();
        match weekday {
            Some(w) => format!("Date: a {} in {month}{year} (we will suggest available dates)", self.weekday(w)),
            None => format!("Date: in {month}{year} (we will suggest available dates)"),
        }
    }
    fn fact_time(&self, span: &str) -> String {
        format!("Time: {span}")
    }
    fn fact_start(&self, start: &str) -> String {
        format!("Start: {start}")
    }
    fn fact_end(&self, end: &str) -> String {
        format!("End: {end}")
    }
    fn fact_guests(&self, attendees: u32) -> String {
        format!("Guests: {attendees}")
    }
    fn fact_seating(&self, layout: Layout) -> String {
        format!("Seating: {}", self.layout(layout))
    }
    fn fact_room(&self, room: &str) -> String {
        format!("Room: {room}")
    }
    fn ask_date(&self) -> &'static str {
        "the date you have in mind (or a few options)"
    }
    fn ask_start(&self) -> &'static str {
        "your planned start time"
    }
    fn ask_start_and_end(&self) -> &'static str {
        "your planned start and end time"
    }
    fn ask_guests(&self) -> &'static str {
        "the approximate number of guests"
    }

    fn thanks_for_message(&self) -> &'static str {
        "Thank you for your message."
    }
    fn ask_date_intro(&self) -> &'static str {
        "To check availability and prepare an offer, could you let us know:"
    }
    fn ask_preferred_date(&self) -> &'static str {
        "your preferred date (or a few options)"
    }
    fn date_past(&self, date: &str) -> String {
        format!("Thank you for your message. The date you mentioned, {date}, has already passed.")
    }
    fn date_closed(&self, date: &str) -> String {
        format!("Thank you for your inquiry. Unfortunately the venue is closed on {date}.")
    }
    fn date_taken(&self, date: &str) -> String {
        format!("Unfortunately, all rooms suitable for your event are already booked on {date}.")
    }
    fn ask_other_dates(&self) -> &'static str {
        "Could you tell us a few other dates that would suit you? We will check them right away."
    }
    fn dates_intro(&self) -> &'static str {
        "We can offer you the following dates:"
    }
    fn pick_a_date(&self) -> &'static str {
        "Please let us know which date suits you best, and we will send you a room proposal."
    }

    fn space_for(&self, when: &str, attendees: u32, seating: &str) -> String {
        format!("Good news: on {when} we have space for {attendees} guests{seating}.")
    }
    fn seats(&self, capacity: i32) -> String {
        format!("up to {capacity} guests")
    }
    fn seats_to_confirm(&self, capacity: i32) -> String {
        format!("up to {capacity} guests; capacity for this seating to be confirmed")
    }
    fn we_recommend(&self) -> &'static str {
        "We recommend:"
    }
    fn includes(&self, amenities: &str) -> String {
        format!("includes: {amenities}")
    }
    fn not_included(&self, amenities: &str) -> String {
        format!("not included: {amenities}")
    }
    fn also_available(&self) -> &'static str {
        "Also available:"
    }
    fn preparing_offer_for(&self, room: &str) -> String {
        format!(
            "We will prepare your offer for {room} and send it to you shortly. If you would prefer another room, just let us know."
        )
    }
    fn no_room_fits(&self, attendees: u32, seating: &str) -> String {
        format!("Unfortunately, none of our rooms can accommodate {attendees} guests{seating}.")
    }
    fn largest_room(&self, room: &str, capacity: i32) -> String {
        format!("Our largest room, {room}, holds up to {capacity} guests with this seating.")
    }
    fn other_seating_or_smaller_group(&self) -> &'static str {
        "Would a different seating arrangement or a smaller group work for you? We would be glad to find a solution together."
    }
    fn smaller_group(&self) -> &'static str {
        "Would a smaller group work for you? We would be glad to find a solution together."
    }
    fn still_available_on(&self, date: &str) -> String {
        format!("Thank you. We still have availability on {date}.")
    }
    fn ask_guests_and_seating(&self) -> &'static str {
        "How many guests are you expecting, and which seating do you have in mind (e.g. theatre, banquet, standing reception)? Then we can suggest the right room."
    }

    fn unit(&self, unit: LineUnit) -> Option<&'static str> {
        Some(match unit {
            LineUnit::Person => "per person",
            LineUnit::Event => "flat rate",
            LineUnit::Piece => "per piece",
            LineUnit::Hour => "per hour",
            LineUnit::HalfDay => "half-day rate",
            LineUnit::FullDay => "full-day rate",
            LineUnit::OnRequest | LineUnit::Discount(_) => return None,
        })
    }
    fn price_on_request(&self) -> &'static str {
        "price on request"
    }
    fn discount(&self) -> &'static str {
        "Discount"
    }
    fn vat(&self, rate: Option<&str>) -> String {
        match rate {
            Some(r) => format!("VAT {r}%"),
            None => "VAT".into(),
        }
    }
    fn subtotal(&self) -> &'static str {
        "Subtotal"
    }
    fn total(&self) -> &'static str {
        "Total incl. VAT"
    }
    fn offer_intro(&self, number: &str, when: &str, attendees: u32) -> String {
        format!("As promised, here is our offer {number} for your event on {when} for {attendees} guests.")
    }
    fn revised_offer_intro(&self, number: &str, when: &str, attendees: u32) -> String {
        format!("Following your message, please find our revised offer {number} for your event on {when} for {attendees} guests. It replaces our previous offer.")
    }
    fn deposit_terms(&self, amount: &str, percent: &str, days: u32) -> String {
        format!("To secure the booking, we ask for a deposit of {amount} ({percent}% of the total), payable within {days} days of accepting this offer.")
    }
    fn valid_until(&self, date: &str) -> String {
        format!("The offer is valid until {date}. To accept, simply reply to this email; if you would like any changes, just let us know.")
    }

    fn thanks_for_accepting(&self, number: &str) -> String {
        format!("Thank you very much for accepting our offer {number}. We are delighted to host your event.")
    }
    fn thanks_about_offer(&self, number: &str) -> String {
        format!("Thank you for your message regarding offer {number}.")
    }
    fn to_confirm_we_need(&self) -> &'static str {
        "To confirm your booking, we still need:"
    }
    fn billing_address_needed(&self) -> &'static str {
        "your billing address (company, street, postal code and city)"
    }
    fn deposit_due(&self, amount: &str, due: &str, number: &str) -> String {
        format!("the deposit of {amount} by {due} (payment reference: {number})")
    }
    fn bank_details(&self) -> &'static str {
        "Bank details for the deposit:"
    }
    fn beneficiary(&self) -> &'static str {
        "Beneficiary"
    }
    fn payment_reference(&self) -> &'static str {
        "Reference"
    }
    fn confirmation_follows(&self) -> &'static str {
        "As soon as we have everything, we will send you the booking confirmation."
    }
    fn we_confirm(&self) -> &'static str {
        "We are pleased to confirm your booking:"
    }
    fn confirmed_outro(&self) -> &'static str {
        "We will be in touch about the final details closer to the date. We look forward to welcoming you."
    }
    fn declined(&self) -> &'static str {
        "Thank you for letting us know. We are sorry it did not work out this time. We have released your reservation."
    }
    fn welcome_back(&self) -> &'static str {
        "We would be happy to welcome you on another occasion."
    }
    fn cancelled(&self, date: &str) -> String {
        format!("Thank you for letting us know. We have cancelled your reservation for {date}.")
    }
    fn cancellation_terms(&self) -> &'static str {
        "As your booking was already confirmed, our cancellation terms apply; we will send you the final invoice separately."
    }
    fn hope_to_welcome(&self) -> &'static str {
        "We hope to welcome you another time."
    }

    fn visit_slot(&self, date: &str, time: &str) -> String {
        format!("{date}, {time}")
    }
    fn visit_offer(&self) -> &'static str {
        "We would be delighted to show you around before you decide."
    }
    fn visit_slots_intro(&self) -> &'static str {
        "We can offer you the following times for a visit:"
    }
    fn visit_pick(&self) -> &'static str {
        "Just let us know which suits you best. A visit takes about 30 minutes."
    }
    fn visit_booked(&self, date: &str, time: &str) -> String {
        format!("Thank you for your reply. We look forward to welcoming you for a visit on {date} at {time}.")
    }
    fn visit_reception(&self) -> &'static str {
        "Please ask for the events team at reception."
    }

    fn offer_expiry_reminder(&self, number: &str, date: &str, until: &str) -> String {
        format!(
            "We hope you have had a chance to look at our offer {number} for your event on {date}. \
             It is valid until {until}; until then we are holding the room for you."
        )
    }
    fn questions_or_confirm(&self) -> &'static str {
        "If you have any questions or would like to change anything, simply reply to this message. \
         To confirm the booking, a short reply is enough."
    }
    fn deposit_reminder(&self, amount: &str, date: &str, due: &str, number: &str) -> String {
        format!(
            "A friendly reminder: the deposit of {amount} for your event on {date} is due on {due} \
             (payment reference: {number})."
        )
    }
    fn deposit_already_paid(&self) -> &'static str {
        "If you have already paid, please disregard this message. As soon as the deposit has arrived, \
         we will send you the booking confirmation."
    }
    fn nudge(&self, date: Option<&str>) -> String {
        let on = date.map(|d| format!(" on {d}")).unwrap_or_default();
        format!(
            "We are following up on our last message about your event{on}. Do you have any questions, \
             or is there anything else we can do for you?"
        )
    }
    fn looking_forward_to_reply(&self) -> &'static str {
        "We look forward to hearing from you."
    }
    fn option_lapsed(&self, number: &str, date: &str, until: &str, room: Option<&str>) -> String {
        let option = match room {
            Some(r) => format!("our option on {r} for you"),
            None => "our option for you".to_string(),
        };
        format!(
            "Our offer {number} for your event on {date} was valid until {until}. As we have not received \
             your confirmation, {option} has lapsed and the room has been released."
        )
    }
    fn still_interested(&self) -> &'static str {
        "If you are still interested, simply reply to this message: we will gladly check the availability \
         and send you a new offer."
    }
}
