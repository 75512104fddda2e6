//! The offers part of a plan (`Plan::offers`), inside apply's transaction.

use rusqlite::{params, Connection, ErrorCode};

use super::db::{cached, sql_error};
use crate::domain::EventId;
use crate::store::StoreError;
use crate::workflow::{NewOffer, OfferPatch, OfferWrite};

/// CHF for a REAL column: the double nearest to the exact amount, which
/// reads back as the same Rappen (`rows::rappen`).
fn chf(rappen: i64) -> f64 {
    rappen as f64 / 100.0
}

pub(super) fn write(
    tx: &Connection,
    team: &str,
    user: &str,
    event: Option<EventId>,
    write: &OfferWrite,
    now: &str,
) -> Result<(), StoreError> {
    match write {
        OfferWrite::Create(offer) => {
            let event = event.ok_or_else(|| StoreError::Invalid("an offer needs the plan's event".into()))?;
            create(tx, team, user, event, offer, now)
        }
        OfferWrite::Update { id, patch } => update(tx, team, &id.to_string(), patch, now),
    }
}

fn create(tx: &Connection, team: &str, user: &str, event: EventId, o: &NewOffer, now: &str) -> Result<(), StoreError> {
    let deposit = o.deposit.as_ref();
    let payment_status = deposit.filter(|d| d.amount_rappen > 0).map(|_| "pending");
    cached(
        tx,
        "INSERT INTO offers (id, team_id, user_id, event_id, offer_number, subject, offer_date, valid_until, subtotal,
             vat_amount, total_amount, deposit_enabled, deposit_type, deposit_percentage, deposit_amount,
             deposit_deadline_days, payment_status, status, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, 'draft', ?18, ?18)",
        params![
            o.id.to_string(),
            team,
            user,
            event.to_string(),
            o.offer_number,
            o.subject,
            o.offer_date.to_string(),
            o.valid_until.to_string(),
            chf(o.subtotal_rappen),
            chf(o.vat_rappen),
            chf(o.total_rappen),
            deposit.is_some(),
            deposit.map(|_| "percentage"),
            deposit.map(|d| f64::from(d.percentage_bp) / 100.0),
            deposit.map(|d| chf(d.amount_rappen)),
            deposit.map(|d| d.deadline_days),
            payment_status,
            now,
        ],
    )
    .map_err(|e| offer_insert_error(e, &o.offer_number))?;
    for item in &o.items {
        cached(
            tx,
            "INSERT INTO offer_line_items (id, team_id, user_id, offer_id, product_id, name, description, quantity,
                 unit_price, total)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![
                uuid::Uuid::now_v7().to_string(),
                team,
                user,
                o.id.to_string(),
                item.product_id.map(|p| p.to_string()),
                item.name,
                item.description,
                item.quantity,
                chf(item.unit_price_rappen),
                chf(item.total_rappen),
            ],
        )
        .map_err(sql_error)?;
    }
    Ok(())
}

/// Two bookings may have read the same next sequence: the unique offer
/// number refuses the second. That is a race, not bad data: `Unavailable`
/// makes the inbox retry, and the retry plans with a fresh sequence.
fn offer_insert_error(e: rusqlite::Error, number: &str) -> StoreError {
    let taken =
        e.sqlite_error_code() == Some(ErrorCode::ConstraintViolation) && e.to_string().contains("offers.offer_number");
    if taken {
        StoreError::unavailable(format!("offer number {number} is taken by another offer; plan again"))
    } else {
        sql_error(e)
    }
}

fn update(tx: &Connection, team: &str, id: &str, patch: &OfferPatch, now: &str) -> Result<(), StoreError> {
    let status = patch.status.as_ref().map(super::apply::enum_text).transpose()?;
    let changed = tx
        .execute(
            "UPDATE offers SET status = coalesce(?3, status), confirmed_at = coalesce(?4, confirmed_at),
                 payment_status = coalesce(?5, payment_status), deposit_paid_at = coalesce(deposit_paid_at, ?7),
                 updated_at = ?6
             WHERE id = ?1 AND team_id = ?2",
            params![
                id,
                team,
                status,
                patch.confirmed_at.map(crate::store::timestamp),
                patch.payment_status,
                now,
                patch.deposit_paid_at.map(crate::store::timestamp),
            ],
        )
        .map_err(sql_error)?;
    if changed == 0 {
        return Err(StoreError::Invalid(format!("offer {id} not found")));
    }
    Ok(())
}
