//! Products the client names, with a quantity when one is attached and a
//! flag when the client asks to drop them.
//!
//! Products are found by the word matcher of `vocabulary` (name, synonyms,
//! name without a packaging word; longest match; ambiguous words skipped).
//!
//! - Quantity: a number written right before the product ("2 wireless
//!   microphones", "3 Flipcharts", "2x Beamer", "10 bottles of Prosecco") or
//!   right after it ("Beamer x2", "Flipchart (3 Stk.)"). Anything else is no
//!   quantity: "Room 2 projector", "CHF 75 projector", "15.03. Apéro", a
//!   phone number before a product, and deltas ("2 more microphones") whose
//!   total we cannot know.
//! - Removal: an explicit wording right before ("without the DJ", "no DJ",
//!   "ohne DJ", "remove the projector", "streichen Sie den Apéro", "we don't
//!   need the photographer", "instead of the Classic Apéro") or right after
//!   the product ("the DJ is no longer needed", "den Apéro bitte streichen",
//!   "den DJ brauchen wir nicht mehr", "der Beamer entfällt", "lassen Sie
//!   den Apéro weg").
//! - A reminder is neither ("don't forget the projector", "vergessen Sie
//!   den Beamer nicht").
//! - A product that is negated in any other way ("not the projector", "der
//!   Raum hat keinen Beamer?") is neither wanted nor removed: skipped.
//! - A product named twice is reported once, at its first mention; it is
//!   removed if any mention removes it ("the DJ ... actually, no DJ after
//!   all", "please remove the projector, the projector is too expensive")
//!   and the last explicit quantity wins.

use super::context::{ceil_boundary, clause_after, clause_before, has_currency_before, is_negated, is_replaced};
use super::lexicon::MONTH_ALTERNATION;
use super::vocabulary::{words, Hit, Matcher, Term};
use super::ProductMention;
use crate::domain::ProductId;
use regex::Regex;
use std::sync::LazyLock;

fn compile(pattern: &str) -> Regex {
    super::pattern::compile(&format!("(?i){pattern}")).expect("static regex")
}

/// A quantity right before the product: "2 ", "2x ", "2 x ", "2 Stk. ",
/// "10 bottles of ", "10 Flaschen ", "one ". Blanks only, no line break.
static QUANTITY_BEFORE: LazyLock<Regex> = LazyLock::new(|| {
    compile(
        r"(?:^|[^\w.,:/+'’-])(?P<n>\d{1,4}|one)[ \t]*(?:(?:x|×|stk\.?|stück|pcs\.?|pieces?( of)?|units?( of)?|bottles?( of)?|flaschen?)[ \t]*)?$",
    )
});
/// A quantity right after the product: " x2", " × 2", " (2)", " (3 Stk.)", " 2x".
static QUANTITY_AFTER: LazyLock<Regex> = LazyLock::new(|| {
    compile(
        r"^[ \t]*(?:(?:x|×)[ \t]*(?P<a>\d{1,4})\b|(?P<b>\d{1,4})[ \t]*(?:x|×)(?:$|[^\w])|\(\s*(?:x|×)?\s*(?P<c>\d{1,4})\s*(?:x|×|stk\.?|stück|pcs\.?|pieces|units)?\s*\))",
    )
});
/// Words that make the quantity a delta ("2 more microphones").
static DELTA_BEFORE: LazyLock<Regex> = LazyLock::new(|| {
    compile(r"\b(?:more|additional|extra|further|another|fewer|less|weitere[nrs]?|zusätzliche[nrs]?|mehr|weniger)\s*$")
});
/// Labels whose number is not a quantity: "Room 2", "Nr. 4711", "Tel 044
/// 123", "March 15 apéro".
static LABEL_BEFORE: LazyLock<Regex> = LazyLock::new(|| {
    compile(&format!(
        r"(?:\b(?:room|raum|saal|nr|no|nummer|number|floor|stock|tel|phone|telefon|mobile|fax|plz|zip|version|v|{MONTH_ALTERNATION})\.?|#|\d)\s*$"
    ))
});

