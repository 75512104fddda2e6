//! An `offers` row with its line items, as the workflow reads it back.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::money::{de_chf, de_chf_required};
use super::OfferId;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OfferStatus {
    Draft,
    Sent,
    Confirmed,
    Cancelled,
}

/// Amounts in Rappen (the columns hold CHF with two decimals).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OfferRecord {
    pub id: OfferId,
    pub offer_number: String,
    pub status: OfferStatus,
    pub offer_date: NaiveDate,
    #[serde(default)]
    pub valid_until: Option<NaiveDate>,
    #[serde(rename = "total_amount", deserialize_with = "de_chf_required")]
    pub total_rappen: i64,
    #[serde(default)]
    pub deposit_enabled: bool,
    #[serde(rename = "deposit_amount", default, deserialize_with = "de_chf")]
    pub deposit_rappen: Option<i64>,
    #[serde(default)]
    pub deposit_deadline_days: Option<i32>,
    #[serde(default)]
    pub deposit_paid_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub confirmed_at: Option<DateTime<Utc>>,
}

impl OfferRecord {
    /// A deposit is due and not paid yet.
    pub fn deposit_due(&self) -> bool {
        self.deposit_enabled && self.deposit_rappen.is_some_and(|a| a > 0) && self.deposit_paid_at.is_none()
    }
}
