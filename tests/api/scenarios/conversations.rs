//! One test per scenario: after every message, where the booking stands,
//! which task waits for the manager, and what its draft says.

use icalendar::{Component, EventLike};
use mail_parser::MimeHeaders;

use super::driver::{Scenario, State};

/// Inquiry, then the manager approves the acknowledgement, the room and the
/// offer: where the booking stands after each of the four messages.
async fn through_the_sent_offer(s: &mut Scenario) {
    let expected = [(2, Some("approve_message")), (3, Some("approve_room")), (4, Some("approve_offer")), (5, None)];
    for (i, (step, action)) in expected.into_iter().enumerate() {
        s.play().await;
        let st = s.state().await;
        assert_eq!((st.step, st.action(), st.sent), (step, action, i), "after message {}: {st:#?}", i + 1);
    }
}

/// Happy path in English; the same checks on both stores.
async fn happy_path_en(s: &mut Scenario) {
    s.play().await; // the inquiry
    let st = s.state().await;
    assert_eq!((st.step, st.status.as_str(), st.date_confirmed), (2, "lead", false));
    assert_eq!((st.event_date.as_str(), st.attendees), ("2027-03-12", Some(70)));
    assert_eq!(st.action(), Some("approve_message"));
    st.says(&["Dear Sara Brunner,", "Date: Friday, 12.03.2027", "Time: 18:00–23:00", "Guests: 70"]);
    st.never_says(&["8008", "+41"]);

    s.play().await; // the manager approves the acknowledgement: availability runs
    let st = s.state().await;
    assert_eq!((st.step, st.date_confirmed, st.sent), (3, true, 1));
    assert_eq!(st.action(), Some("approve_room"));
    assert_eq!(st.context("room_name"), "Room C");
    st.says(&[
        "on Friday, 12.03.2027, 18:00–23:00 we have space for 70 guests (standing reception)",
        "- Room C (up to 70 guests)",
    ]);

    s.play().await; // the room is approved: held, and the offer follows
    let st = s.state().await;
    assert_eq!((st.step, st.room.as_deref(), st.sent), (4, Some("Room C"), 2));
    assert_eq!(st.action(), Some("approve_offer"));
    assert_eq!(st.offers.len(), 1);
    assert_eq!(st.offers[0].1, "draft");
    assert!(st.offers[0].0.starts_with("OE-") && st.offers[0].0.len() == "OE-2026-11-0001".len(), "{:?}", st.offers);
    st.says(&[
        "- Room C: 5 × CHF 180.00 per hour = CHF 900.00",
        "- Classic Apéro: 70 × CHF 18.00 per person = CHF 1'260.00",
        "CHF",
        "deposit of CHF",
    ]);
    st.says(&[&st.offers[0].0]);

    s.play().await; // the offer is approved and sent
    let st = s.state().await;
    assert_eq!((st.step, st.status.as_str(), st.sent), (5, "option", 3));
    assert_eq!(st.offers[0].1, "sent");
    assert_eq!(st.pending, None, "waiting for the client");

    s.play().await; // the client accepts, with the billing address
    let st = s.state().await;
    assert_eq!(st.step, 6);
    assert_eq!(st.offers[0].1, "confirmed");
    assert_eq!(st.action(), Some("approve_message"));
    assert_eq!(st.context("billing_missing"), false);
    st.says(&["accepting our offer", "the deposit of CHF", "payment reference"]);
    st.never_says(&["billing address"]);

    s.play().await; // the deposit request is approved
    let st = s.state().await;
    assert_eq!((st.step, st.sent, st.pending_count), (7, 4, 0));

    s.play().await; // the deposit is paid
    let st = s.state().await;
    assert_eq!(st.action(), Some("confirm_event"));
    st.says(&["We are pleased to confirm your booking", "Date: Friday, 12.03.2027, 18:00–23:00", "Room: Room C"]);

    s.play().await; // the manager confirms
    let st = s.state().await;
    assert_eq!(
        (st.status.as_str(), st.client_status.as_str(), st.sent, st.pending_count),
        ("confirmed", "confirmed", 5, 0)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn happy_path_in_english() {
    let mut s = Scenario::embedded("happy-path-en").await;
    happy_path_en(&mut s).await;
    // The confirmation carries the event as a calendar entry, in the venue's zone.
    let mails = s.outbox();
    let confirmation = mail_parser::MessageParser::default().parse(mails.last().unwrap().as_slice()).unwrap();
    let ics = confirmation
        .attachments()
        .find(|a| a.attachment_name() == Some("invitation.ics"))
        .expect("the confirmation has an invitation.ics");
    let calendar: icalendar::Calendar = std::str::from_utf8(ics.contents()).unwrap().parse().unwrap();
    let event = calendar.components.iter().find_map(|c| c.as_event()).unwrap();
    assert_eq!(
        event.get_start(),
        Some(icalendar::DatePerhapsTime::DateTime(icalendar::CalendarDateTime::WithTimezone {
            date_time: chrono::NaiveDate::from_ymd_opt(2027, 3, 12).unwrap().and_hms_opt(18, 0, 0).unwrap(),
            tzid: "Europe/Zurich".into(),
        }))
    );
    assert_eq!(event.get_location(), Some("The Atelier, Room C"));
    assert!(mails[..mails.len() - 1].iter().all(|m| !String::from_utf8_lossy(m).contains("invitation.ics")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn happy_path_in_english_on_postgrest() {
    happy_path_en(&mut Scenario::supabase("happy-path-en").await).await;
}

/// The frontend need not have more than the spec requires: no team_id,
/// user_id, description or product_id on line items, no descriptions on
/// events and tasks, no billing or threading columns (the installer adds
/// what the service writes beyond the spec as nullable columns).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn happy_path_in_english_on_postgrest_with_only_the_specs_required_columns() {
    happy_path_en(&mut Scenario::supabase_minimal("happy-path-en").await).await;
}

async fn happy_path_de(mut s: Scenario) {
    s.play().await;
    let st = s.state().await;
    assert_eq!((st.step, st.event_date.as_str(), st.attendees), (2, "2027-10-09", Some(40)));
    st.says(&["Guten Tag Thomas Huber", "Datum: Samstag, 09.10.2027", "Zeit: 19:00–23:30", "Anzahl Personen: 40"]);

    s.play().await;
    let st = s.state().await;
    assert_eq!((st.step, st.action()), (3, Some("approve_room")));
    st.says(&[
        "Gute Nachricht: Am Samstag, 09.10.2027, 19:00–23:30 Uhr, haben wir Platz für 40 Personen (Stehapéro)",
        "Wir empfehlen Ihnen:",
    ]);

    s.play().await;
    let st = s.state().await;
    assert_eq!((st.step, st.action()), (4, Some("approve_offer")));
    st.says(&[
        "unterbreiten wir Ihnen gerne unser Angebot OE-",
        "MWST 8,1 %: CHF",
        "Total inkl. MWST: CHF",
        "gültig bis",
    ]);
    st.never_says(&["Anzahlung"]);

    s.play().await;
    assert_eq!(s.state().await.status, "option");

    s.play().await; // accepts with the billing address: nothing else is missing
    let st = s.state().await;
    assert_eq!((st.step, st.action()), (7, Some("confirm_event")));
    st.says(&[
        "Gerne bestätigen wir Ihnen Ihre Buchung:",
        "Datum: Samstag, 09.10.2027, 19:00–23:30 Uhr",
        "Anzahl Personen: 40",
    ]);

    s.play().await;
    let st = s.state().await;
    assert_eq!((st.status.as_str(), st.client_status.as_str()), ("confirmed", "confirmed"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn happy_path_in_german() {
    happy_path_de(Scenario::embedded("happy-path-de").await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn happy_path_in_german_on_postgrest() {
    happy_path_de(Scenario::supabase("happy-path-de").await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_vague_date_gets_concrete_proposals() {
    let mut s = Scenario::embedded("vague-date").await;
    s.play().await;
    let st = s.state().await;
    assert!(!st.date_confirmed);
    st.says(&["Date: a Friday in May 2027 (we will suggest available dates)"]);
    st.never_says(&["the date you have in mind"]);

    s.play().await;
    let st = s.state().await;
    assert_eq!((st.step, st.action()), (2, Some("approve_date")));
    assert_eq!(st.context("reason"), "vague");
    let proposals: Vec<String> = serde_json::from_value(st.context("proposals")).unwrap();
    assert_eq!(proposals, ["2027-05-07", "2027-05-14", "2027-05-21", "2027-05-28"]);
    st.says(&["- Friday, 07.05.2027", "- Friday, 28.05.2027"]);

    s.play().await; // the proposals are approved and sent
    let st = s.state().await;
    assert_eq!((st.step, st.pending, st.sent), (2, None, 2));
    s.play().await; // "the 14th of May works best"
    let st = s.state().await;
    assert_eq!((st.step, st.date_confirmed, st.event_date.as_str()), (3, true, "2027-05-14"));
    assert_eq!(st.action(), Some("approve_room"));
    st.says(&["Friday, 14.05.2027"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_taken_date_gets_alternatives() {
    let mut s = Scenario::embedded("date-taken").await;
    through_the_sent_offer(&mut s).await; // the first client's booking becomes an option on Room E
    let st = s.state().await;
    assert_eq!((st.status.as_str(), st.room.as_deref()), ("option", Some("Room E")));

    s.play().await; // the second client asks for the same date
    let st = s.state().await;
    assert_eq!((st.events, st.step, st.action()), (2, 2, Some("approve_message")));
    s.play().await; // acknowledgement approved: the date is checked
    let st = s.state().await;
    assert_eq!((st.step, st.date_confirmed, st.action()), (2, false, Some("approve_date")));
    assert_eq!(st.context("reason"), "taken");
    let proposals: Vec<String> = serde_json::from_value(st.context("proposals")).unwrap();
    assert_eq!(proposals, ["2027-04-09", "2027-04-23", "2027-04-30"]);
    st.says(&["all rooms suitable for your event are already booked on Friday, 16.04.2027", "- Friday, 09.04.2027"]);

    s.play().await; // the proposals are approved and sent
    let st = s.state().await;
    assert_eq!((st.step, st.pending, st.date_confirmed), (2, None, false));
    s.play().await; // "the first option works for us"
    let st = s.state().await;
    assert_eq!((st.event_date.as_str(), st.date_confirmed, st.action()), ("2027-04-09", true, Some("approve_room")));
    assert_eq!(st.context("room_name"), "Room E");
    assert_eq!(st.events, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn too_many_attendees_for_every_room() {
    let mut s = Scenario::embedded("too-many-attendees").await;
    s.play().await;
    let st = s.state().await;
    assert_eq!((st.attendees, st.action()), (Some(250), Some("approve_message")));
    st.says(&["Guests: 250", "Date: Saturday, 20.11.2027"]);
    s.play().await;
    let st = s.state().await;
    assert_eq!((st.step, st.date_confirmed, st.action()), (3, true, Some("approve_message")));
    assert_eq!(st.context("kind"), "no_room_fits");
    st.says(&["none of our rooms can accommodate 250 guests", "Our largest room, Room E, holds up to"]);
    assert_eq!(st.room, None);
}

/// The English happy path up to the sent offer (4 messages).
async fn up_to_the_sent_offer(name: &str) -> Scenario {
    let mut s = Scenario::embedded(name).await;
    through_the_sent_offer(&mut s).await;
    let st = s.state().await;
    assert_eq!((st.step, st.status.as_str(), st.offers.len()), (5, "option", 1));
    s
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_date_change_after_the_offer_makes_a_revised_offer() {
    let mut s = up_to_the_sent_offer("date-change-after-offer").await;
    s.play().await;
    let st = s.state().await;
    assert_eq!((st.event_date.as_str(), st.date_confirmed, st.room.as_deref()), ("2027-03-19", true, Some("Room C")));
    assert_eq!((st.step, st.action()), (4, Some("approve_offer")));
    assert_eq!(st.context("kind"), "revised_offer");
    assert_eq!(st.offers.iter().map(|o| o.1.as_str()).collect::<Vec<_>>(), ["cancelled", "draft"]);
    assert_ne!(st.offers[0].0, st.offers[1].0, "a new offer number");
    st.says(&["revised offer", "Friday, 19.03.2027, 18:00–23:00"]);
    st.never_says(&["12.03.2027"]);

    s.play().await;
    let st = s.state().await;
    assert_eq!((st.step, st.offers[1].1.as_str()), (5, "sent"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn more_attendees_re_evaluate_the_room() {
    let mut s = Scenario::embedded("attendee-change").await;
    through_the_sent_offer(&mut s).await;
    let st = s.state().await;
    assert_eq!((st.step, st.room.as_deref()), (5, Some("Room A")));

    s.play().await; // "we will be 55 people now"
    let st = s.state().await;
    assert_eq!((st.attendees, st.step, st.action()), (Some(55), 3, Some("approve_room")));
    assert_eq!(st.context("room_name"), "Room B");
    st.says(&["for 55 guests", "- Room B (up to 60 guests)"]);

    s.play().await; // the new room is approved: a revised offer for it
    let st = s.state().await;
    assert_eq!((st.room.as_deref(), st.action()), (Some("Room B"), Some("approve_offer")));
    assert_eq!(st.context("kind"), "revised_offer");
    st.says(&["- Room B:"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_counter_offer_gets_a_revised_offer_with_the_discount() {
    let mut s = up_to_the_sent_offer("counter-offer").await;
    s.play().await;
    let st = s.state().await;
    assert_eq!((st.step, st.action()), (4, Some("approve_offer")));
    assert_eq!(st.context("discount_percent"), 10);
    st.says(&["revised offer", "- Discount (10 %): CHF -"]);
    let totals: Vec<f64> = st.offers.iter().map(|o| o.2.parse().unwrap()).collect();
    assert!(totals[1] < totals[0] * 0.91 && totals[1] > totals[0] * 0.89, "{:?}", st.offers);

    s.play().await;
    let st = s.state().await;
    assert_eq!(st.offers.iter().map(|o| o.1.as_str()).collect::<Vec<_>>(), ["cancelled", "sent"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_decline_cancels_the_booking() {
    let mut s = up_to_the_sent_offer("decline").await;
    s.play().await;
    let st = s.state().await;
    assert_eq!((st.status.as_str(), st.offers[0].1.as_str()), ("cancelled", "cancelled"));
    assert_eq!(st.context("kind"), "declined");
    st.says(&["Thank you for letting us know"]);
    s.play().await;
    assert_eq!(s.state().await.sent, 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paid_deposit_confirms_the_booking() {
    let mut s = Scenario::embedded("deposit-paid").await;
    through_the_sent_offer(&mut s).await;
    assert_eq!(s.state().await.room.as_deref(), Some("Room E"));
    s.play().await; // accepts, no billing address
    let st = s.state().await;
    assert_eq!((st.step, st.context("billing_missing")), (6, serde_json::json!(true)));
    st.says(&["your billing address", "the deposit of CHF"]);

    s.play().await;
    assert_eq!(s.state().await.step, 7);
    s.play().await; // the billing address arrives; the deposit is still due
    let st = s.state().await;
    assert_eq!(st.action(), Some("approve_message"));
    assert_eq!(st.context("billing_missing"), false);
    st.says(&["the deposit of CHF"]);
    st.never_says(&["your billing address"]);

    s.play().await; // the reminder is approved
    let st = s.state().await;
    assert_eq!((st.step, st.pending, st.client_status.as_str()), (7, None, "lead"));
    s.play().await; // the deposit is paid
    let st = s.state().await;
    assert_eq!(st.action(), Some("confirm_event"));
    st.says(&["Room: Room E", "Guests: 100"]);
    s.play().await;
    let st = s.state().await;
    assert_eq!((st.status.as_str(), st.client_status.as_str(), st.pending_count), ("confirmed", "confirmed", 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_site_visit_is_proposed_and_booked() {
    let mut s = Scenario::embedded("site-visit").await;
    s.play().await;
    assert_eq!(s.state().await.action(), Some("approve_message"));
    s.play().await;
    let before = s.state().await;
    assert_eq!((before.step, before.action()), (3, Some("approve_room")));

    s.play().await; // "could we come by and see the room?"
    let st = s.state().await;
    assert_eq!(st.step, 3, "the visit does not move the booking");
    assert_eq!(st.context("kind"), "site_visit_slots");
    let slots: Vec<String> = serde_json::from_value(st.context("slots")).unwrap();
    assert_eq!(slots.len(), 3);
    st.says(&["We can offer you the following times for a visit:"]);

    s.play().await; // the slots are approved and sent; the room proposal still waits
    let st = s.state().await;
    assert_eq!((st.pending_count, st.action()), (1, Some("approve_room")));
    s.play().await; // "the second slot works"
    let st = s.state().await;
    assert_eq!(st.context("kind"), "site_visit_booked");
    assert_eq!(st.context("site_visit_at"), serde_json::json!(slots[1]));
    st.says(&["We look forward to welcoming you for a visit on"]);
    assert_eq!(st.step, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_duplicate_mail_has_no_effect() {
    let mut s = Scenario::embedded("duplicate-mail").await;
    s.play().await;
    let first: State = s.state().await;
    let redelivered = s.play().await;
    assert!(redelivered.contains("200 duplicate"), "{redelivered}");
    s.play().await; // the same text again under a new Message-Id
    let st = s.state().await;
    assert_eq!((st.events, st.pending_count), (1, 1));
    assert_eq!(st, first);
    let app = s.embedded_app();
    assert_eq!(app.query("SELECT id FROM emails").len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unclear_mail_goes_to_manual_review() {
    let mut s = up_to_the_sent_offer("unclear-mail").await;
    s.play().await;
    let st = s.state().await;
    assert_eq!(st.action(), Some("manual_review"));
    assert_eq!(st.draft(), "", "no draft: the manager answers");
    assert_eq!((st.step, st.status.as_str()), (5, "option"));
}