/// Removal wording right before the product (the product may be preceded by
/// up to two words such as "the", "den", a quantity or an adjective).
static REMOVE_BEFORE: LazyLock<Regex> = LazyLock::new(|| {
    compile(
        r"(?:\b(?:without|ohne|minus|excluding|exklusive|remove|removing|drop|dropping|skip|skipping|delete|deleting|cancel|cancelling|canceling|storniere[n]?|streichen|streiche|streicht|entfernen|entferne|weglassen|replace|replacing|ersetzen sie|take out|leave out|get rid of|do without|verzichten auf|verzichte auf|verzichten wir auf|no need for|kein bedarf an|keinen bedarf an)\s+(?:sie\s+)?(?:bitte\s+|please\s+)?(?:\S+\s+){0,2}|\b(?:no|kein|keine|keinen|keinem|keiner|keines)\s+(?:\S+\s+)?|\b(?:don['’]t|do not|won['’]t|will not|no longer|not)\s+(?:need|want|require|wish)\s+(?:\S+\s+){0,2})$",
    )
});
/// Removal wording right after the product.
static REMOVE_AFTER: LazyLock<Regex> = LazyLock::new(|| {
    compile(
        r"^[^\w]{0,3}(?:(?:bitte|please)\s+)?(?:streichen|weglassen|weg\b|entfernen|stornieren|remove|drop|verzichten|entfällt|entfallen|fällt weg|fallen weg|durch\b|(?:can|could|should|may)\s+(?:be\s+)?(?:removed|dropped|cancell?ed|deleted|skipped|taken out|left out)|(?:is|are)\s+(?:no longer|not|not really)\s+(?:needed|necessary|required|wanted)|(?:isn['’]t|aren['’]t)\s+(?:needed|necessary|required)|(?:won['’]t|will not)\s+be\s+(?:needed|necessary|required)|not needed|no longer needed|(?:können|könnten)\s+sie\s+(?:bitte\s+)?(?:streichen|weglassen|entfernen)|(?:ist|sind|wird|werden)\s+(?:doch\s+|also\s+)?nicht(?:\s+mehr)?\s+(?:nötig|notwendig|benötigt|gebraucht|erforderlich)|(?:(?:brauchen|benötigen|wollen|möchten)\s+wir\s+)?(?:doch\s+|leider\s+|also\s+)?(?:nicht\s+mehr|nicht)\b)",
    )
});
/// "nicht nur" / "nicht mehr als" / "nicht vergessen" after a product is not a removal.
static NOT_ONLY_AFTER: LazyLock<Regex> =
    LazyLock::new(|| compile(r"^[^\w]{0,3}(?:\w+\s+)?(?:nicht nur|nicht mehr als|nicht zu|nicht vergessen)\b"));

/// "don't forget the projector", "vergessen Sie den Beamer nicht": a
/// reminder, neither negated nor removed.
static REMINDER: LazyLock<Regex> = LazyLock::new(|| {
    compile(r"\b(?:(?:don['’]t|do not|never)\s+forget|vergessen sie|vergesst|vergiss|nicht vergessen)\b")
});

/// Regional and everyday words for products ("Zmittag", "Kafipause",
/// "Fingerfood", "3-Gang-Menü", "Funkmikrofon"), from `lang`, each with
/// the catalogue word it stands for.
static ALIASES: LazyLock<Vec<(Regex, &'static str)>> = LazyLock::new(|| {
    super::lang::pairs(|w| w.product_aliases)
        .into_iter()
        .map(|(words, standard)| (compile(&format!(r"\b(?:{words})\b")), standard))
        .collect()
});

/// "a few guests", "einige Gäste", "5 of them" (see `lang`).
static PART_OF_GROUP: LazyLock<Regex> =
    LazyLock::new(|| compile(&format!(r"\b(?:{})\b", super::lang::alternation(|w| w.part_of_group))));

