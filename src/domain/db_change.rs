use serde::{Deserialize, Serialize};
use serde_json::Value;

use chrono::{DateTime, Utc};

use super::{EventId, OfferId, TeamId};

/// A Supabase database webhook: one row changed in one table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DbChange {
    #[serde(rename = "type")]
    pub kind: ChangeKind,
    pub table: String,
    #[serde(default = "public")]
    pub schema: String,
    #[serde(default)]
    pub record: Option<Value>,
    #[serde(default)]
    pub old_record: Option<Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum ChangeKind {
    Insert,
    Update,
    Delete,
}

fn public() -> String {
    "public".into()
}

impl DbChange {
    /// A string column of the new row (`record`), if present.
    pub fn new_str(&self, column: &str) -> Option<&str> {
        self.record.as_ref()?.get(column)?.as_str()
    }

    /// A string column of the previous row (`old_record`), if present.
    pub fn old_str(&self, column: &str) -> Option<&str> {
        self.old_record.as_ref()?.get(column)?.as_str()
    }

    /// The changed row's `team_id` (the new row's, else the old one's).
    pub fn team(&self) -> Option<TeamId> {
        self.new_str("team_id").or_else(|| self.old_str("team_id"))?.parse().ok()
    }

    /// The payment this change records, if it is an offer's deposit
    /// becoming paid (`offers.deposit_paid_at` set).
    pub fn deposit_paid(&self, team: TeamId) -> Option<DepositPayment> {
        if self.table != "offers" || self.kind != ChangeKind::Update {
            return None;
        }
        let paid_at = self.new_str("deposit_paid_at")?.parse().ok()?;
        if self.old_str("deposit_paid_at").is_some() {
            return None;
        }
        if self.new_str("team_id")?.parse::<TeamId>().ok()? != team {
            return None;
        }
        Some(DepositPayment {
            event: self.new_str("event_id")?.parse().ok()?,
            offer: self.new_str("id")?.parse().ok()?,
            paid_at,
        })
    }
}

/// A deposit paid on an offer, as the database webhook reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DepositPayment {
    pub event: EventId,
    pub offer: OfferId,
    pub paid_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn change(old: Value, new: Value) -> DbChange {
        DbChange {
            kind: ChangeKind::Update,
            table: "offers".into(),
            schema: "public".into(),
            record: Some(new),
            old_record: Some(old),
        }
    }

    #[test]
    fn a_deposit_becoming_paid_names_its_event_once() {
        let (team, event, offer) = (TeamId::new(), EventId::new(), OfferId::new());
        let paid =
            json!({"id": offer, "team_id": team, "event_id": event, "deposit_paid_at": "2026-12-01T10:00:00+00:00"});
        let unpaid = json!({"id": offer, "team_id": team, "event_id": event, "deposit_paid_at": null});
        let payment = change(unpaid.clone(), paid.clone()).deposit_paid(team).unwrap();
        assert_eq!((payment.event, payment.offer), (event, offer));
        assert_eq!(payment.paid_at.to_rfc3339(), "2026-12-01T10:00:00+00:00");
        assert_eq!(change(paid.clone(), paid.clone()).deposit_paid(team), None, "already paid before");
        assert_eq!(change(unpaid.clone(), unpaid).deposit_paid(team), None);
        assert_eq!(change(json!({}), paid).deposit_paid(TeamId::new()), None, "another team's offer");
    }
}
