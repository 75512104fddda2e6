//! Step 4 (WORKFLOW.md): the offer for a locked room.
//!
//! Pure and deterministic. All money is integer Rappen (`i64`, 1 CHF = 100
//! Rappen); rates are basis points (`u32`, 8.1 % = 810). Floating point only
//! appears at the JSON boundary, where a number such as `8.5` is read through
//! its shortest decimal text, never through arithmetic.
//!
//! Rules:
//! - Room: event minutes up to 4 h -> the cheaper of hourly x hours and the
//!   half-day rate; over 4 h -> the cheaper of hourly x hours and the
//!   full-day rate. Hours are started hours (4 h 30 bills 5 h), at least 1.
//!   A tie goes to the half/full-day package.
//! - Products: per_person x attendees, per_event x 1, per_unit x quantity
//!   (default 1), per_hour x the event's started hours unless a quantity is
//!   given. Every line's `total = quantity x unit_price` exactly (the frontend contract).
//! - VAT: each line at its own rate (default 8.1 %), summed exactly, then
//!   rounded once to 5 Rappen (half away from zero). total = subtotal + VAT.
//! - Deposit (room `deposit_required` with a percentage > 0): that share of
//!   the total, rounded to 5 Rappen, due within 14 days.
//! - Offer number `OE-YYYY-MM-XXXX` from the offer date and the month's
//!   sequence (zero-padded to 4, longer when the sequence exceeds 9999).
//!   Valid for 30 days.

use chrono::{Datelike, Days, NaiveDate, NaiveTime, Timelike};
use serde::{Deserialize, Serialize};

use crate::domain::money::{de_bool, de_chf, de_chf_required, de_percent};
use crate::domain::ProductId;

/// Swiss standard VAT (8.1 %) in basis points.
pub const DEFAULT_VAT_BP: u32 = 810;
/// Days the client has to pay the deposit.
pub const DEPOSIT_DEADLINE_DAYS: u32 = 14;
/// Days an offer stays valid.
pub const VALIDITY_DAYS: u64 = 30;
/// Longest event billed at the half-day rate.
const HALF_DAY_MINUTES: u32 = 4 * 60;

/// The room's prices. Deserializes from a `rooms` row or catalogue entry
/// (`hourly_rate`, `half_day_rate`, `full_day_rate` in CHF, `vat_rate` and
/// `deposit_percent` in percent, numbers or numeric strings).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomPricing {
    /// The room line's name ("Room C").
    pub name: String,
    #[serde(rename = "hourly_rate", default, deserialize_with = "de_chf")]
    pub hourly_rappen: Option<i64>,
    #[serde(rename = "half_day_rate", default, deserialize_with = "de_chf")]
    pub half_day_rappen: Option<i64>,
    #[serde(rename = "full_day_rate", default, deserialize_with = "de_chf")]
    pub full_day_rappen: Option<i64>,
    /// `None` -> [`DEFAULT_VAT_BP`].
    #[serde(rename = "vat_rate", default, deserialize_with = "de_percent")]
    pub vat_rate_bp: Option<u32>,
    #[serde(default, deserialize_with = "de_bool")]
    pub deposit_required: bool,
    #[serde(rename = "deposit_percent", default, deserialize_with = "de_percent")]
    pub deposit_percent_bp: Option<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PriceType {
    PerPerson,
    PerEvent,
    PerUnit,
    PerHour,
}

impl PriceType {
    /// The `products.price_type` text (`per_person`, ...), case-insensitive.
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "per_person" => Some(Self::PerPerson),
            "per_event" => Some(Self::PerEvent),
            "per_unit" => Some(Self::PerUnit),
            "per_hour" => Some(Self::PerHour),
            _ => None,
        }
    }
}