/// "we'd like to bring a few bottles", "bringen wir selber mit" (see `lang`).
static OWN_SUPPLY: LazyLock<Regex> =
    LazyLock::new(|| compile(&format!(r"\b(?:{})\b", super::lang::alternation(|w| w.own_supply))));

/// Occasions served to every guest, from `lang` ("coffee break", "lunch").
static OCCASION: LazyLock<Regex> =
    LazyLock::new(|| compile(&format!(r"\b(?:{})\b", super::lang::alternation(|w| w.occasions))));

/// More occasions than this in one event is a count of something else.
const MAX_TIMES: u32 = 6;

/// "a pianist for 3 hours", "Fotograf für 2 Stunden", "a technician for
/// the full 5 hours": the hours booked.
static HOURS_AFTER: LazyLock<Regex> = LazyLock::new(|| {
    compile(
        r"^[ \t]*(?:\(\s*)?(?:for|für|during|während)\s+(?:(?:the|die|alle)\s+)?(?:(?:full|whole|entire|ganzen|vollen)\s+)?(?:(?:about|approx\.?|ca\.?|etwa|rund)\s+)?(?P<h>\d{1,2})\s*(?:hours?|hrs?|h|stunden|std\.?)\b",
    )
});

/// [`extract_products`] with two refinements: regional words are read as
/// the catalogue's ("Zmittag" = lunch), and a product wanted for part of
/// the group only ("a few guests are vegetarian") is not ordered but
/// returned apart, as an open question. Products named with a quantity
/// ("5 vegetarische Menüs") are ordered as usual. What the client brings
/// himself ("bring a few bottles from his cellar") is never ordered: a
/// question too.
pub fn extract_products_scoped(text: &str, products: &[Term<ProductId>]) -> Scoped {
    let mut standard = text.to_string();
    for (regex, word) in ALIASES.iter() {
        if regex.is_match(&standard) {
            standard = regex.replace_all(&standard, *word).into_owned();
        }
    }
    if products.is_empty() {
        return Scoped { ordered: Vec::new(), part_of_group: Vec::new(), own_supply: Vec::new() };
    }
    // Found once: every pass below reads the same hits.
    let hits = Matcher::products(products).find(&standard, &words(&standard));
    let mentions = mentions_of(&standard, &hits);
    let mut partial: Vec<ProductId> = Vec::new();
    let mut own: Vec<ProductId> = Vec::new();
    for hit in &hits {
        let Some(id) = hit.id else { continue };
        let sentence = super::context::sentence_around(&standard, hit.start, hit.end, 80);
        let explicit = mentions.iter().any(|m| m.id == id && (m.quantity.is_some() || m.removed));
        let removed = mentions.iter().any(|m| m.id == id && m.removed);
        if OWN_SUPPLY.is_match(sentence) && !removed {
            if !own.contains(&id) {
                own.push(id);
            }
        } else if PART_OF_GROUP.is_match(sentence) && !explicit && !partial.contains(&id) {
            partial.push(id);
        }
    }
    let mut kept: Vec<ProductMention> =
        mentions.into_iter().filter(|m| !partial.contains(&m.id) && !own.contains(&m.id)).collect();
    drop_generic(&standard, &hits, &mut kept, products);
    // "two coffee breaks": a number of occasions, each for everyone;
    // "coffee break twice", "Kafipause an beiden Tagen" say it after.
    for hit in &hits {
        let Some(mention) = kept.iter_mut().find(|m| Some(m.id) == hit.id) else { continue };
        if !OCCASION.is_match(&standard[hit.start..hit.end]) {
            continue;
        }
        if mention.quantity.is_some_and(|q| q <= MAX_TIMES) {
            mention.times = mention.quantity.take();
        } else if mention.times.is_none() {
            mention.times = times_around(&standard, hit.start, hit.end);
        }
    }
    Scoped { ordered: kept, part_of_group: partial, own_supply: own }
}

