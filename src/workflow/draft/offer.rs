//! Step 4: the offer, line by line, every price in CHF with its unit.

use super::messages::Messages;
use super::{format_date, Letter, When};
use crate::workflow::extract::Language;
use crate::workflow::offer::{chf, percent, LineItem, LineUnit, Offer};

fn line(item: &LineItem, m: &dyn Messages) -> String {
    match (item.unit, m.unit(item.unit)) {
        (LineUnit::OnRequest, _) => format!("{}: {}", item.name, m.price_on_request()),
        (LineUnit::Discount(bp), _) => format!("{} ({} %): {}", m.discount(), percent(bp), chf(item.total_rappen)),
        (_, Some(unit)) if item.quantity == 1 => format!("{}: {} {unit}", item.name, chf(item.total_rappen)),
        (_, Some(unit)) => format!(
            "{}: {} × {} {unit} = {}",
            item.name,
            item.quantity,
            chf(item.unit_price_rappen),
            chf(item.total_rappen)
        ),
        (_, None) => format!("{}: {}", item.name, chf(item.total_rappen)),
    }
}

/// "VAT 8.1%" / "MWST 8,1 %" when every line has the same rate, else "VAT".
fn vat_label(offer: &Offer, m: &dyn Messages) -> String {
    let rates: std::collections::BTreeSet<u32> = offer.items.iter().map(|i| i.vat_rate_bp).collect();
    let single = (rates.len() == 1).then(|| rates.iter().next().map(|r| percent(*r))).flatten();
    m.vat(single.as_deref())
}

/// The offer letter. `revised` when it replaces an offer the client has.
pub fn offer(
    name: &str,
    lang: Language,
    venue: &str,
    offer: &Offer,
    when: When,
    attendees: u32,
    revised: bool,
) -> String {
    let mut l = Letter::new(lang, name);
    let m = l.m();
    let when = when.text(lang);
    let number = &offer.offer_number;
    if revised {
        l.para(&m.revised_offer_intro(number, &when, attendees));
    } else {
        l.para(&m.offer_intro(number, &when, attendees));
    }
    for item in &offer.items {
        l.bullet(&line(item, m));
    }
    l.gap();
    l.bullet(&format!("{}: {}", m.subtotal(), chf(offer.subtotal_rappen)));
    l.bullet(&format!("{}: {}", vat_label(offer, m), chf(offer.vat_rappen)));
    l.bullet(&format!("{}: {}", m.total(), chf(offer.total_rappen)));
    l.gap();
    if let Some(d) = offer.deposit {
        l.para(&m.deposit_terms(&chf(d.amount_rappen), &percent(d.percentage_bp), d.deadline_days));
    }
    l.para(&m.valid_until(&format_date(offer.valid_until, lang)));
    l.sign(venue)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ProductId;
    use chrono::{NaiveDate, NaiveTime};

    use crate::workflow::offer::{Deposit, DEFAULT_VAT_BP};

    fn item(name: &str, quantity: u32, unit_price_rappen: i64, unit: LineUnit) -> LineItem {
        LineItem {
            name: name.into(),
            description: None,
            quantity,
            unit_price_rappen,
            total_rappen: i64::from(quantity) * unit_price_rappen,
            vat_rate_bp: DEFAULT_VAT_BP,
            product_id: (unit != LineUnit::FullDay).then(ProductId::new),
            unit,
        }
    }

    #[test]
    fn every_line_states_its_price_in_chf_with_its_unit() {
        let o = Offer {
            offer_number: "OE-2026-11-0001".into(),
            offer_date: NaiveDate::from_ymd_opt(2026, 11, 25).unwrap(),
            valid_until: NaiveDate::from_ymd_opt(2026, 12, 25).unwrap(),
            items: vec![
                item("Room B", 1, 75_000, LineUnit::FullDay),
                item("Three-Course Dinner", 40, 8_500, LineUnit::Person),
            ],
            subtotal_rappen: 415_000,
            vat_rappen: 33_615,
            total_rappen: 448_615,
            deposit: Some(Deposit { percentage_bp: 3000, amount_rappen: 134_585, deadline_days: 14 }),
        };
        let when = When {
            date: NaiveDate::from_ymd_opt(2027, 3, 12).unwrap(),
            start: NaiveTime::from_hms_opt(18, 0, 0).unwrap(),
            end: NaiveTime::from_hms_opt(23, 0, 0).unwrap(),
            assumed: false,
            end_assumed: false,
        };
        let en = offer("Anna", Language::En, "The Atelier", &o, when, 40, false);
        assert!(
            en.contains("offer OE-2026-11-0001 for your event on Friday, 12.03.2027, 18:00–23:00 for 40 guests"),
            "{en}"
        );
        assert!(en.contains("- Room B: CHF 750.00 full-day rate"), "{en}");
        assert!(en.contains("- Three-Course Dinner: 40 × CHF 85.00 per person = CHF 3'400.00"), "{en}");
        assert!(en.contains("- Total incl. VAT: CHF 4'486.15"), "{en}");
        assert!(en.contains("- VAT 8.1%: CHF 336.15"), "{en}");
        assert!(en.contains("deposit of CHF 1'345.85 (30% of the total), payable within 14 days"), "{en}");
        assert!(en.contains("valid until Friday, 25.12.2026"), "{en}");
        let de = offer("Anna", Language::De, "The Atelier", &o, when, 40, true);
        assert!(de.contains("für Ihren Anlass am Freitag, 12.03.2027, 18:00–23:00 Uhr, für 40 Personen"), "{de}");
        assert!(de.contains("überarbeitetes Angebot OE-2026-11-0001"), "{de}");
        assert!(de.contains("- Three-Course Dinner: 40 × CHF 85.00 pro Person = CHF 3'400.00"), "{de}");
        assert!(de.contains("- Total inkl. MWST: CHF 4'486.15"), "{de}");
    }
}
