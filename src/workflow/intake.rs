//! Step 1: a mail that belongs to no open booking.

use chrono::{Datelike, NaiveDate, NaiveTime};
use serde_json::json;

use super::draft::{self, Understood};
use super::extract::{self, Extracted, Intent, Layout, Reading};
use super::plan::{ClientWrite, EmailWrite, EventWrite, NewClient, NewEvent, Plan, TaskWrite};
use super::reply::digest;
use super::{hm, Catalogue, Context, Step};
use crate::domain::{
    Client, EventStatus, InboundEmail, MailDigest, ProductChoice, TaskAction, TaskCategory, TaskPayload, TaskPriority,
    WorkflowState,
};

/// Default times when the client named none: the schema requires them; the
/// acknowledgement asks for the real ones and later drafts mark these as
/// "to be confirmed" (`workflow_state.times_assumed`).
const DEFAULT_START: (u32, u32) = (9, 0);
const DEFAULT_END: (u32, u32) = (17, 0);

pub(super) fn plan(
    known_client: Option<&Client>,
    mail: &InboundEmail,
    reading: &Reading,
    ctx: &Context,
    catalogue: &Catalogue,
) -> Plan {
    let today = ctx.today();
    let Reading { fresh, found } = reading;
    let understood = understand(found, today);
    let name = client_name(known_client, mail, &extract::mail_text(&mail.text, mail.html.as_deref()));
    let language = found.language;

    let client = match known_client {
        Some(c) => ClientWrite::Existing { id: c.id },
        None => ClientWrite::Ensure(NewClient { email: mail.from.email.clone(), name: name.clone(), company: None }),
    };
    // events.event_date is NOT NULL: without a usable date we store a
    // placeholder (the first day of a vague month, else today) and leave
    // `date_confirmed` false; the draft asks for the date.
    let placeholder = found
        .vague_date
        .as_ref()
        .and_then(|v| NaiveDate::from_ymd_opt(v.year.unwrap_or(today.year()), v.month, 1))
        .filter(|d| *d >= today)
        .unwrap_or(today);
    let event = NewEvent {
        title: event_title(mail, &name),
        event_date: understood.date.unwrap_or(placeholder),
        start_time: understood.start.unwrap_or_else(|| hm(DEFAULT_START)),
        end_time: understood.end.unwrap_or_else(|| understood.start.map(end_after).unwrap_or_else(|| hm(DEFAULT_END))),
        attendees: understood.attendees.map(|n| n as i32),
        status: EventStatus::Lead,
        current_step: Step::DateConfirmation.number(),
        date_confirmed: false,
        seating_layout: understood.layout.map(|l| l.code().to_string()),
        preferred_room: found.rooms.first().and_then(|id| catalogue.room_name(*id)),
        description: None,
        workflow_state: WorkflowState {
            language: Some(language),
            date_requested: understood.date.is_some(),
            times_assumed: understood.start.is_none() && understood.end.is_none(),
            end_assumed: understood.start.is_some() && understood.end.is_none(),
            date_options: understood.options.clone(),
            vague_date: found.vague_date.clone(),
            products: found
                .products
                .iter()
                .filter(|p| !p.removed)
                .map(|p| ProductChoice { id: p.id, quantity: p.quantity, times: p.times })
                .collect(),
            last_mail: Some(MailDigest { digest: digest(mail, fresh), at: mail.received_at }),
            wanted_amenities: super::rooms::amenities_in(fresh),
            ..WorkflowState::default()
        },
    };

    if let Some(reason) = needs_review(found, &understood) {
        // The facts are kept; the manager answers this one personally.
        let context = json!({
            "kind": "intake",
            "step": Step::Intake.number(),
            "language": language,
            "reason": reason,
            "understood": understood_json(&understood),
            "missing": understood.missing(),
            "doubts": found.doubts.iter().map(extract::Doubt::reason).collect::<Vec<_>>(),
            "attachments": mail.attachments,
        });
        let task = TaskWrite {
            title: format!("Review inquiry from {name}"),
            description: Some(format!("New inquiry: {}", mail.subject.trim())),
            category: TaskCategory::Email,
            priority: TaskPriority::High,
            client_name: Some(name.clone()),
            payload: TaskPayload::manual_review(Some(mail.from.email.to_string()), context),
        };
        return Plan {
            client: Some(client),
            event: Some(EventWrite::Create(event)),
            emails: vec![inbound_row(mail, ctx)],
            tasks: vec![task],
            ..Plan::default()
        };
    }

    let body = draft::intake(&name, &understood, language, &ctx.venue_name);
    let subject = draft::reply_subject(&mail.subject, language);
    let asked = found.intents.contains(&Intent::Question);
    let task = TaskWrite {
        title: format!("Approve reply to {name}"),
        description: Some(format!("New inquiry: {}", mail.subject.trim())),
        category: TaskCategory::Email,
        // Doubts (two head counts, a price question...) are open questions
        // for the manager before the acknowledgement goes out.
        // A question next to the inquiry ("Hat es Parkplätze?") is one too.
        priority: if found.doubts.is_empty() && !asked { TaskPriority::Medium } else { TaskPriority::High },
        client_name: Some(name.clone()),
        payload: TaskPayload {
            action: TaskAction::ApproveMessage,
            draft_message: Some(body),
            draft_subject: Some(subject),
            recipient_email: Some(mail.from.email.to_string()),
            resolution: None,
            edited_message: None,
            send_state: None,
            claimed_by: None,
            outgoing_message_id: None,
            superseded_by: None,
            aside: false,
            context: serde_json::from_value(json!({
                "kind": "intake",
                "step": Step::Intake.number(),
                "language": language,
                "understood": understood_json(&understood),
                "missing": understood.missing(),
                "open_question": !found.doubts.is_empty() || asked,
                "doubts": found.doubts.iter().map(extract::Doubt::reason).collect::<Vec<_>>(),
                // Metadata only: attachment content never enters the database.
                "attachments": mail.attachments,
            }))
            .unwrap_or_default(),
        },
    };

    Plan {
        client: Some(client),
        event: Some(EventWrite::Create(event)),
        emails: vec![inbound_row(mail, ctx)],
        tasks: vec![task],
        ..Plan::default()
    }
}