/// The products of a mail, as [`extract_products_scoped`] reads them.
pub struct Scoped {
    /// Ordered (or removed) for the whole event.
    pub ordered: Vec<ProductMention>,
    /// Wanted for part of the group only: how many is a question.
    pub part_of_group: Vec<ProductId>,
    /// The client brings it: whether that is allowed is a question.
    pub own_supply: Vec<ProductId>,
}

/// One catering package unless asked: a generic word ("Apéro", "lunch",
/// "dinner") that is a word of another product the mail names more
/// specifically ("Fingerfood zum Apéro": the finger food is the Classic
/// Apéro) means that product, not a second package. A product named only by
/// such a word, without a quantity, is dropped; naming both ("Classic Apéro
/// and the Apéro Package") keeps both, as the package is then named in full.
fn drop_generic(text: &str, hits: &[Hit<ProductId>], kept: &mut Vec<ProductMention>, products: &[Term<ProductId>]) {
    let single_word = |hit: &Hit<ProductId>| -> Option<String> {
        match &words(&text[hit.start..hit.end])[..] {
            [only] => Some(only.folded.clone()),
            _ => None,
        }
    };
    let name_words = |id: ProductId| -> Vec<String> {
        products
            .iter()
            .find(|t| t.id == id)
            .map(|t| words(&t.name).into_iter().map(|w| w.folded).collect())
            .unwrap_or_default()
    };
    let generic: Vec<ProductId> = kept
        .iter()
        .filter(|m| m.quantity.is_none() && !m.removed)
        .map(|m| m.id)
        .filter(|&id| {
            let own: Vec<&Hit<ProductId>> = hits.iter().filter(|h| h.id == Some(id)).collect();
            !own.is_empty()
                && own.iter().all(|h| {
                    single_word(h).is_some_and(|word| {
                        hits.iter().any(|other| {
                            other.id.is_some_and(|o| {
                                o != id
                                    && kept.iter().any(|k| k.id == o && !k.removed)
                                    && single_word(other).as_deref() != Some(word.as_str())
                                    && name_words(o).contains(&word)
                            })
                        })
                    })
                })
        })
        .collect();
    kept.retain(|m| !generic.contains(&m.id));
}

/// How often, right after an occasion: "coffee break twice", "two times",
/// "2x", "zweimal", "on both days", "an beiden Tagen".
static TIMES_AFTER: LazyLock<Regex> = LazyLock::new(|| {
    compile(
        r"^[ \t]*(?:(?P<n>\d)[ \t]*(?:times|x|mal)\b|(?P<twice>twice|zweimal)\b|(?:on |an |for |für )?(?P<both>both days|each of the 2 days|beiden tagen|beide tage)\b)",
    )
});
/// How often, right before an occasion: "twice a coffee break", "zweimal Kafipause".
static TIMES_BEFORE: LazyLock<Regex> = LazyLock::new(|| {
    compile(r"(?:^|\s)(?:(?P<twice>twice|zweimal)|(?P<n>\d)[ \t]*mal)[ \t]+(?:(?:a|an|eine?n?)[ \t]+)?$")
});

fn times_around(text: &str, start: usize, end: usize) -> Option<u32> {
    let before = &text[ceil_boundary(text, start.saturating_sub(20))..start];
    let found = TIMES_AFTER.captures(&text[end..]).or_else(|| TIMES_BEFORE.captures(before))?;
    let times = match found.name("n") {
        Some(n) => n.as_str().parse().ok()?,
        None => 2,
    };
    (2..=MAX_TIMES).contains(&times).then_some(times)
}

/// "Prosecco, rechnen Sie mal mit 10 Flaschen", "prosecco, count on 10
/// bottles": bottles counted later in the sentence, ending it or a clause,
/// before any other product.
static BOTTLES_LATER: LazyLock<Regex> =
    LazyLock::new(|| compile(r"^[^.!?\n]{0,60}?\b(?P<n>\d{1,4})[ \t]*(?:bottles|flaschen)[ \t]*(?:[.,;!?)\n]|$)"));

