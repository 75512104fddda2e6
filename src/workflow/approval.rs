//! After the manager decides (WORKFLOW.md, "After the manager decides").

use serde_json::json;

use super::plan::{EmailWrite, EventPatch, EventWrite, OutgoingMail, Plan, TaskUpdate, TaskWrite};
use super::{Context, Step};
use crate::domain::{
    Booking, EmailAddress, EventStatus, Resolution, Task, TaskAction, TaskCategory, TaskDecision, TaskPayload,
    TaskPriority,
};

/// The effects of one decision: the mail to send (if any), and the writes
/// to make once it is sent.
#[derive(Debug, Clone, PartialEq)]
pub struct Approval {
    pub mail: Option<OutgoingMail>,
    pub plan: Plan,
}

/// `message_id` is the fresh id for the outgoing mail (passed in to keep
/// this function deterministic).
pub fn on_decision(
    booking: &Booking,
    task: &Task,
    decision: &TaskDecision,
    ctx: &Context,
    message_id: &str,
) -> Approval {
    match decision.resolution {
        Resolution::Approved => approved(booking, task, decision, ctx, message_id),
        Resolution::Rejected => rejected(booking, task),
    }
}

fn approved(booking: &Booking, task: &Task, decision: &TaskDecision, ctx: &Context, message_id: &str) -> Approval {
    let body = decision
        .edited_message
        .clone()
        .or_else(|| task.payload.edited_message.clone())
        .or_else(|| task.payload.draft_message.clone())
        .filter(|b| !b.trim().is_empty());
    let done = TaskUpdate { id: task.id, send_state: "sent".into() };
    let Some(body) = body else {
        // Approving a task without a message (e.g. a manual review) is an
        // acknowledgement: nothing to send.
        return Approval {
            mail: None,
            plan: Plan { task_updates: vec![TaskUpdate { send_state: "handled".into(), ..done }], ..Plan::default() },
        };
    };
    let to = task
        .payload
        .recipient_email
        .as_deref()
        .and_then(|e| EmailAddress::parse(e).ok())
        .unwrap_or_else(|| booking.client.email.clone());
    let last = booking.last_inbound.as_ref();
    let subject = task
        .payload
        .draft_subject
        .clone()
        .or_else(|| last.map(|m| format!("Re: {}", m.subject.trim())))
        .unwrap_or_else(|| ctx.venue_name.clone());
    let in_reply_to = last.and_then(|m| m.message_id.clone());
    let mut references = last.map(|m| m.references.clone()).unwrap_or_default();
    references.extend(in_reply_to.clone());

    let mail = OutgoingMail {
        from: ctx.venue_email.clone(),
        from_name: ctx.venue_name.clone(),
        to: to.clone(),
        to_name: Some(booking.client.name.clone()),
        subject: subject.clone(),
        body: body.clone(),
        message_id: message_id.to_string(),
        in_reply_to: in_reply_to.clone(),
        references: references.clone(),
    };
    let sent_row = EmailWrite {
        from_email: ctx.venue_email.to_string(),
        to_email: to.to_string(),
        subject,
        body_text: body,
        body_html: None,
        is_sent: true,
        received_at: ctx.now,
        message_id: message_id.to_string(),
        in_reply_to,
        thread_id: references.first().cloned().unwrap_or_else(|| message_id.to_string()),
    };
    let patch = after_approval(task.payload.action, booking);
    Approval {
        mail: Some(mail),
        plan: Plan {
            event: (!patch.is_empty()).then_some(EventWrite::Update { id: booking.event.id, patch }),
            emails: vec![sent_row],
            task_updates: vec![done],
            ..Plan::default()
        },
    }
}

/// The step transition an approval completes (WORKFLOW.md, "state written").
/// Writes only what moves forward, so a repeated approval never regresses.
fn after_approval(action: TaskAction, booking: &Booking) -> EventPatch {
    let event = &booking.event;
    let advance_to = |step: Step| (event.current_step < step.number()).then_some(step.number());
    match action {
        TaskAction::ApproveMessage | TaskAction::ManualReview => EventPatch::default(),
        TaskAction::ApproveDate => EventPatch {
            date_confirmed: (!event.date_confirmed).then_some(true),
            current_step: advance_to(Step::RoomAvailability),
            ..EventPatch::default()
        },
        TaskAction::ApproveRoom => EventPatch { current_step: advance_to(Step::Offer), ..EventPatch::default() },
        TaskAction::ApproveOffer => EventPatch {
            status: (event.status == EventStatus::Lead).then_some(EventStatus::Option),
            current_step: advance_to(Step::Negotiation),
            ..EventPatch::default()
        },
        TaskAction::ConfirmEvent => EventPatch {
            status: (event.status != EventStatus::Confirmed).then_some(EventStatus::Confirmed),
            ..EventPatch::default()
        },
    }
}

