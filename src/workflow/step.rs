use serde::{Deserialize, Serialize};

/// The workflow steps (`events.current_step`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Step {
    Intake = 1,
    DateConfirmation = 2,
    RoomAvailability = 3,
    Offer = 4,
    Negotiation = 5,
    Transition = 6,
    Confirmation = 7,
}

impl Step {
    pub fn number(self) -> i32 {
        self as i32
    }
}