/// "statt Bier lieber Prosecco", "instead of beer rather prosecco": the
/// product after the preference word is the new one, not the replaced one.
static PREFERRED_BEFORE: LazyLock<Regex> =
    LazyLock::new(|| compile(r"\b(?:lieber|eher|rather|preferably|stattdessen|dafür|sondern|but)\s+(?:\S+\s+)?$"));

/// The products named in `text`, in order of first appearance.
pub fn extract_products(text: &str, products: &[Term<ProductId>]) -> Vec<ProductMention> {
    if products.is_empty() {
        return Vec::new();
    }
    mentions_of(text, &Matcher::products(products).find(text, &words(text)))
}

/// [`extract_products`] on the catalogue's `hits` in `text`.
fn mentions_of(text: &str, hits: &[Hit<ProductId>]) -> Vec<ProductMention> {
    let mut out: Vec<ProductMention> = Vec::new();
    for (i, hit) in hits.iter().enumerate() {
        let Some(id) = hit.id else {
            continue;
        };
        // A product replaced ("instead of beer") between this one and the
        // bottles does not take them.
        let next_start =
            hits[i + 1..].iter().find(|next| !is_replaced(text, next.start)).map_or(text.len(), |next| next.start);
        let reminder = REMINDER.is_match(clause_before(text, hit.start, 40, true));
        let removed = !reminder && is_removal(text, hit);
        let preferred = PREFERRED_BEFORE.is_match(clause_before(text, hit.start, 25, true));
        if !removed && !reminder && !preferred && is_negated(text, hit.start) {
            continue;
        }
        let quantity = quantity(text, hit).or_else(|| {
            let later = BOTTLES_LATER.captures(&text[hit.end..next_start.max(hit.end)])?;
            (!removed).then(|| later["n"].parse().ok()).flatten()
        });
        match out.iter_mut().find(|mention| mention.id == id) {
            Some(mention) => {
                mention.removed |= removed;
                mention.quantity = quantity.or(mention.quantity);
            }
            None => out.push(ProductMention { id, quantity, times: None, removed }),
        }
    }
    out
}

fn is_removal(text: &str, hit: &Hit<ProductId>) -> bool {
    let before = clause_before(text, hit.start, 60, true);
    let after = clause_after(text, hit.end, 60);
    let in_question = question_follows(text, hit.end);
    REMOVE_BEFORE.is_match(before)
        || (is_replaced(text, hit.start) && !PREFERRED_BEFORE.is_match(clause_before(text, hit.start, 25, true)))
        || (REMOVE_AFTER.is_match(after) && !NOT_ONLY_AFTER.is_match(after) && !in_question)
}

/// Does the sentence of the product end with '?' ("Ist der Beamer nicht
/// inbegriffen?" asks, it does not remove).
fn question_follows(text: &str, end: usize) -> bool {
    let rest = &text[end..];
    let sentence_end = rest.find(['.', '!', '?', '\n']).unwrap_or(rest.len());
    rest[sentence_end..].starts_with('?')
}

