//! Which team (venue) an inbox entry belongs to, decided once at the edge.
//!
//! One Supabase project holds many teams. A mail belongs to the team whose
//! inbox address it was sent to (`oe_mailboxes`, or the venue of the
//! embedded catalogue); a database change belongs to its row's `team_id`.
//! The entry carries that team from then on: claims are scoped to the teams
//! a process serves, each team is handled by its own store (every read and
//! write filtered by that team), and the apply RPC refuses a plan of another
//! team. Nothing is ever guessed: a mail to an unknown address is refused.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use chrono_tz::Tz;
use serde::Deserialize;

use crate::domain::{EmailAddress, TeamId, UserId};
use crate::workflow::Payment;

/// The teams one process serves: `OE_TEAM_ID` set, that one; unset, every
/// team with an enabled mailbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Served {
    One(TeamId),
    All,
}

/// A venue's inbox address (a row of `oe_mailboxes`): where clients write,
/// and what the service needs to answer for that team.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct VenueMailbox {
    /// The address clients write to; lower-cased.
    pub address: EmailAddress,
    pub team_id: TeamId,
    /// The address approved mail is sent from (default: `address`).
    #[serde(default)]
    pub sender_email: Option<EmailAddress>,
    /// The user that owns the rows written for this team.
    #[serde(default)]
    pub system_user_id: Option<UserId>,
    /// The venue's name as drafts sign it.
    #[serde(default)]
    pub venue_name: Option<String>,
    /// IANA zone of the venue (default: `OE_TIMEZONE`).
    #[serde(default)]
    pub timezone: Option<String>,
    /// Where the venue's deposits are paid (default: `OE_PAYMENT_IBAN`,
    /// `OE_PAYMENT_BENEFICIARY`); an IBAN that does not validate is ignored.
    #[serde(default)]
    pub payment_iban: Option<String>,
    #[serde(default)]
    pub payment_beneficiary: Option<String>,
    #[serde(default = "enabled")]
    pub enabled: bool,
}

fn enabled() -> bool {
    true
}

/// What a team is answered with: its system user, sender, name and zone.
#[derive(Debug, Clone, PartialEq)]
pub struct TeamSettings {
    pub team: TeamId,
    pub system_user: UserId,
    pub sender: EmailAddress,
    pub venue_name: String,
    pub timezone: Tz,
    pub payment: Option<Payment>,
}

/// Defaults for what a team's mailbox row leaves unset (the process's
/// `OE_SYSTEM_USER_ID`, `OE_FROM_EMAIL`, `OE_TIMEZONE`, catalogue name).
#[derive(Debug, Clone)]
pub struct Defaults {
    pub system_user: Option<UserId>,
    pub sender: Option<EmailAddress>,
    pub venue_name: String,
    pub timezone: Tz,
    pub payment: Option<Payment>,
}

/// Why a webhook could not be given a team.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RouteError {
    #[error("no venue mailbox is configured for the recipient address")]
    UnknownMailbox,
    #[error("the recipient mailbox belongs to a venue this deployment does not serve")]
    OtherTeam,
    #[error("the changed row names no team_id")]
    NoTeam,
}

/// The mailbox directory and the teams served; cheap to clone, shared by
/// the edge, the worker and the dispatcher, refreshed in place.
#[derive(Debug, Clone)]
pub struct Directory {
    served: Served,
    inner: Arc<RwLock<HashMap<EmailAddress, VenueMailbox>>>,
    defaults: Arc<Defaults>,
}

impl Directory {
    pub fn new(served: Served, mailboxes: Vec<VenueMailbox>, defaults: Defaults) -> Self {
        let d = Self { served, inner: Default::default(), defaults: Arc::new(defaults) };
        d.replace(mailboxes);
        d
    }

    /// One team, no mailboxes: every mail and change is that team's (the
    /// edge alone, in tests and tools).
    pub fn one_team(team: TeamId) -> Self {
        let defaults =
            Defaults { system_user: None, sender: None, venue_name: String::new(), timezone: Tz::UTC, payment: None };
        Self::new(Served::One(team), Vec::new(), defaults)
    }

