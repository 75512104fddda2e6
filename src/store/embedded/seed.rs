use rusqlite::params;
use serde_json::Value;

use super::db::sql_error;
use super::EmbeddedStore;
use crate::store::{CatalogFile, StoreError};

impl EmbeddedStore {
    /// Loads rooms and products from the built-in catalogue when the store
    /// has none yet (first start); never overwrites later edits.
    pub(super) async fn seed_catalog(&self) -> Result<(), StoreError> {
        let catalog = CatalogFile::builtin();
        let team = self.team.to_string();
        self.data
            .run(move |conn| {
                let rooms: i64 = conn.query_row("SELECT count(*) FROM rooms WHERE team_id = ?1", [&team], |r| r.get(0)).map_err(sql_error)?;
                if rooms > 0 {
                    return Ok(());
                }
                let tx = conn.transaction().map_err(sql_error)?;
                for c in &catalog.product_categories {
                    tx.execute("INSERT OR IGNORE INTO product_categories (id, team_id, name) VALUES (?1, ?2, ?3)", params![s(c, "id"), team, s(c, "name")])
                        .map_err(sql_error)?;
                }
                for r in &catalog.rooms {
                    tx.execute(
                        "INSERT OR IGNORE INTO rooms (id, team_id, name, description, capacity, theater_capacity, cocktail_capacity,
                             seated_dinner_capacity, standing_capacity, amenities, hourly_rate, half_day_rate, full_day_rate,
                             vat_rate, deposit_required, deposit_percent, layout_capacities)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
                        params![
                            s(r, "id"), team, s(r, "name"), s(r, "description"), i(r, "capacity"), i(r, "theater_capacity"),
                            i(r, "cocktail_capacity"), i(r, "seated_dinner_capacity"), i(r, "standing_capacity"),
                            r["amenities"].to_string(), f(r, "hourly_rate"), f(r, "half_day_rate"), f(r, "full_day_rate"),
                            f(r, "vat_rate"), r["deposit_required"].as_bool().unwrap_or(false), f(r, "deposit_percent"),
                            layouts(r),
                        ],
                    )
                    .map_err(sql_error)?;
                }
                for p in &catalog.products {
                    tx.execute(
                        "INSERT OR IGNORE INTO products (id, team_id, name, description, base_price, price_type, vat_rate, category_id, available,
                             synonyms)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                        params![
                            s(p, "id"), team, s(p, "name"), s(p, "description"), f(p, "base_price"), s(p, "price_type"),
                            f(p, "vat_rate"), s(p, "category_id"), p["available"].as_bool().unwrap_or(true), synonyms(p),
                        ],
                    )
                    .map_err(sql_error)?;
                }
                tx.commit().map_err(sql_error)
            })
            .await
    }

    /// Fills a column added after the first release (`products.synonyms`,
    /// `rooms.layout_capacities`) for the built-in catalogue's rows of a
    /// store seeded before it existed, only where it is still empty.
    pub(super) async fn backfill(&self, column: Backfill) -> Result<(), StoreError> {
        let catalog = CatalogFile::builtin();
        let team = self.team.to_string();
        self.data
            .run(move |conn| {
                let (sql, rows, value): (&str, &[Value], ColumnText) = match column {
                    Backfill::Synonyms => (
                        "UPDATE products SET synonyms = ?3 WHERE id = ?1 AND team_id = ?2 AND synonyms IS NULL",
                        &catalog.products,
                        synonyms,
                    ),
                    // Without them a room would be offered for any seating.
                    Backfill::Layouts => (
                        "UPDATE rooms SET layout_capacities = ?3
                         WHERE id = ?1 AND team_id = ?2 AND layout_capacities IS NULL",
                        &catalog.rooms,
                        layouts,
                    ),
                };
                let tx = conn.transaction().map_err(sql_error)?;
                for row in rows {
                    tx.execute(sql, params![s(row, "id"), team, value(row)]).map_err(sql_error)?;
                }
                tx.commit().map_err(sql_error)
            })
            .await
    }
}

/// A catalogue row's value for a column, as its text.
type ColumnText = fn(&Value) -> Option<String>;

/// See [`EmbeddedStore::backfill`].
#[derive(Debug, Clone, Copy)]
pub(super) enum Backfill {
    Synonyms,
    Layouts,
}

/// The catalogue room's per-layout seats as the column's JSON text.
fn layouts(r: &Value) -> Option<String> {
    r.get("layout_capacities").filter(|v| v.is_object()).map(Value::to_string)
}

/// The catalogue entry's synonyms as the column's JSON text.
fn synonyms(p: &Value) -> Option<String> {
    p.get("synonyms").filter(|v| v.is_array()).map(Value::to_string)
}

fn s<'a>(v: &'a Value, k: &str) -> Option<&'a str> {
    v.get(k)?.as_str()
}

fn i(v: &Value, k: &str) -> Option<i64> {
    v.get(k)?.as_i64()
}

fn f(v: &Value, k: &str) -> Option<f64> {
    v.get(k)?.as_f64()
}