/// The explicit quantity attached to the product, if any.
fn quantity(text: &str, hit: &Hit<ProductId>) -> Option<u32> {
    let from = ceil_boundary(text, hit.start.saturating_sub(40));
    let value = match QUANTITY_BEFORE.captures(&text[from..hit.start]) {
        Some(captures) => {
            let number = captures.name("n")?;
            let number_start = from + number.start();
            let head = &text[ceil_boundary(text, number_start.saturating_sub(30))..number_start];
            if LABEL_BEFORE.is_match(head) || DELTA_BEFORE.is_match(head) || has_currency_before(text, number_start) {
                return None;
            }
            if number.as_str().eq_ignore_ascii_case("one") {
                1
            } else {
                number.as_str().parse().ok()?
            }
        }
        None if HOURS_AFTER.is_match(&text[hit.end..]) => {
            HOURS_AFTER.captures(&text[hit.end..])?.name("h")?.as_str().parse().ok()?
        }
        None => {
            let captures = QUANTITY_AFTER.captures(&text[hit.end..])?;
            let number = captures.name("a").or_else(|| captures.name("b")).or_else(|| captures.name("c"))?;
            number.as_str().parse().ok()?
        }
    };
    let looks_like_year = (1900..=2099).contains(&value);
    (value > 0 && !looks_like_year).then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn id(n: u128) -> ProductId {
        ProductId(Uuid::from_u128(n))
    }

    /// A hand-built catalogue: one plain "Apéro", two microphones sharing a
    /// German synonym, and a product whose synonym is a generic word.
    fn vocabulary() -> Vec<Term<ProductId>> {
        let term = |n, name: &str, synonyms: &[&str]| Term {
            id: id(n),
            name: name.to_string(),
            synonyms: synonyms.iter().map(|s| s.to_string()).collect(),
        };
        vec![
            term(1, "Apéro", &["aperitif"]),
            term(2, "Wireless Microphone", &["mikrofon"]),
            term(3, "Headset Microphone", &["mikrofon", "headset"]),
            term(4, "BBQ Package", &["summer party"]),
            term(5, "Beamer", &[]),
        ]
    }

    fn products(text: &str) -> Vec<(u128, Option<u32>, bool)> {
        extract_products(text, &vocabulary()).into_iter().map(|m| (m.id.0.as_u128(), m.quantity, m.removed)).collect()
    }

    #[test]
    fn german_removals() {
        assert_eq!(products("Streichen Sie den Apéro."), vec![(1, None, true)]);
        assert_eq!(products("Den Apero bitte streichen."), vec![(1, None, true)]);
        assert_eq!(products("Auf den Apéro verzichten wir."), vec![(1, None, true)]);
        assert_eq!(products("Der Beamer entfällt."), vec![(5, None, true)]);
        assert_eq!(products("Ersetzen Sie den Beamer durch 2 Headsets."), vec![(5, None, true), (3, Some(2), false)]);
    }

    #[test]
    fn a_synonym_of_two_products_names_neither() {
        assert_eq!(products("Wir brauchen 2 Mikrofone."), vec![]);
        assert_eq!(products("2 Wireless Microphones"), vec![(2, Some(2), false)]);
    }

    #[test]
    fn generic_synonyms_are_ignored_but_derived_names_count() {
        assert_eq!(products("Our summer party"), vec![]);
        assert_eq!(products("Our summer party with a BBQ"), vec![(4, None, false)]);
    }

    #[test]
    fn numbers_that_are_not_quantities() {
        assert_eq!(products("Raum 2 Beamer"), vec![(5, None, false)]);
        assert_eq!(products("am 15.3. Apéro"), vec![(1, None, false)]);
        assert_eq!(products("CHF 20 Apéro"), vec![(1, None, false)]);
        assert_eq!(products("2027 Apéro"), vec![(1, None, false)]);
        assert_eq!(products("3 weitere Beamer"), vec![(5, None, false)]);
        assert_eq!(products("weitere 3 Beamer"), vec![(5, None, false)]);
        assert_eq!(products("Beamer x2"), vec![(5, Some(2), false)]);
    }

    #[test]
    fn removal_and_non_removal_lookalikes() {
        assert_eq!(products("Lassen Sie den Apéro weg."), vec![(1, None, true)]);
        assert_eq!(products("Lassen Sie uns den Apéro planen."), vec![(1, None, false)]);
        assert_eq!(products("Please don't forget the Beamer."), vec![(5, None, false)]);
        assert_eq!(products("Bitte vergessen Sie den Beamer nicht."), vec![(5, None, false)]);
        assert_eq!(products("Remove the Beamer, the Beamer is too old."), vec![(5, None, true)]);
        assert_eq!(products("on March 15 Apéro"), vec![(1, None, false)]);
    }

    #[test]
    fn negated_without_removal_wording_is_skipped() {
        assert_eq!(products("We do not have a Beamer ourselves."), vec![]);
    }
}
