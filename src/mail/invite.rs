//! The `.ics` attachment of a confirmation or a booked site visit
//! (iCalendar, RFC 5545), written with the `icalendar` crate: one `VEVENT`
//! in the venue's time zone, `METHOD:PUBLISH` (an entry to add, not a
//! meeting request to answer).

use icalendar::{Calendar, CalendarDateTime, Component, Event, EventLike};

use crate::workflow::Invite;

/// The calendar as text (CRLF line ends, folded as RFC 5545 asks).
pub fn render(invite: &Invite) -> String {
    let tzid = invite.timezone.name().to_string();
    let at = |t: chrono::NaiveDateTime| CalendarDateTime::WithTimezone { date_time: t, tzid: tzid.clone() };
    let event = Event::new()
        .uid(&invite.uid)
        .summary(&invite.summary)
        .location(&invite.location)
        .starts(at(invite.start))
        .ends(at(invite.end))
        .done();
    let mut calendar = Calendar::new();
    calendar.append_property(("METHOD", "PUBLISH"));
    calendar.push(event);
    calendar.done().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn invite() -> Invite {
        let day = NaiveDate::from_ymd_opt(2027, 3, 12).unwrap();
        Invite {
            uid: "e1-event@atelier-zurich.ch".into(),
            summary: "Product launch".into(),
            location: "The Atelier, Room C".into(),
            start: day.and_hms_opt(18, 0, 0).unwrap(),
            end: day.and_hms_opt(23, 0, 0).unwrap(),
            timezone: chrono_tz::Europe::Zurich,
        }
    }

    #[test]
    fn the_calendar_parses_back_with_the_event_in_the_venues_zone() {
        let text = render(&invite());
        let parsed: Calendar = text.parse().expect("valid iCalendar");
        let event = parsed.components.iter().find_map(|c| c.as_event()).expect("one event");
        assert_eq!(event.get_summary(), Some("Product launch"));
        assert_eq!(event.get_location(), Some("The Atelier, Room C"));
        assert_eq!(event.get_uid(), Some("e1-event@atelier-zurich.ch"));
        let start = event.get_start().expect("a start");
        assert_eq!(
            start,
            icalendar::DatePerhapsTime::DateTime(CalendarDateTime::WithTimezone {
                date_time: invite().start,
                tzid: "Europe/Zurich".into()
            })
        );
        assert!(text.contains("METHOD:PUBLISH\r\n"), "{text}");
        assert!(text.contains("DTEND;TZID=Europe/Zurich:20270312T230000"), "{text}");
    }
}
