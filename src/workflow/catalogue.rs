//! The venue's rooms and products as the steps use them, parsed once from
//! `rooms` / `products` rows (either store) or the built-in catalogue.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::Value;

use super::extract::{Term, Vocabulary};
use super::offer::{ProductPricing, RoomPricing};
use super::rooms::RoomOption;
use crate::domain::{ProductId, RoomId};

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Catalogue {
    pub rooms: Vec<CatalogRoom>,
    pub products: Vec<CatalogProduct>,
    /// The names the extractor looks for, built once per catalogue.
    vocabulary: Vocabulary,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CatalogRoom {
    pub option: RoomOption,
    pub pricing: RoomPricing,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CatalogProduct {
    pub pricing: ProductPricing,
    pub synonyms: Vec<String>,
}

#[derive(Deserialize)]
struct ProductExtras {
    #[serde(default)]
    synonyms: Option<Vec<String>>,
    #[serde(default)]
    available: Option<bool>,
}

impl Catalogue {
    /// Rows that cannot be used (a product without a known price type, an
    /// unavailable product) are left out rather than failing the booking.
    pub fn from_rows(rooms: &[Value], products: &[Value]) -> Result<Self, String> {
        let rooms = rooms
            .iter()
            .map(|r| {
                let option = serde_json::from_value(r.clone()).map_err(|e| format!("room row: {e}"))?;
                let pricing = serde_json::from_value(r.clone()).map_err(|e| format!("room row: {e}"))?;
                Ok(CatalogRoom { option, pricing })
            })
            .collect::<Result<Vec<_>, String>>()?;
        let products = products
            .iter()
            .filter_map(|p| {
                let extras: ProductExtras = serde_json::from_value(p.clone()).ok()?;
                if extras.available == Some(false) {
                    return None;
                }
                let pricing: ProductPricing = serde_json::from_value(p.clone()).ok()?;
                Some(CatalogProduct { pricing, synonyms: extras.synonyms.unwrap_or_default() })
            })
            .collect();
        Ok(Self::new(rooms, products))
    }

    pub fn new(rooms: Vec<CatalogRoom>, products: Vec<CatalogProduct>) -> Self {
        let vocabulary = Vocabulary {
            rooms: rooms
                .iter()
                .map(|r| Term { id: r.option.id, name: r.option.name.clone(), synonyms: Vec::new() })
                .collect(),
            products: products
                .iter()
                .map(|p| Term { id: p.pricing.id, name: p.pricing.name.clone(), synonyms: p.synonyms.clone() })
                .collect(),
        };
        Self { rooms, products, vocabulary }
    }

    pub fn room(&self, id: RoomId) -> Option<&CatalogRoom> {
        self.rooms.iter().find(|r| r.option.id == id)
    }

    pub fn room_name(&self, id: RoomId) -> Option<String> {
        self.room(id).map(|r| r.option.name.clone())
    }

    pub fn product(&self, id: ProductId) -> Option<&CatalogProduct> {
        self.products.iter().find(|p| p.pricing.id == id)
    }

    pub fn room_options(&self) -> impl Iterator<Item = &RoomOption> {
        self.rooms.iter().map(|r| &r.option)
    }

    /// The names the extractor looks for in a mail.
    pub fn vocabulary(&self) -> &Vocabulary {
        &self.vocabulary
    }
}

/// Rooms held by other bookings (`option` or `confirmed`), by date.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Occupancy {
    by_date: BTreeMap<NaiveDate, Vec<RoomId>>,
}

impl Occupancy {
    pub fn new(rows: impl IntoIterator<Item = (NaiveDate, RoomId)>) -> Self {
        let mut by_date: BTreeMap<NaiveDate, Vec<RoomId>> = BTreeMap::new();
        for (date, room) in rows {
            by_date.entry(date).or_default().push(room);
        }
        Self { by_date }
    }

    pub fn booked_on(&self, date: NaiveDate) -> &[RoomId] {
        self.by_date.get(&date).map(Vec::as_slice).unwrap_or(&[])
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::store::catalog::CatalogFile;

    /// The built-in catalogue, as the steps' tests use it.
    pub fn builtin() -> Catalogue {
        let c = CatalogFile::builtin();
        Catalogue::from_rows(&c.rooms, &c.products).unwrap()
    }

    #[test]
    fn the_builtin_catalogue_parses_with_prices_and_synonyms() {
        let c = builtin();
        assert_eq!(c.rooms.len(), 6);
        assert!(c.products.len() > 40);
        let apero = c.products.iter().find(|p| p.pricing.name == "Classic Apéro").unwrap();
        assert!(apero.synonyms.iter().any(|s| s == "finger food"));
        assert_eq!(c.vocabulary().rooms.len(), 6);
    }
}