fn understood_json(understood: &Understood) -> serde_json::Value {
    json!({
        "event_date": understood.date,
        // HH:MM like every later turn's context (turn.rs), never HH:MM:SS.
        "start_time": understood.start.map(draft::format_time),
        "end_time": understood.end.map(draft::format_time),
        "attendees": understood.attendees,
        "seating_layout": understood.layout.map(Layout::code),
    })
}

/// An inquiry the rules cannot answer goes to the manager without a draft:
/// a discount or special price asked before any offer (the manager's
/// call), or a price question when nothing can be priced (no date at all,
/// so no room can be held and no offer made: too vague to act on).
fn needs_review(found: &Extracted, understood: &Understood) -> Option<&'static str> {
    if found.intents.contains(&Intent::Counter) {
        return Some("the client asks for a discount or a special price before any offer");
    }
    let no_date = understood.date.is_none() && understood.options.is_empty() && understood.vague.is_none();
    if no_date && found.doubts.contains(&extract::Doubt::PriceQuestion) {
        return Some("the client asks about prices, but the inquiry is too vague to price (no date)");
    }
    None
}

fn understand(found: &Extracted, today: NaiveDate) -> Understood {
    // Only a future date is a usable event date; a past one is left for the
    // manager (and the draft asks again).
    let options = date_options(found, today);
    let date = found
        .dates
        .iter()
        .copied()
        .chain(found.date_range.map(|(start, _)| start))
        .find(|d| *d >= today)
        .filter(|_| options.is_empty());
    let vague = found.vague_date.clone().filter(|_| date.is_none() && options.is_empty());
    Understood {
        date,
        options,
        start: found.start_time,
        end: found.end_time,
        attendees: found.attendees,
        layout: found.layout,
        vague,
    }
}

