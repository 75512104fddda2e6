//! A manager's change made in the frontend (a database webhook on a row the
//! manager edits), classified once at the edge of the dispatcher.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{ChangeKind, DbChange, EventId, OfferId, ProductId, TeamId};

/// What the manager corrected; the next turn and every later offer keep it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "what", rename_all = "snake_case")]
pub enum Correction {
    /// The event row's date, times, head count, room or seating changed.
    Event { event: EventId, room_changed: bool },
    /// A product's line was taken off an offer.
    LineRemoved { offer: OfferId, product: ProductId },
    /// A product line's quantity changed (persons, pieces or hours).
    LineChanged { offer: OfferId, product: ProductId, quantity: u32 },
}

/// The event columns a manager corrects in the frontend.
const EVENT_COLUMNS: [&str; 6] = ["event_date", "start_time", "end_time", "attendees", "room_ids", "seating_layout"];

impl Correction {
    /// The correction a change records, if it is one of `team`'s rows and
    /// changes something the workflow builds on. The service's own writes
    /// do not arrive here (the installer's triggers skip them).
    pub fn from_change(change: &DbChange, team: TeamId) -> Option<Self> {
        let row = change.record.as_ref().or(change.old_record.as_ref())?;
        if let Some(row_team) = row.get("team_id").and_then(Value::as_str) {
            if row_team.parse::<TeamId>().ok()? != team {
                return None;
            }
        }
        match (change.table.as_str(), change.kind) {
            ("events", ChangeKind::Update) => {
                let (new, old) = (change.record.as_ref()?, change.old_record.as_ref()?);
                let changed = |c: &str| new.get(c) != old.get(c) && old.get(c).is_some();
                if !EVENT_COLUMNS.iter().any(|c| changed(c)) {
                    return None;
                }
                Some(Correction::Event { event: id(new, "id")?, room_changed: changed("room_ids") })
            }
            ("offer_line_items", ChangeKind::Delete) => {
                let old = change.old_record.as_ref()?;
                Some(Correction::LineRemoved { offer: id(old, "offer_id")?, product: id(old, "product_id")? })
            }
            ("offer_line_items", ChangeKind::Update) => {
                let (new, old) = (change.record.as_ref()?, change.old_record.as_ref()?);
                let quantity =
                    |r: &Value| r.get("quantity").and_then(|q| q.as_f64().or_else(|| q.as_str()?.parse().ok()));
                let q = quantity(new)?;
                (Some(q) != quantity(old) && q >= 0.0).then_some(())?;
                Some(Correction::LineChanged {
                    offer: id(new, "offer_id")?,
                    product: id(new, "product_id")?,
                    quantity: q.round() as u32,
                })
            }
            _ => None,
        }
    }
}

/// A uuid column of a row, parsed into its id type.
fn id<T: std::str::FromStr>(row: &Value, column: &str) -> Option<T> {
    row.get(column)?.as_str()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn change(table: &str, kind: &str, record: Value, old: Value) -> DbChange {
        serde_json::from_value(json!({"type": kind, "table": table, "record": record, "old_record": old})).unwrap()
    }

    const TEAM: &str = "00000000-0000-4000-8000-000000000001";
    const EVENT: &str = "00000000-0000-4000-8000-0000000000e1";
    const OFFER: &str = "00000000-0000-4000-8000-0000000000f1";
    const PRODUCT: &str = "00000000-0000-4000-8000-0000000000a1";

    #[test]
    fn a_manager_edit_of_the_event_is_a_correction_and_says_whether_the_room_changed() {
        let team = TEAM.parse().unwrap();
        let before = json!({"id": EVENT, "team_id": TEAM, "attendees": 30, "room_ids": ["r1"], "title": "x"});
        let more = json!({"id": EVENT, "team_id": TEAM, "attendees": 44, "room_ids": ["r1"], "title": "x"});
        let moved = json!({"id": EVENT, "team_id": TEAM, "attendees": 30, "room_ids": ["r2"], "title": "x"});
        let retitled = json!({"id": EVENT, "team_id": TEAM, "attendees": 30, "room_ids": ["r1"], "title": "y"});
        let event = EVENT.parse().unwrap();
        assert_eq!(
            Correction::from_change(&change("events", "UPDATE", more, before.clone()), team),
            Some(Correction::Event { event, room_changed: false })
        );
        assert_eq!(
            Correction::from_change(&change("events", "UPDATE", moved, before.clone()), team),
            Some(Correction::Event { event, room_changed: true })
        );
        assert_eq!(Correction::from_change(&change("events", "UPDATE", retitled, before.clone()), team), None);
        let other_team = TeamId::new();
        assert_eq!(Correction::from_change(&change("events", "UPDATE", before.clone(), before), other_team), None);
    }

    #[test]
    fn a_removed_or_changed_product_line_is_a_correction_the_room_line_is_not() {
        let team = TEAM.parse().unwrap();
        let line = json!({"offer_id": OFFER, "product_id": PRODUCT, "quantity": 70, "team_id": TEAM});
        let (offer, product) = (OFFER.parse().unwrap(), PRODUCT.parse().unwrap());
        assert_eq!(
            Correction::from_change(&change("offer_line_items", "DELETE", Value::Null, line.clone()), team),
            Some(Correction::LineRemoved { offer, product })
        );
        let fewer = json!({"offer_id": OFFER, "product_id": PRODUCT, "quantity": 60.0, "team_id": TEAM});
        assert_eq!(
            Correction::from_change(&change("offer_line_items", "UPDATE", fewer, line.clone()), team),
            Some(Correction::LineChanged { offer, product, quantity: 60 })
        );
        let room_line = json!({"offer_id": OFFER, "product_id": null, "quantity": 5});
        assert_eq!(Correction::from_change(&change("offer_line_items", "DELETE", Value::Null, room_line), team), None);
    }
}
