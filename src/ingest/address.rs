//! `Anna Keller <anna@x.ch>` and friends.

use crate::domain::{EmailAddress, Mailbox};

/// Parses one RFC 5322 mailbox as providers post it: `Name <addr>`,
/// `"Name, Inc." <addr>` or a bare address.
pub fn parse_mailbox(raw: &str) -> Option<Mailbox> {
    let raw = raw.trim();
    if let (Some(open), true) = (raw.rfind('<'), raw.ends_with('>')) {
        let email = EmailAddress::parse(&raw[open + 1..raw.len() - 1]).ok()?;
        let name = raw[..open].trim().trim_matches('"').trim().replace("\\\"", "\"");
        return Some(Mailbox { email, name: (!name.is_empty()).then_some(name) });
    }
    EmailAddress::parse(raw).ok().map(|email| Mailbox { email, name: None })
}

/// A header with several mailboxes (`To`, Mailgun's `recipient`); commas
/// inside quoted names do not split.
pub fn parse_mailbox_list(raw: &str) -> Vec<Mailbox> {
    let mut out = Vec::new();
    let (mut start, mut quoted, mut angle) = (0, false, false);
    for (i, c) in raw.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '<' if !quoted => angle = true,
            '>' if !quoted => angle = false,
            ',' if !quoted && !angle => {
                out.extend(parse_mailbox(&raw[start..i]));
                start = i + 1;
            }
            _ => {}
        }
    }
    out.extend(parse_mailbox(&raw[start..]));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_and_bare_addresses_parse() {
        let m = parse_mailbox("\"Keller, Anna\" <Anna@Keller.CH>").unwrap();
        assert_eq!((m.name.as_deref(), m.email.as_str()), (Some("Keller, Anna"), "anna@keller.ch"));
        let bare = parse_mailbox("jonas@meier.ch").unwrap();
        assert_eq!((bare.name, bare.email.as_str()), (None, "jonas@meier.ch"));
        assert!(parse_mailbox("Undisclosed recipients:;").is_none());
    }

    #[test]
    fn lists_split_on_commas_outside_quotes() {
        let list = parse_mailbox_list("\"Keller, Anna\" <anna@keller.ch>, events@atelier.ch");
        assert_eq!(list.len(), 2);
        assert_eq!(list[1].email.as_str(), "events@atelier.ch");
    }
}