pub(super) fn inbound_row(mail: &InboundEmail, ctx: &Context) -> EmailWrite {
    let to = mail.to.first().map(|m| m.email.to_string()).unwrap_or_else(|| ctx.venue_email.to_string());
    EmailWrite {
        from_email: mail.from.email.to_string(),
        to_email: to,
        subject: mail.subject.clone(),
        body_text: mail.text.clone(),
        body_html: mail.html.clone(),
        is_sent: false,
        received_at: mail.received_at,
        message_id: mail.message_id.clone(),
        in_reply_to: mail.in_reply_to.clone(),
        thread_id: mail.references.first().cloned().unwrap_or_else(|| mail.message_id.clone()),
    }
}

/// Two or more distinct future dates offered as alternatives ("the 12th or
/// the 19th"): the client's options, for the venue to check in order. Not
/// the ends of a range.
pub(super) fn date_options(found: &Extracted, today: NaiveDate) -> Vec<NaiveDate> {
    if found.date_range.is_some() || !found.alternatives {
        return Vec::new();
    }
    let mut future: Vec<NaiveDate> = found.dates.iter().copied().filter(|d| *d > today).collect();
    future.dedup();
    if future.len() >= 2 {
        future
    } else {
        Vec::new()
    }
}

/// The display name if there is one, else the address's local part. A
/// directory's "Last First" without a comma ("Roos Fabienne", as Swiss and
/// Outlook directories write it) is turned when the mail itself says the
/// other order: the signature ("Fabienne Roos") or the address
/// (fabienne.roos@...).
fn client_name(known: Option<&Client>, mail: &InboundEmail, text: &str) -> String {
    if let Some(c) = known {
        return c.name.clone();
    }
    mail.from
        .name
        .as_deref()
        .map(|n| n.trim().trim_matches('"').trim())
        .filter(|n| !n.is_empty() && !n.contains('@'))
        .map(draft::display_name)
        .map(|n| first_name_first(n, text, mail.from.email.local_part()))
        .unwrap_or_else(|| mail.from.email.local_part().to_string())
}

/// "Roos Fabienne" -> "Fabienne Roos" when `text` has a line reading
/// "Fabienne Roos" or the address is "fabienne.roos"; else `name` as it is.
fn first_name_first(name: String, text: &str, local_part: &str) -> String {
    let [last, first] = name.split_whitespace().collect::<Vec<_>>()[..] else { return name };
    let turned = format!("{first} {last}");
    let signed = text.lines().any(|line| line.trim() == turned);
    let address = local_part.eq_ignore_ascii_case(&format!("{first}.{last}"));
    if signed || address {
        turned
    } else {
        name
    }
}

fn event_title(mail: &InboundEmail, name: &str) -> String {
    let subject = mail.subject.trim();
    let stripped = ["re:", "aw:", "fwd:", "wg:"].iter().fold(subject, |s, p| {
        if s.to_lowercase().starts_with(p) {
            s[p.len()..].trim()
        } else {
            s
        }
    });
    if stripped.is_empty() {
        format!("Inquiry from {name}")
    } else {
        stripped.chars().take(120).collect()
    }
}

/// How long an event runs when the client gave only its start.
const ASSUMED_HOURS: i64 = 5;

/// The assumed end of an event starting at `start`: [`ASSUMED_HOURS`] later,
/// but at midnight at the latest (00:00; the schema keeps one date per event).
pub(super) fn end_after(start: NaiveTime) -> NaiveTime {
    let (end, wrapped) = start.overflowing_add_signed(chrono::Duration::hours(ASSUMED_HOURS));
    if wrapped != 0 || end < start {
        hm((0, 0))
    } else {
        end
    }
}

#[cfg(test)]
mod tests {

    use super::*;

    use super::super::catalogue::tests::builtin;
    use super::super::tests::{ctx, read};

