//! Domain types: parsed once at the edge (`ingest/`), then used everywhere else.

mod correction;
mod db_change;
mod email_address;
mod follow_up;
mod ids;
mod inbound;
mod inbox_event;
pub mod money;
mod offer;
mod records;
mod task;
mod task_context;
mod workflow_state;

pub use correction::Correction;
pub use db_change::{ChangeKind, DbChange, DepositPayment};
pub use email_address::{EmailAddress, InvalidEmailAddress};
pub use follow_up::{FollowUp, FollowUpDrafted, FollowUpKind};
pub use ids::{ClientId, EventId, InboxId, OfferId, ProductId, RoomId, TaskId, TeamId, UserId};
pub use inbound::{message_id, Attachment, InboundEmail, MailNotice, Mailbox};
pub use inbox_event::{keys, InboxEvent};
pub use records::{Booking, Client, Event, EventStatus, OfferRecord, OfferStatus, StoredEmail, WorkflowState};
pub use task::{
    Resolution, SendState, Task, TaskAction, TaskCategory, TaskDecision, TaskPayload, TaskPriority, TaskStatus,
};
pub use task_context::{
    DateIssue, FollowUpNote, Language, OfferRef, OfferSummary, RoomCapacity, RoomRef, TaskContext, TaskKind,
    Understood, UnderstoodProduct,
};
pub use workflow_state::{MailDigest, ProductChoice, SiteVisit};
