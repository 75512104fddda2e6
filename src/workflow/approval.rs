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
