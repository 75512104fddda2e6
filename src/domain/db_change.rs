use serde::{Deserialize, Serialize};
use serde_json::Value;

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
}