/// A product's price. Deserializes from a `products` row or catalogue entry
/// (`base_price` in CHF, `vat_rate` in percent).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductPricing {
    pub id: ProductId,
    pub name: String,
    #[serde(rename = "base_price", deserialize_with = "de_chf_required")]
    pub base_price_rappen: i64,
    pub price_type: PriceType,
    /// "person", "bottle", "hour"... shown in the line's description.
    #[serde(default)]
    pub unit: Option<String>,
    /// `None` -> [`DEFAULT_VAT_BP`].
    #[serde(rename = "vat_rate", default, deserialize_with = "de_percent")]
    pub vat_rate_bp: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfferRequest {
    pub room: RoomPricing,
    /// Local venue time. `end` before `start` means the event ends after
    /// midnight; `end == start` is a zero-length event (billed as 1 h).
    pub start: NaiveTime,
    pub end: NaiveTime,
    pub attendees: u32,
    /// Each product with the client's quantity: pieces for per_unit
    /// (default 1), hours for per_hour (default: the event's hours),
    /// servings for per_person (default: the attendees; the caller passes
    /// attendees × times for "two coffee breaks").
    pub products: Vec<(ProductPricing, Option<u32>)>,
    pub offer_date: NaiveDate,
    /// The offer's sequence within its month, from 1.
    pub sequence: u32,
    /// A discount on the subtotal the manager is asked to grant (basis
    /// points; 0 = none). It becomes its own negative line, so the line
    /// totals still add up to the subtotal.
    pub discount_bp: u32,
}