    /// Replaces the mailboxes (a refresh from the database).
    pub fn replace(&self, mailboxes: Vec<VenueMailbox>) {
        let map = mailboxes.into_iter().map(|m| (m.address.clone(), m)).collect();
        *self.inner.write().unwrap_or_else(|p| p.into_inner()) = map;
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, HashMap<EmailAddress, VenueMailbox>> {
        self.inner.read().unwrap_or_else(|p| p.into_inner())
    }

    /// The teams whose entries this process claims, in a stable order.
    pub fn teams(&self) -> Vec<TeamId> {
        match self.served {
            Served::One(team) => vec![team],
            Served::All => {
                let mut teams: Vec<TeamId> = self.read().values().filter(|m| m.enabled).map(|m| m.team_id).collect();
                teams.sort();
                teams.dedup();
                teams
            }
        }
    }

    pub fn serves(&self, team: TeamId) -> bool {
        self.serves_in(&self.read(), team)
    }

    /// The team of a mail, by its recipients in order: the first enabled
    /// mailbox of a served team wins. A process serving one team whose
    /// project has no mailbox rows for it takes every mail (the one-venue
    /// setup that needs no `oe_mailboxes`).
    pub fn route_mail<'a>(&self, recipients: impl IntoIterator<Item = &'a EmailAddress>) -> Result<TeamId, RouteError> {
        let map = self.read();
        let mut other_team = false;
        for address in recipients {
            match map.get(address) {
                Some(m) if m.enabled && self.serves_in(&map, m.team_id) => return Ok(m.team_id),
                Some(_) => other_team = true,
                None => {}
            }
        }
        if other_team {
            return Err(RouteError::OtherTeam);
        }
        match self.served {
            Served::One(team) if !map.values().any(|m| m.team_id == team) => Ok(team),
            _ => Err(RouteError::UnknownMailbox),
        }
    }

    /// [`Directory::serves`] on a map already read (the lock is not reentrant).
    fn serves_in(&self, map: &HashMap<EmailAddress, VenueMailbox>, team: TeamId) -> bool {
        match self.served {
            Served::One(t) => t == team,
            Served::All => map.values().any(|m| m.enabled && m.team_id == team),
        }
    }

    /// The team of a database change: its row's `team_id`, if served. A
    /// row without one (a hand-written fixture) goes to the one team a
    /// single-team process serves: its reads are filtered by that team, so
    /// such a row can only name that team's tasks.
    pub fn route_change(&self, team: Option<TeamId>) -> Result<TeamId, RouteError> {
        let team = match (team, self.served) {
            (Some(team), _) => team,
            (None, Served::One(team)) => team,
            (None, Served::All) => return Err(RouteError::NoTeam),
        };
        if self.serves(team) {
            Ok(team)
        } else {
            Err(RouteError::OtherTeam)
        }
    }

    /// What the team is answered with: its first enabled mailbox's values,
    /// the process defaults for the rest. `None` when no system user is
    /// known for it (it cannot own rows, so it cannot be served).
    pub fn settings(&self, team: TeamId) -> Option<TeamSettings> {
        let map = self.read();
        let mut own: Vec<&VenueMailbox> = map.values().filter(|m| m.team_id == team && m.enabled).collect();
        own.sort_by(|a, b| a.address.as_str().cmp(b.address.as_str()));
        let first = own.first();
        let d = &self.defaults;
        let system_user = first.and_then(|m| m.system_user_id).or(d.system_user)?;
        let sender = match first {
            Some(m) => m.sender_email.clone().unwrap_or_else(|| m.address.clone()),
            None => d.sender.clone()?,
        };
        Some(TeamSettings {
            team,
            system_user,
            sender,
            venue_name: first.and_then(|m| m.venue_name.clone()).unwrap_or_else(|| d.venue_name.clone()),
            timezone: first.and_then(|m| m.timezone.as_deref()?.parse().ok()).unwrap_or(d.timezone),
            payment: first
                .and_then(|m| payment(m.payment_iban.as_deref()?, m.payment_beneficiary.as_deref()?))
                .or_else(|| d.payment.clone()),
        })
    }
}