/// Nothing is sent; the booking stays where it was and a manual-review task
/// records the rejection.
fn rejected(booking: &Booking, task: &Task) -> Approval {
    let name = booking.client.name.clone();
    let review = TaskWrite {
        title: format!("Draft rejected: reply to {name} manually"),
        description: Some(format!("The draft of \"{}\" was rejected; nothing was sent.", task.title)),
        category: TaskCategory::Email,
        priority: TaskPriority::High,
        client_name: Some(name),
        payload: TaskPayload::manual_review(
            task.payload.recipient_email.clone(),
            json!({"rejected_task_id": task.id, "step": booking.event.current_step}),
        ),
    };
    Approval {
        mail: None,
        plan: Plan {
            event: Some(EventWrite::Update { id: booking.event.id, patch: EventPatch::default() }),
            tasks: vec![review],
            task_updates: vec![TaskUpdate { id: task.id, send_state: "handled".into() }],
            ..Plan::default()
        },
    }
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveDate, NaiveTime};
    use serde_json::Map;

    use super::*;
    use crate::domain::{Client, Event, StoredEmail, TaskPriority, TaskStatus, TeamId};

    use super::super::tests::ctx;

    fn booking(status: EventStatus, step: i32) -> Booking {
        let team = TeamId::new();
        Booking {
            client: Client {
                id: Default::default(),
                team_id: team,
                email: EmailAddress::parse("anna@keller.ch").unwrap(),
                name: "Anna Keller".into(),
                company: None,
                status: "lead".into(),
                billing_address: None,
                billing_postal_code: None,
                billing_city: None,
                billing_country: None,
            },
            event: Event {
                id: Default::default(),
                team_id: team,
                client_id: None,
                title: "Workshop".into(),
                event_date: NaiveDate::from_ymd_opt(2027, 3, 14).unwrap(),
                start_time: NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
                end_time: NaiveTime::from_hms_opt(17, 0, 0).unwrap(),
                attendees: Some(24),
                status,
                current_step: step,
                date_confirmed: false,
                caller_step: None,
                seating_layout: None,
                preferred_room: None,
                room_ids: Vec::new(),
                requirements_hash: None,
                room_eval_hash: None,
                offer_hash: None,
                workflow_state: Default::default(),
            },
            last_inbound: Some(StoredEmail::new(
                Some("m2@keller.ch".into()),
                "Workshop".into(),
                Some("m1@keller.ch".into()),
                Some("r1@atelier-zurich.ch".into()),
                false,
                ctx().now,
            )),
            offer: None,
        }
    }

    fn task(action: TaskAction) -> Task {
        Task {
            id: Default::default(),
            team_id: TeamId::new(),
            title: "Approve".into(),
            category: TaskCategory::Email,
            status: TaskStatus::Completed,
            priority: TaskPriority::Medium,
            event_id: None,
            client_name: None,
            payload: TaskPayload {
                action,
                draft_message: Some("Draft text".into()),
                draft_subject: None,
                recipient_email: Some("anna@keller.ch".into()),
                resolution: None,
                edited_message: None,
                send_state: None,
                claimed_by: None,
                outgoing_message_id: None,
                context: Map::new(),
            },
            created_at: ctx().now,
            completed_at: None,
        }
    }

    fn decide(resolution: Resolution, edit: Option<&str>) -> TaskDecision {
        TaskDecision { task_id: Default::default(), resolution, edited_message: edit.map(str::to_string) }
    }

    #[test]
    fn an_approved_draft_is_sent_in_the_clients_thread_and_recorded() {
        let a = on_decision(
            &booking(EventStatus::Lead, 2),
            &task(TaskAction::ApproveMessage),
            &decide(Resolution::Approved, None),
            &ctx(),
            "out1@atelier-zurich.ch",
        );
        let mail = a.mail.unwrap();
        assert_eq!(
            (mail.to.as_str(), mail.body.as_str(), mail.subject.as_str()),
            ("anna@keller.ch", "Draft text", "Re: Workshop")
        );
        assert_eq!(mail.in_reply_to.as_deref(), Some("m2@keller.ch"));
        assert_eq!(mail.references, ["m1@keller.ch", "r1@atelier-zurich.ch", "m2@keller.ch"]);
        assert_eq!(a.plan.emails.len(), 1);
        assert!(a.plan.emails[0].is_sent);
        assert_eq!(a.plan.task_updates[0].send_state, "sent");
        assert!(a.plan.event.is_none(), "an acknowledgement changes no booking state");
    }

    #[test]
    fn the_managers_edit_wins_over_the_draft() {
        let a = on_decision(
            &booking(EventStatus::Lead, 2),
            &task(TaskAction::ApproveMessage),
            &decide(Resolution::Approved, Some("Edited")),
            &ctx(),
            "x@y.ch",
        );
        assert_eq!(a.mail.unwrap().body, "Edited");
    }

    #[test]
    fn approving_an_offer_makes_the_event_an_option_once() {
        let a = on_decision(
            &booking(EventStatus::Lead, 4),
            &task(TaskAction::ApproveOffer),
            &decide(Resolution::Approved, None),
            &ctx(),
            "x@y.ch",
        );
        let Some(EventWrite::Update { patch, .. }) = a.plan.event else { panic!("event patch expected") };
        assert_eq!((patch.status, patch.current_step), (Some(EventStatus::Option), Some(5)));
        // Approved again later (already an option at step 5): nothing regresses.
        let again = on_decision(
            &booking(EventStatus::Option, 5),
            &task(TaskAction::ApproveOffer),
            &decide(Resolution::Approved, None),
            &ctx(),
            "x@y.ch",
        );
        assert!(again.plan.event.is_none());
    }

    #[test]
    fn a_rejection_sends_nothing_and_opens_a_manual_review() {
        let a = on_decision(
            &booking(EventStatus::Lead, 2),
            &task(TaskAction::ApproveMessage),
            &decide(Resolution::Rejected, None),
            &ctx(),
            "x@y.ch",
        );
        assert!(a.mail.is_none());
        assert!(a.plan.emails.is_empty());
        assert_eq!(a.plan.tasks[0].payload.action, TaskAction::ManualReview);
        assert_eq!(a.plan.task_updates[0].send_state, "handled");
    }
}