/// One `offer_line_items` row. `total_rappen == quantity * unit_price_rappen`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LineItem {
    pub name: String,
    pub description: Option<String>,
    /// Whole units: attendees, pieces, hours, or 1 (event, half/full day).
    pub quantity: u32,
    pub unit_price_rappen: i64,
    pub total_rappen: i64,
    pub vat_rate_bp: u32,
    /// `None` for the room line.
    pub product_id: Option<ProductId>,
    /// What one unit is, so drafts can state each price with its unit.
    pub unit: LineUnit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LineUnit {
    Person,
    Event,
    Piece,
    Hour,
    HalfDay,
    FullDay,
    /// The room has no rate: the manager prices it.
    OnRequest,
    /// A discount of this share of the subtotal (basis points).
    Discount(u32),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Deposit {
    /// Share of the total in basis points (30 % = 3000); see [`percent`].
    pub percentage_bp: u32,
    pub amount_rappen: i64,
    pub deadline_days: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Offer {
    pub offer_number: String,
    pub offer_date: NaiveDate,
    pub valid_until: NaiveDate,
    /// The room line first, then the products in request order.
    pub items: Vec<LineItem>,
    pub subtotal_rappen: i64,
    pub vat_rappen: i64,
    pub total_rappen: i64,
    pub deposit: Option<Deposit>,
}

/// The offer for `req` (see the module docs for the rules).
pub fn calculate(req: &OfferRequest) -> Offer {
    let minutes = event_minutes(req.start, req.end);
    let hours = billable_hours(minutes);
    let room_vat = req.room.vat_rate_bp.unwrap_or(DEFAULT_VAT_BP);

    let mut items = vec![room_line(&req.room, minutes, room_vat)];
    for (p, qty) in &req.products {
        let quantity = match p.price_type {
            // Servings: the guests (× times), or the persons named.
            PriceType::PerPerson => qty.unwrap_or(req.attendees),
            PriceType::PerEvent => 1,
            PriceType::PerUnit => qty.unwrap_or(1),
            PriceType::PerHour => qty.unwrap_or(hours),
        };
        let description = match (p.price_type, p.unit.as_deref().map(str::trim)) {
            (_, Some(u)) if !u.is_empty() => format!("{quantity} x {} per {u}", chf(p.base_price_rappen)),
            (PriceType::PerPerson, _) => format!("{quantity} x {} per person", chf(p.base_price_rappen)),
            (PriceType::PerEvent, _) => format!("{quantity} x {} per event", chf(p.base_price_rappen)),
            (PriceType::PerUnit, _) => format!("{quantity} x {} per unit", chf(p.base_price_rappen)),
            (PriceType::PerHour, _) => format!("{quantity} x {} per hour", chf(p.base_price_rappen)),
        };
        items.push(LineItem {
            name: p.name.clone(),
            description: Some(description),
            quantity,
            unit_price_rappen: p.base_price_rappen,
            total_rappen: i64::from(quantity) * p.base_price_rappen,
            vat_rate_bp: p.vat_rate_bp.unwrap_or(DEFAULT_VAT_BP),
            product_id: Some(p.id),
            unit: match p.price_type {
                PriceType::PerPerson => LineUnit::Person,
                PriceType::PerEvent => LineUnit::Event,
                PriceType::PerUnit => LineUnit::Piece,
                PriceType::PerHour => LineUnit::Hour,
            },
        });
    }

    if req.discount_bp > 0 {
        let before: i64 = items.iter().map(|i| i.total_rappen).sum();
        let discount = round_to_5(i128::from(before) * i128::from(req.discount_bp.min(10_000)), 10_000);
        items.push(LineItem {
            name: format!("Discount ({} %)", percent(req.discount_bp)),
            description: None,
            quantity: 1,
            unit_price_rappen: -discount,
            total_rappen: -discount,
            vat_rate_bp: DEFAULT_VAT_BP,
            product_id: None,
            unit: LineUnit::Discount(req.discount_bp),
        });
    }
    let subtotal_rappen: i64 = items.iter().map(|i| i.total_rappen).sum();
    let vat_exact: i128 = items.iter().map(|i| i128::from(i.total_rappen) * i128::from(i.vat_rate_bp)).sum();
    let vat_rappen = round_to_5(vat_exact, 10_000);
    let total_rappen = subtotal_rappen + vat_rappen;
    let deposit = match (req.room.deposit_required, req.room.deposit_percent_bp) {
        (true, Some(bp)) if bp > 0 => Some(Deposit {
            percentage_bp: bp,
            amount_rappen: round_to_5(i128::from(total_rappen) * i128::from(bp), 10_000),
            deadline_days: DEPOSIT_DEADLINE_DAYS,
        }),
        _ => None,
    };

    Offer {
        offer_number: offer_number(req.offer_date, req.sequence),
        offer_date: req.offer_date,
        valid_until: valid_until(req.offer_date),
        items,
        subtotal_rappen,
        vat_rappen,
        total_rappen,
        deposit,
    }
}

/// The room line: the cheapest applicable rate for the event's length.
fn room_line(room: &RoomPricing, minutes: u32, vat_rate_bp: u32) -> LineItem {
    let hours = billable_hours(minutes);
    let hourly = room.hourly_rappen.map(|r| (hours, r, format!("{hours} h at {}", chf(r)), LineUnit::Hour));
    let package = if minutes <= HALF_DAY_MINUTES {
        room.half_day_rappen.map(|r| (1, r, "Half day (4 h)".to_string(), LineUnit::HalfDay))
    } else {
        room.full_day_rappen.map(|r| (1, r, "Full day".to_string(), LineUnit::FullDay))
    };
    // A package wins a tie with the hourly price.
    let chosen = match (package, hourly) {
        (Some(p), Some(h)) => Some(if i64::from(h.0) * h.1 < p.1 { h } else { p }),
        (p, h) => p.or(h),
    }
    // A short event in a room with only a full-day rate.
    .or_else(|| {
        (minutes <= HALF_DAY_MINUTES)
            .then_some(room.full_day_rappen)
            .flatten()
            .map(|r| (1, r, "Full day".into(), LineUnit::FullDay))
    });
    let (quantity, unit_price_rappen, description, unit) =
        chosen.unwrap_or((1, 0, "Rate on request".into(), LineUnit::OnRequest));
    LineItem {
        name: room.name.clone(),
        description: Some(description),
        quantity,
        unit_price_rappen,
        total_rappen: i64::from(quantity) * unit_price_rappen,
        vat_rate_bp,
        product_id: None,
        unit,
    }
}

/// Minutes from `start` to `end`; an `end` before `start` is the next day.
pub fn event_minutes(start: NaiveTime, end: NaiveTime) -> u32 {
    let s = start.num_seconds_from_midnight() / 60;
    let e = end.num_seconds_from_midnight() / 60;
    if e >= s {
        e - s
    } else {
        e + 24 * 60 - s
    }
}

/// Started hours, at least 1 (4 h 30 -> 5).
pub fn billable_hours(minutes: u32) -> u32 {
    minutes.div_ceil(60).max(1)
}

/// `OE-YYYY-MM-XXXX`: XXXX is the month's sequence, zero-padded to 4 digits
/// (more digits past 9999, so numbers stay unique).
pub fn offer_number(offer_date: NaiveDate, sequence: u32) -> String {
    format!("OE-{:04}-{:02}-{:04}", offer_date.year(), offer_date.month(), sequence)
}

/// `offer_date` + 30 days.
pub fn valid_until(offer_date: NaiveDate) -> NaiveDate {
    offer_date.checked_add_days(Days::new(VALIDITY_DAYS)).unwrap_or(NaiveDate::MAX)
}

/// `numerator / denominator` rounded to the nearest multiple of 5 Rappen,
/// halves away from zero. `denominator` must be positive.
fn round_to_5(numerator: i128, denominator: i128) -> i64 {
    let d = denominator * 5;
    let q = numerator.abs() / d;
    let r = numerator.abs() % d;
    let q = if 2 * r >= d { q + 1 } else { q };
    let v = i64::try_from(q * 5).unwrap_or(i64::MAX);
    if numerator < 0 {
        -v
    } else {
        v
    }
}

/// `CHF 1'234.50`: apostrophe thousands separator, two decimals.
pub fn chf(rappen: i64) -> String {
    let sign = if rappen < 0 { "-" } else { "" };
    let abs = rappen.unsigned_abs();
    let francs = (abs / 100).to_string();
    let mut grouped = String::with_capacity(francs.len() + francs.len() / 3);
    for (i, c) in francs.chars().enumerate() {
        if i > 0 && (francs.len() - i) % 3 == 0 {
            grouped.push('\'');
        }
        grouped.push(c);
    }
    format!("CHF {sign}{grouped}.{:02}", abs % 100)
}

/// The plain decimal text Supabase `numeric` columns take: `1234.50`.
pub fn decimal(rappen: i64) -> String {
    let sign = if rappen < 0 { "-" } else { "" };
    let abs = rappen.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

/// A basis-point rate as percent text without trailing zeros: 810 -> "8.1",
/// 3000 -> "30", 1250 -> "12.5".
pub fn percent(bp: u32) -> String {
    let whole = bp / 100;
    match bp % 100 {
        0 => whole.to_string(),
        f if f % 10 == 0 => format!("{whole}.{}", f / 10),
        f => format!("{whole}.{f:02}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::money::parse_scaled;

    fn catalog() -> serde_json::Value {
        serde_json::from_str(include_str!("../../fixtures/catalog.json")).unwrap()
    }

    fn room(name: &str) -> RoomPricing {
        let c = catalog();
        let v = c["rooms"].as_array().unwrap().iter().find(|r| r["name"] == name).unwrap().clone();
        serde_json::from_value(v).unwrap()
    }

    fn product(name: &str) -> ProductPricing {
        let c = catalog();
        let v = c["products"].as_array().unwrap().iter().find(|r| r["name"] == name).unwrap().clone();
        serde_json::from_value(v).unwrap()
    }

    fn t(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn request(room_name: &str, start: NaiveTime, end: NaiveTime) -> OfferRequest {
        OfferRequest {
            room: room(room_name),
            start,
            end,
            attendees: 40,
            products: vec![],
            offer_date: date(2026, 3, 5),
            sequence: 1,
            discount_bp: 0,
        }
    }

    fn room_line_of(room_name: &str, start: NaiveTime, end: NaiveTime) -> LineItem {
        calculate(&request(room_name, start, end)).items.remove(0)
    }

    fn assert_line_consistent(o: &Offer) {
        for i in &o.items {
            assert_eq!(i.total_rappen, i64::from(i.quantity) * i.unit_price_rappen, "{i:?}");
        }
        assert_eq!(o.subtotal_rappen, o.items.iter().map(|i| i.total_rappen).sum::<i64>());
        assert_eq!(o.total_rappen, o.subtotal_rappen + o.vat_rappen);
        assert_eq!(o.vat_rappen % 5, 0);
    }

    #[test]
    fn catalog_values_parse_exactly() {
        let c = room("Room C");
        assert_eq!(
            c,
            RoomPricing {
                name: "Room C".into(),
                hourly_rappen: Some(18_000),
                half_day_rappen: Some(65_000),
                full_day_rappen: Some(110_000),
                vat_rate_bp: Some(810),
                deposit_required: true,
                deposit_percent_bp: Some(3000),
            }
        );
        assert_eq!(room("Room A").deposit_percent_bp, None);
        let p = product("Basic Coffee & Tea Package");
        assert_eq!((p.base_price_rappen, p.price_type, p.vat_rate_bp), (850, PriceType::PerPerson, Some(810)));
        // Every catalogue product parses.
        let all: Vec<ProductPricing> = serde_json::from_value(catalog()["products"].clone()).unwrap();
        assert!(all.len() > 50);
    }

    #[test]
    fn room_three_hours_is_hourly() {
        let a = room_line_of("Room A", t(9, 0), t(12, 0));
        assert_eq!((a.quantity, a.unit_price_rappen, a.total_rappen), (3, 8_000, 24_000));
        assert_eq!(a.description.as_deref(), Some("3 h at CHF 80.00"));
        assert_eq!(a.name, "Room A");
        assert_eq!(a.product_id, None);
        // Room C: 3 x 180 = 540 < 650.
        assert_eq!(room_line_of("Room C", t(9, 0), t(12, 0)).total_rappen, 54_000);
    }

    #[test]
    fn room_four_hours_is_half_day() {
        // A: 4 x 80 = 320 > 300; B: 480 > 450; C: 720 > 650.
        for (name, rate) in [("Room A", 30_000), ("Room B", 45_000), ("Room C", 65_000)] {
            let l = room_line_of(name, t(13, 0), t(17, 0));
            assert_eq!((l.quantity, l.unit_price_rappen, l.total_rappen), (1, rate, rate), "{name}");
            assert_eq!(l.description.as_deref(), Some("Half day (4 h)"));
        }
        // 3 h 30 bills 4 started hours: still the half day for Room A.
        assert_eq!(room_line_of("Room A", t(9, 0), t(12, 30)).total_rappen, 30_000);
    }

    #[test]
    fn room_four_and_a_half_hours_never_half_day() {
        // 5 started hours: A 400 < 500, B 600 < 750, C 900 < 1100.
        for (name, hourly) in [("Room A", 8_000), ("Room B", 12_000), ("Room C", 18_000)] {
            let l = room_line_of(name, t(13, 0), t(17, 30));
            assert_eq!((l.quantity, l.unit_price_rappen, l.total_rappen), (5, hourly, 5 * hourly), "{name}");
            assert_eq!(l.description, Some(format!("5 h at {}", chf(hourly))));
        }
        assert_eq!(room_line_of("Room A", t(13, 0), t(17, 30)).description.as_deref(), Some("5 h at CHF 80.00"));
    }

    #[test]
    fn room_eight_and_ten_hours_is_full_day() {
        for (start, end) in [(t(9, 0), t(17, 0)), (t(8, 0), t(18, 0))] {
            for (name, rate) in [("Room A", 50_000), ("Room B", 75_000), ("Room C", 110_000)] {
                let l = room_line_of(name, start, end);
                assert_eq!((l.quantity, l.unit_price_rappen, l.total_rappen), (1, rate, rate), "{name}");
                assert_eq!(l.description.as_deref(), Some("Full day"));
            }
        }
        // 6 h: A 480 < 500 stays hourly, C 1080 < 1100 too; 7 h: C 1260 -> full day.
        assert_eq!(room_line_of("Room A", t(9, 0), t(15, 0)).total_rappen, 48_000);
        assert_eq!(room_line_of("Room C", t(9, 0), t(15, 0)).total_rappen, 108_000);
        assert_eq!(room_line_of("Room C", t(9, 0), t(16, 0)).total_rappen, 110_000);
    }

    #[test]
    fn room_past_midnight_and_missing_rates() {
        assert_eq!(event_minutes(t(20, 0), t(1, 0)), 300);
        assert_eq!(room_line_of("Room A", t(20, 0), t(1, 0)).total_rappen, 40_000);
        let mut r = request("Room A", t(9, 0), t(17, 0));
        r.room.full_day_rappen = None;
        assert_eq!(calculate(&r).items[0].total_rappen, 64_000);
        r.room.hourly_rappen = None;
        let l = calculate(&r).items.remove(0);
        assert_eq!((l.total_rappen, l.description.as_deref()), (0, Some("Rate on request")));
        // Short event, only a full-day rate: the full day.
        let mut r = request("Room A", t(9, 0), t(11, 0));
        r.room.hourly_rappen = None;
        r.room.half_day_rappen = None;
        assert_eq!(calculate(&r).items[0].total_rappen, 50_000);
    }

    #[test]
    fn per_person_product() {
        let mut r = request("Room A", t(12, 0), t(14, 0));
        r.attendees = 40;
        r.products = vec![(product("Lunch Package"), None)]; // every guest once
        let o = calculate(&r);
        let l = &o.items[1];
        assert_eq!((l.quantity, l.unit_price_rappen, l.total_rappen), (40, 2_800, 112_000));
        assert_eq!(l.product_id, Some(product("Lunch Package").id));
        assert_eq!(l.description.as_deref(), Some("40 x CHF 28.00 per person"));
        // Servings the caller counted: two coffee breaks for 40, or 5 menus.
        for (servings, total) in [(80, 224_000), (5, 14_000)] {
            r.products = vec![(product("Lunch Package"), Some(servings))];
            let l = &calculate(&r).items[1];
            assert_eq!((l.quantity, l.total_rappen), (servings, total));
        }
        assert_line_consistent(&o);
    }

    #[test]
    fn per_event_product() {
        let mut r = request("Room C", t(18, 0), t(23, 0));
        r.products = vec![(product("Cocktail Bar Setup"), Some(4))];
        let o = calculate(&r);
        assert_eq!((o.items[1].quantity, o.items[1].total_rappen), (1, 32_000));
        assert_line_consistent(&o);
    }

    #[test]
    fn per_unit_product() {
        let mut r = request("Room C", t(18, 0), t(23, 0));
        r.products = vec![(product("Prosecco Service"), Some(6)), (product("Wireless Microphone"), None)];
        let o = calculate(&r);
        assert_eq!((o.items[1].quantity, o.items[1].total_rappen), (6, 21_000));
        assert_eq!(o.items[1].description.as_deref(), Some("6 x CHF 35.00 per bottle"));
        assert_eq!((o.items[2].quantity, o.items[2].total_rappen), (1, 2_500));
        assert_line_consistent(&o);
    }

    #[test]
    fn per_hour_product() {
        // 18:00–22:30 is 5 started hours.
        let mut r = request("Room C", t(18, 0), t(22, 30));
        r.products = vec![(product("Event Photographer"), None), (product("Security Staff"), Some(2))];
        let o = calculate(&r);
        assert_eq!((o.items[1].quantity, o.items[1].total_rappen), (5, 90_000));
        assert_eq!(o.items[1].description.as_deref(), Some("5 x CHF 180.00 per hour"));
        assert_eq!((o.items[2].quantity, o.items[2].total_rappen), (2, 11_000));
        assert_line_consistent(&o);
    }

    #[test]
    fn vat_exact_and_swiss_rounding() {
        // Room A half day 300 -> VAT 24.30 exactly.
        let o = calculate(&request("Room A", t(8, 0), t(12, 0)));
        assert_eq!((o.subtotal_rappen, o.vat_rappen, o.total_rappen), (30_000, 2_430, 32_430));
        // 3 h of Room A: 240 -> 19.44 -> 19.45.
        let o = calculate(&request("Room A", t(9, 0), t(12, 0)));
        assert_eq!((o.subtotal_rappen, o.vat_rappen, o.total_rappen), (24_000, 1_945, 25_945));
        // 300 + 30 x 7.50 = 525.00 -> 42.525, a tie, rounds up to 42.55.
        let mut r = request("Room A", t(8, 0), t(12, 0));
        r.attendees = 30;
        r.products = vec![(product("Coffee & Tea Bar"), None)];
        let o = calculate(&r);
        assert_eq!((o.subtotal_rappen, o.vat_rappen, o.total_rappen), (52_500, 4_255, 56_755));
        assert_line_consistent(&o);
        // Rappen: 425.24 -> 425, 422.74 -> 425, 422.4999 -> 420, ties away from zero.
        assert_eq!(round_to_5(4_252_400, 10_000), 425);
        assert_eq!(round_to_5(4_227_400, 10_000), 425);
        assert_eq!(round_to_5(4_224_999, 10_000), 420);
        assert_eq!(round_to_5(4_225_000, 10_000), 425);
        assert_eq!(round_to_5(-4_275_000, 10_000), -430);
        assert_eq!(round_to_5(-4_252_400, 10_000), -425);
    }

    #[test]
    fn vat_per_line_rate_rounded_once() {
        // Room A half day at 8.1 % plus 10 x Lunch 28 = 280 at a reduced 2.6 %:
        // 24.30 + 7.28 = 31.58 -> 31.60 (rounding per line would give 24.30 + 7.30).
        let mut lunch = product("Lunch Package");
        lunch.vat_rate_bp = Some(260);
        let mut r = request("Room A", t(8, 0), t(12, 0));
        r.attendees = 10;
        r.products = vec![(lunch, None)];
        let o = calculate(&r);
        assert_eq!(o.items[1].vat_rate_bp, 260);
        assert_eq!((o.subtotal_rappen, o.vat_rappen), (58_000, 3_160));
        // A missing rate means 8.1 %.
        let mut free = product("Lunch Package");
        free.vat_rate_bp = None;
        let mut room = room("Room A");
        room.vat_rate_bp = None;
        let mut r = request("Room A", t(8, 0), t(12, 0));
        r.room = room;
        r.attendees = 10;
        r.products = vec![(free, None)];
        let o = calculate(&r);
        assert!(o.items.iter().all(|i| i.vat_rate_bp == DEFAULT_VAT_BP));
        assert_eq!(o.vat_rappen, 4_700); // 580 x 8.1 % = 46.98 -> 47.00
    }

    #[test]
    fn deposit_for_room_c_none_for_room_a() {
        // Room C half day 650 -> VAT 52.65 -> total 702.65 -> 30 % = 210.795 -> 210.80.
        let o = calculate(&request("Room C", t(8, 0), t(12, 0)));
        assert_eq!(o.total_rappen, 70_265);
        assert_eq!(o.deposit, Some(Deposit { percentage_bp: 3000, amount_rappen: 21_080, deadline_days: 14 }));
        // Room C full day + 50 x dinner 58: 4000 + 324 = 4324 -> 1297.20.
        let mut r = request("Room C", t(10, 0), t(18, 0));
        r.attendees = 50;
        r.products = vec![(product("Three-Course Dinner"), None)];
        let o = calculate(&r);
        assert_eq!((o.subtotal_rappen, o.vat_rappen, o.total_rappen), (400_000, 32_400, 432_400));
        assert_eq!(o.deposit.unwrap().amount_rappen, 129_720);
        assert_eq!(calculate(&request("Room A", t(8, 0), t(12, 0))).deposit, None);
        // Required but no percentage: no deposit.
        let mut r = request("Room C", t(8, 0), t(12, 0));
        r.room.deposit_percent_bp = None;
        assert_eq!(calculate(&r).deposit, None);
    }

    #[test]
    fn offer_number_format() {
        assert_eq!(offer_number(date(2026, 3, 5), 1), "OE-2026-03-0001");
        assert_eq!(offer_number(date(2026, 12, 31), 42), "OE-2026-12-0042");
        assert_eq!(offer_number(date(2026, 3, 5), 9999), "OE-2026-03-9999");
        assert_eq!(offer_number(date(2026, 3, 5), 10000), "OE-2026-03-10000");
        let mut r = request("Room A", t(8, 0), t(12, 0));
        r.sequence = 7;
        assert_eq!(calculate(&r).offer_number, "OE-2026-03-0007");
    }

    #[test]
    fn valid_for_thirty_days() {
        let o = calculate(&request("Room A", t(8, 0), t(12, 0)));
        assert_eq!(o.offer_date, date(2026, 3, 5));
        assert_eq!(o.valid_until, date(2026, 4, 4));
        assert_eq!(valid_until(date(2026, 12, 15)), date(2027, 1, 14));
        assert_eq!(valid_until(date(2028, 2, 1)), date(2028, 3, 2));
    }

    #[test]
    fn chf_formatting() {
        assert_eq!(chf(0), "CHF 0.00");
        assert_eq!(chf(5), "CHF 0.05");
        assert_eq!(chf(123_450), "CHF 1'234.50");
        assert_eq!(chf(100_000_000), "CHF 1'000'000.00");
        assert_eq!(chf(99_999), "CHF 999.99");
        assert_eq!(chf(100_000), "CHF 1'000.00");
        assert_eq!(chf(-123_450), "CHF -1'234.50");
        assert_eq!(decimal(123_450), "1234.50");
        assert_eq!(decimal(5), "0.05");
        assert_eq!(decimal(-5), "-0.05");
        assert_eq!(
            (percent(810), percent(3000), percent(1250), percent(5)),
            ("8.1".into(), "30".into(), "12.5".into(), "0.05".into())
        );
    }

    #[test]
    fn parse_scaled_decimals() {
        assert_eq!(parse_scaled("18", 2), Some(1_800));
        assert_eq!(parse_scaled("8.5", 2), Some(850));
        assert_eq!(parse_scaled(" 1234.50 ", 2), Some(123_450));
        assert_eq!(parse_scaled("-0.05", 2), Some(-5));
        assert_eq!(parse_scaled(".5", 2), Some(50));
        assert_eq!(parse_scaled("1.005", 2), Some(101));
        assert_eq!(parse_scaled("1.004", 2), Some(100));
        for bad in ["", ".", "1e3", "abc", "1.2.3", "--1"] {
            assert_eq!(parse_scaled(bad, 2), None, "{bad}");
        }
        // Numeric strings (Supabase numeric columns) deserialize too.
        let p: RoomPricing = serde_json::from_value(serde_json::json!({
            "name": "X", "hourly_rate": "80.00", "half_day_rate": null, "vat_rate": "8.1", "deposit_required": null
        }))
        .unwrap();
        assert_eq!(
            (p.hourly_rappen, p.half_day_rappen, p.vat_rate_bp, p.deposit_required),
            (Some(8_000), None, Some(810), false)
        );
    }

    #[test]
    fn totals_equal_sum_of_lines() {
        let mut r = request("Room B", t(9, 0), t(17, 0));
        r.attendees = 35;
        r.products = vec![
            (product("Basic Coffee & Tea Package"), None),
            (product("Lunch Package"), None),
            (product("Wine Selection"), Some(5)),
            (product("Hybrid Streaming Kit"), None),
            (product("On-Site Technical Support"), None),
            (product("Flipchart"), Some(2)),
        ];
        let o = calculate(&r);
        assert_eq!(o.items.len(), 7);
        assert_line_consistent(&o);
        // 750 + 297.50 + 980 + 210 + 420 + 8 x 85 + 30 = 3367.50
        assert_eq!(o.subtotal_rappen, 336_750);
        // 3367.50 x 8.1 % = 272.7675 -> 272.75
        assert_eq!(o.vat_rappen, 27_275);
        assert_eq!(o.total_rappen, 364_025);
        assert_eq!(o.deposit, None);
    }
}