/// Bank details from an IBAN (validated, printed in groups of four) and a
/// beneficiary; `None` when the IBAN does not validate or a part is empty.
pub fn payment(iban: &str, beneficiary: &str) -> Option<Payment> {
    let electronic: String = iban.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_uppercase();
    let iban: iban::Iban = electronic.parse().ok()?;
    let beneficiary = beneficiary.trim();
    (!beneficiary.is_empty()).then(|| Payment { iban: iban.to_string(), beneficiary: beneficiary.to_string() })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn team(n: u128) -> TeamId {
        TeamId(uuid::Uuid::from_u128(n))
    }

    fn addr(s: &str) -> EmailAddress {
        EmailAddress::parse(s).unwrap()
    }

    fn mailbox(address: &str, t: TeamId) -> VenueMailbox {
        VenueMailbox {
            address: addr(address),
            team_id: t,
            sender_email: None,
            system_user_id: Some(UserId(uuid::Uuid::from_u128(99))),
            venue_name: Some(format!("Venue of {address}")),
            timezone: None,
            payment_iban: None,
            payment_beneficiary: None,
            enabled: true,
        }
    }

    fn defaults() -> Defaults {
        Defaults {
            system_user: None,
            sender: None,
            venue_name: "The Atelier".into(),
            timezone: chrono_tz::Europe::Zurich,
            payment: None,
        }
    }

    fn two_venues(served: Served) -> Directory {
        Directory::new(
            served,
            vec![mailbox("events@atelier.ch", team(1)), mailbox("hello@seehaus.ch", team(2))],
            defaults(),
        )
    }

    #[test]
    fn a_mail_goes_to_the_team_of_its_recipient_mailbox() {
        let d = two_venues(Served::All);
        assert_eq!(d.route_mail([&addr("hello@seehaus.ch")]), Ok(team(2)));
        assert_eq!(d.route_mail([&addr("someone@else.ch"), &addr("EVENTS@atelier.ch")]), Ok(team(1)));
        assert_eq!(d.teams(), vec![team(1), team(2)]);
    }

    #[test]
    fn a_mail_to_an_unknown_address_is_refused_never_guessed() {
        let d = two_venues(Served::All);
        assert_eq!(d.route_mail([&addr("info@nowhere.ch")]), Err(RouteError::UnknownMailbox));
        assert_eq!(d.route_mail([]), Err(RouteError::UnknownMailbox));
        // Serving one team that has mailboxes: other addresses are refused too.
        let one = two_venues(Served::One(team(1)));
        assert_eq!(one.route_mail([&addr("info@nowhere.ch")]), Err(RouteError::UnknownMailbox));
    }

    #[test]
    fn a_deployment_of_one_team_refuses_another_teams_mailbox() {
        let d = two_venues(Served::One(team(1)));
        assert_eq!(d.route_mail([&addr("hello@seehaus.ch")]), Err(RouteError::OtherTeam));
        assert_eq!(d.route_change(Some(team(2))), Err(RouteError::OtherTeam));
        assert_eq!(d.route_change(Some(team(1))), Ok(team(1)));
        assert_eq!(d.route_change(None), Ok(team(1)), "a single-team process reads only its own rows");
        assert_eq!(two_venues(Served::All).route_change(None), Err(RouteError::NoTeam));
        assert_eq!(d.teams(), vec![team(1)]);
    }

    #[test]
    fn one_team_without_mailbox_rows_takes_every_mail() {
        let d = Directory::new(Served::One(team(7)), vec![mailbox("hello@seehaus.ch", team(2))], defaults());
        assert_eq!(d.route_mail([&addr("anything@venue.ch")]), Ok(team(7)));
        assert_eq!(d.route_mail([&addr("hello@seehaus.ch")]), Err(RouteError::OtherTeam));
    }

    #[test]
    fn a_disabled_mailbox_routes_nothing() {
        let mut off = mailbox("hello@seehaus.ch", team(2));
        off.enabled = false;
        let d = Directory::new(Served::All, vec![mailbox("events@atelier.ch", team(1)), off], defaults());
        assert_eq!(d.route_mail([&addr("hello@seehaus.ch")]), Err(RouteError::OtherTeam));
        assert!(!d.serves(team(2)));
        assert_eq!(d.teams(), vec![team(1)]);
    }

    #[test]
    fn settings_come_from_the_mailbox_then_the_defaults() {
        let d = two_venues(Served::All);
        let s = d.settings(team(2)).unwrap();
        assert_eq!((s.sender.as_str(), s.venue_name.as_str()), ("hello@seehaus.ch", "Venue of hello@seehaus.ch"));
        // A team without a mailbox and no default system user cannot be served.
        assert_eq!(d.settings(team(3)), None);
        let with_defaults = Directory::new(
            Served::One(team(3)),
            vec![],
            Defaults {
                system_user: Some(UserId(uuid::Uuid::from_u128(5))),
                sender: Some(addr("events@atelier-zurich.ch")),
                ..defaults()
            },
        );
        let s = with_defaults.settings(team(3)).unwrap();
        assert_eq!((s.sender.as_str(), s.venue_name.as_str()), ("events@atelier-zurich.ch", "The Atelier"));
    }

    #[test]
    fn bank_details_need_a_valid_iban_and_a_beneficiary() {
        let p = payment("ch9300762011623852957", "The Atelier AG").unwrap();
        assert_eq!(p.iban, "CH93 0076 2011 6238 5295 7");
        assert_eq!(payment("CH93 0076 2011 6238 5295 8", "The Atelier AG"), None, "check digits");
        assert_eq!(payment("CH9300762011623852957", " "), None);
    }
}