    /// Intake of `m` as the rules read it.
    fn plan(known: Option<&Client>, m: &InboundEmail, ctx: &Context, catalogue: &Catalogue) -> Plan {
        super::plan(known, m, &read(m), ctx, catalogue)
    }

    fn mail(name: Option<&str>, text: &str) -> InboundEmail {
        serde_json::from_value(serde_json::json!({
            "message_id": "<q1@mail.ch>", "from": {"email": "Jonas.Meier@Meier.CH", "name": name},
            "subject": "AW: Anfrage", "text": text, "received_at": "2026-11-25T09:00:00Z"
        }))
        .unwrap()
    }

    #[test]
    fn a_new_sender_becomes_a_lead_with_an_event_and_a_draft_to_approve() {
        let plan = plan(
            None,
            &mail(Some("Jonas Meier"), "Wir planen am 12. Juni 2027 ein Fest mit 80 Personen ab 18 Uhr."),
            &ctx(),
            &builtin(),
        );
        let Some(ClientWrite::Ensure(client)) = &plan.client else { panic!("new client expected") };
        assert_eq!((client.email.as_str(), client.name.as_str()), ("jonas.meier@meier.ch", "Jonas Meier"));
        let Some(EventWrite::Create(event)) = &plan.event else { panic!("new event expected") };
        assert_eq!(event.event_date, NaiveDate::from_ymd_opt(2027, 6, 12).unwrap());
        assert_eq!((event.attendees, event.status, event.date_confirmed), (Some(80), EventStatus::Lead, false));
        assert_eq!(event.title, "Anfrage");
        let task = &plan.tasks[0];
        assert_eq!(task.payload.action, TaskAction::ApproveMessage);
        let draft = task.payload.draft_message.as_deref().unwrap();
        assert!(draft.starts_with("Guten Tag Jonas Meier") && draft.contains("Samstag, 12.06.2027"), "{draft}");
        assert_eq!(plan.emails[0].message_id, "q1@mail.ch");
    }

    #[test]
    fn without_a_date_a_placeholder_is_stored_unconfirmed_and_the_draft_asks() {
        let plan = plan(None, &mail(None, "Hello, do you have space for a team dinner?"), &ctx(), &builtin());
        let Some(ClientWrite::Ensure(client)) = &plan.client else { panic!() };
        assert_eq!(client.name, "jonas.meier", "no display name: the local part");
        let Some(EventWrite::Create(event)) = &plan.event else { panic!() };
        assert!(!event.date_confirmed);
        assert_eq!(event.event_date, NaiveDate::from_ymd_opt(2026, 11, 25).unwrap());
        let ctx_missing = &plan.tasks[0].payload.context["missing"];
        assert_eq!(ctx_missing, &serde_json::json!(["event_date", "attendees"]));
        assert!(plan.tasks[0].payload.draft_message.as_deref().unwrap().contains("the date you have in mind"));
    }

    fn action_and_draft(text: &str) -> (TaskAction, bool) {
        let plan = plan(None, &mail(None, text), &ctx(), &builtin());
        let task = &plan.tasks[0];
        (task.payload.action, task.payload.draft_message.is_some())
    }

    #[test]
    fn a_discount_asked_before_any_offer_is_for_the_manager_with_the_facts_kept() {
        for text in [
            "Info evening on 4 March 2027, 50 people, theatre. As a non-profit, do you offer a special price or a discount?",
            "Informationsabend am 4. März 2027, ca. 50 Personen. Gewähren Sie Non-Profit-Organisationen einen Rabatt?",
            "Apéro am 4. März 2027 für 50 Gäste. Geht es etwas günstiger für einen Verein?",
        ] {
            let plan = plan(None, &mail(None, text), &ctx(), &builtin());
            let task = &plan.tasks[0];
            assert_eq!((task.payload.action, task.payload.draft_message.is_none()), (TaskAction::ManualReview, true), "{text}");
            assert!(task.payload.context["reason"].as_str().unwrap().contains("discount"), "{text}");
            let Some(EventWrite::Create(event)) = &plan.event else { panic!("the lead is kept: {text}") };
            assert_eq!((event.event_date, event.attendees), (NaiveDate::from_ymd_opt(2027, 3, 4).unwrap(), Some(50)));
        }
    }

