//! The venue's catalogue (`fixtures/catalog.json`): seeds the embedded store.

use serde::Deserialize;
use serde_json::Value;

/// Built into the binary, so the service runs from any directory.
pub const CATALOG_JSON: &str = include_str!("../../fixtures/catalog.json");

/// `fixtures/catalog.json` as rows (JSON per room and product), the way a
/// store holds them; `workflow::Catalogue` is what the steps read from them.
#[derive(Debug, Clone, Deserialize)]
pub struct CatalogFile {
    pub venue: Venue,
    pub product_categories: Vec<Value>,
    pub rooms: Vec<Value>,
    pub products: Vec<Value>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Venue {
    pub name: String,
    pub email: String,
    pub currency: String,
    pub vat_rate: f64,
}

impl CatalogFile {
    pub fn builtin() -> Self {
        serde_json::from_str(CATALOG_JSON).expect("fixtures/catalog.json is valid")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_catalog_has_six_rooms_and_priced_products() {
        let c = CatalogFile::builtin();
        assert_eq!(c.venue.currency, "CHF");
        assert_eq!(c.rooms.len(), 6);
        assert!(c.rooms.iter().all(|r| r["capacity"].as_i64().unwrap_or(0) > 0 && r["full_day_rate"].is_number()));
        assert!(c.products.len() > 40);
        let types: std::collections::BTreeSet<_> = c.products.iter().filter_map(|p| p["price_type"].as_str()).collect();
        assert!(types.contains("per_person") && types.contains("per_event") && types.contains("per_unit"), "{types:?}");
    }
}
