//! The text of a mail that arrived as HTML only (an empty text part and an
//! HTML part, or HTML pasted into the text part), read through the
//! `html2text` crate rather than by hand: entities, line breaks, lists and
//! quoted blocks (`<blockquote>` becomes `> ` lines, which `strip_quoted`
//! then drops) come out as a mail client would show them.

use std::borrow::Cow;

/// Columns for the converted text; wide, so sentences are not wrapped
/// into pieces that the line-based extractors would read apart.
const WIDTH: usize = 10_000;

/// The mail's readable text: `text` when it is plain text, else the
/// converted `html` (or `text` itself when it is HTML).
pub fn mail_text<'a>(text: &'a str, html: Option<&str>) -> Cow<'a, str> {
    if looks_like_html(text) {
        return Cow::Owned(to_text(text));
    }
    match html {
        Some(html) if text.trim().is_empty() && !html.trim().is_empty() => Cow::Owned(to_text(html)),
        _ => Cow::Borrowed(text),
    }
}

/// HTML pasted as text: it opens with a tag or carries block tags.
fn looks_like_html(text: &str) -> bool {
    let head = text.trim_start().get(..200.min(text.trim_start().len())).unwrap_or("").to_lowercase();
    let opens_with_tag = head.starts_with("<!doctype")
        || head.starts_with("<html")
        || head.starts_with("<div")
        || head.starts_with("<p>")
        || head.starts_with("<p ")
        || head.starts_with("<body");
    let lower = text.to_lowercase();
    let block_tags = ["<br>", "<br/>", "<br />", "</p>", "</div>"].iter().filter(|tag| lower.contains(**tag)).count();
    opens_with_tag || block_tags >= 2
}

fn to_text(html: &str) -> String {
    let text = html2text::from_read(html.as_bytes(), WIDTH).unwrap_or_else(|_| html.to_string());
    // Trailing blanks per line are layout, not content; a table's rules are
    // drawing, and its cells read as "Label: value" (a form in a table says
    // "Attendees│75", which the extractors read as "Attendees: 75").
    text.lines()
        .filter(|line| !is_table_rule(line))
        .map(|line| if line.contains(CELL_SEPARATOR) { table_row(line) } else { line.trim_end().to_string() })
        .collect::<Vec<_>>()
        .join("\n")
}

/// What `html2text` draws between two cells of a table row.
const CELL_SEPARATOR: char = '│';

/// A line drawn between the rows of a table ("─────┼─────").
fn is_table_rule(line: &str) -> bool {
    !line.trim().is_empty() && line.trim().chars().all(|c| matches!(c, '─' | '┬' | '┼' | '┴' | '├' | '┤' | ' '))
}

/// "Attendees│75" -> "Attendees: 75"; empty cells are dropped.
fn table_row(line: &str) -> String {
    let cells: Vec<&str> = line.split(CELL_SEPARATOR).map(str::trim).filter(|c| !c.is_empty()).collect();
    cells.join(": ")
}