    #[test]
    fn a_price_question_without_any_date_is_too_vague_to_answer_by_rule() {
        for text in [
            "how much would it be to rent a space for a party sometime next year? maybe 50-80 people",
            "What would a team event cost? We are a small team.",
            "wir sind ein kleines team, apéro oder so. was kostet sowas ungefähr?",
            "Was kostet ein Apéro für 40 Personen bei Ihnen?",
        ] {
            assert_eq!(action_and_draft(text), (TaskAction::ManualReview, false), "{text}");
        }
    }

    #[test]
    fn a_price_question_with_a_date_or_a_vague_inquiry_without_one_gets_the_acknowledgement() {
        for text in [
            "Dinner on 12 June 2027 for 40 guests. How much would that be?",
            "Apéro am 12. Juni 2027 für 40 Personen. Was kostet das?",
            "A Friday in May 2027 for 30 people, what are your prices?",
            "Hello, do you have space for a team dinner?",
            "Wir suchen einen Raum für ein Teamessen.",
        ] {
            assert_eq!(action_and_draft(text), (TaskAction::ApproveMessage, true), "{text}");
        }
    }

    #[test]
    fn a_question_next_to_the_inquiry_flags_the_acknowledgement() {
        for text in [
            "Freitag, 17. Dezember 2027, 30 Personen, Bankett. Hat es bei Ihnen Parkplätze?",
            "Dinner on 17 December 2027 for 30 guests. Is there parking nearby?",
        ] {
            let plan = plan(None, &mail(None, text), &ctx(), &builtin());
            let task = &plan.tasks[0];
            assert_eq!(task.payload.action, TaskAction::ApproveMessage, "{text}");
            assert_eq!((task.priority, &task.payload.context["open_question"]), (TaskPriority::High, &json!(true)));
        }
    }

    #[test]
    fn a_directory_name_last_first_is_turned_when_the_signature_or_address_says_so() {
        let greeting = |from: &str, name: &str, text: &str| {
            let mut m = mail(Some(name), text);
            m.from.email = crate::domain::EmailAddress::parse(from).unwrap();
            let plan = plan(None, &m, &ctx(), &builtin());
            plan.tasks[0].payload.draft_message.clone().unwrap_or_default().lines().next().unwrap_or("").to_string()
        };
        let text = "Apéro am 4. März 2027 für 50 Personen.\n\nFreundliche Grüsse\nFabienne Roos\nProjektleiterin";
        assert_eq!(greeting("f.roos@lichtblick.ch", "Roos Fabienne", text), "Guten Tag Fabienne Roos");
        let text = "Drinks on 4 March 2027 for 50 guests.\n\nBest,\nFabienne";
        assert_eq!(greeting("fabienne.roos@lichtblick.ch", "Roos Fabienne", text), "Dear Fabienne Roos,");
        // Nothing says the order is turned: the name stays as written.
        assert_eq!(
            greeting("info@lichtblick.ch", "Anna Muster", "Apéro am 4. März 2027 für 50 Personen."),
            "Guten Tag Anna Muster"
        );
    }

    #[test]
    fn a_past_date_is_not_taken_as_the_event_date() {
        let plan = plan(None, &mail(None, "We would like 10.01.2026 for 20 people."), &ctx(), &builtin());
        let Some(EventWrite::Create(event)) = &plan.event else { panic!() };
        assert_ne!(event.event_date, NaiveDate::from_ymd_opt(2026, 1, 10).unwrap());
        assert!(!plan.tasks[0].payload.draft_message.as_deref().unwrap().contains("10.01.2026"));
    }
}
