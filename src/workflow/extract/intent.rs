//! What the client wants: accept, decline, counter, change, question, site
//! visit, cancel. Several may apply ("looks good, but could we move it to
//! the 12th?" is Accept + Change + Question).
//!
//! Phrases are matched in the fresh text and then checked against their
//! sentence: a commitment (accept, decline, cancel) asked as a question
//! ("can we cancel for free?") or put as a condition ("if we have to
//! cancel") is not made, and negated phrases ("we cannot accept", "nicht
//! absagen") do not count. A '?' anywhere (outside URLs) is a Question.

use super::context::{ceil_boundary, clause_before, floor_boundary, is_negated};
use super::lang;
use super::Intent;
use regex::{Match, Regex};
use std::sync::LazyLock;

/// How a rule's matches are checked against their sentence.
#[derive(Clone, Copy)]
struct Checks {
    /// Drop matches in sentences ending with '?'.
    not_in_question: bool,
    /// Drop matches after "if"/"falls"/"wenn" in the same clause.
    not_conditional: bool,
    /// Drop matches after "not"/"nicht"/"can't" in the same clause.
    not_negated: bool,
}

const COMMITMENT: Checks = Checks { not_in_question: true, not_conditional: true, not_negated: true };
const REQUEST: Checks = Checks { not_in_question: false, not_conditional: true, not_negated: true };
const DECLINE: Checks = Checks { not_in_question: true, not_conditional: true, not_negated: false };

struct Rule {
    intent: Intent,
    regex: Regex,
    checks: Checks,
}

fn rule(intent: Intent, pattern: &str, checks: Checks) -> Rule {
    let regex = super::pattern::compile(&format!("(?i){pattern}")).expect("static regex");
    Rule { intent, regex, checks }
}

static RULES: LazyLock<Vec<Rule>> = LazyLock::new(|| {
    vec![
        rule(Intent::Accept, &format!(r"\b(?:{})", lang::alternation(|w| w.accept)), COMMITMENT),
        rule(Intent::Cancel, &format!(r"\b(?:{})\b", lang::alternation(|w| w.cancel)), COMMITMENT),
        // "Maybe 15%?", "Wie wäre es mit 10 %?": a counter-offer in a few words.
        rule(
            Intent::Counter,
            r"\b(?:maybe|perhaps|how about|what about|would you do|vielleicht|wie wäre es mit|wie waere es mit|wären auch|ginge auch)\s+(?:\w+\s+)?\d{1,2}\s?(?:%|percent\b|prozent\b)|^\W*\d{1,2}\s?%\s*\?",
            Checks { not_in_question: false, not_conditional: false, not_negated: true },
        ),
        rule(
            Intent::Accept,
            r"\bwe (?:happily |gladly |hereby )?accept\b|\baccept (?:the|your) (?:offer|proposal|quote|quotation)\b|\bhappy to accept\b|\blooks (?:good|great|fine|perfect)\b|\bgo ahead\b|\bsounds (?:good|great|perfect)\b|\blet['’]?s (?:proceed|go ahead|book it|do it)\b|\bwe(?:['’]d| would) like to (?:proceed|confirm|go ahead|accept)\b|\b(?:we|i) (?:hereby |herewith )?confirm\b|\bconfirm(?:ing)? (?:the|our) (?:booking|reservation|offer)\b|\bwe agree\b|\bapprove (?:the|your) offer\b|\bnehm\w*\b[^.?!\n]{0,40}\b(?:angebot|offerte|vorschlag)\w*\b[^.?!\n]{0,30}\ban\b|\b(?:angebot|offerte|vorschlag)\w*\b[^.?!\n]{0,30}\bannehmen\b|\beinverstanden\b|\b(?:wir|ich) (?:bestätigen|bestätige)\b|\bbestätigen (?:wir|hiermit)\b|\bhiermit (?:bestätigen|bestätige)\b|\bverbindlich (?:buchen|bestätigen|reservieren|zusagen)\b|\bsagen (?:hiermit |gerne )?zu\b|\bgeben (?:ihnen )?(?:hiermit |gerne )?(?:die|unsere) zusage\b|\bpasst (?:so|für uns|perfekt|bestens)\b|\b(?:wir|ich) akzeptieren(?: (?:das|ihr|ihre) (?:angebot|offerte))?(?: gerne)?\s*[.!]|\bakzeptieren wir (?:das|ihr|ihre) (?:angebot|offerte)(?: gerne)?\s*[.!]|\b(?:ok(?:ay)?|ja),? (?:das )?passt\b",
            COMMITMENT,
        ),
        rule(
            Intent::Decline,
            r"\bgo(?:ing)? (?:with )?elsewhere\b|\bwent (?:with )?elsewhere\b|\b(?:another|a different) (?:venue|location|place|provider)\b|\bdecided (?:against|not to)\b|\bno longer (?:interested|need|needed|required)\b|\bnot interested\b|\bdecline (?:the|your) (?:offer|proposal|quote|quotation)\b|\bturn(?:ing)? down (?:the|your) (?:offer|proposal|quote)\b|\bwe(?:['’]ll| will) pass\b|\bwon['’]t (?:be )?(?:needing|need|proceed|book)\w*\b|\bnot (?:going to )?proceed\b|\bandere[nmr]? (?:location|lokalität|lokal|anbieter|ort)\b|\banderweitig\w*\b|\bnicht mehr interessiert\b|\bkein interesse\b|\bkeinen bedarf\b|\bverzichten\b|\bentschieden uns gegen\b|\bnicht weiterverfolgen\b|\blehnen (?:das|ihr) angebot\b|\bangebot\w* ab(?:lehnen)?\b",
            DECLINE,
        ),
        rule(
            Intent::Counter,
            r"\bdiscount\w*|\brabatt\w*|\bcheaper\b|\bgünstiger\w*|\bguenstiger\w*|\b(?:lower|reduce|better|best|special)\s+(?:the\s+)?(?:price|rate|offer|deal)\b|\bprice reduction\b|\bpreisnachlass\w*|\bnachlass\b|\bentgegenkommen\b|\bsonderpreis\w*|\bsonderkondition\w*|\btoo expensive\b|\bzu teuer\b|\b(?:our|the|unser|unserem|unseres)\s+budget\b|\b\d+\s?%\s*(?:less|off|lower|reduction|discount|weniger|nachlass|günstiger)\b|\bcould you do\s+(?:\d|it for|a better|less)|\bnegotiat\w*|\bverhandeln\b|\bverhandlungs\w*|\bpreis\w*\s+(?:senken|reduzieren|anpassen)\b",
            Checks { not_in_question: false, not_conditional: false, not_negated: true },
        ),
        rule(
            Intent::Change,
            r"\bmov(?:e|ing)\b[^.?!\n]{0,30}\b(?:to|forward|back)\b|\bpostpon\w*|\breschedul\w*|\binstead\b|\bchange (?:the|our|my) (?:date|time|number|room|layout|booking|reservation|headcount|guest count|menu|start|end)\b|\bchang\w* (?:it )?to\b|\bshift\w*\b[^.?!\n]{0,20}\bto\b|\bswitch\w* to\b|\bupdate (?:the|our) (?:number|headcount|guest count|date|booking)\b|\b(?:increase|decrease|reduce|lower|raise|adjust)\s+the\s+(?:number|headcount|guest count|attendance)\b|\bnew date\b|\bverschieb\w*|\bverleg\w*|\bstattdessen\b|\banstatt\b|\banstelle\b|\b(?:ä|ae)nder\w*|\bumbuch\w*|\bneue[sn]? (?:datum|termin)\b|\b(?:anzahl|teilnehmerzahl|personenzahl)\b[^.?!\n]{0,40}\b(?:erhöh|reduzier|anpass)\w*",
            REQUEST,
        ),
        rule(
            Intent::Question,
            r"\bcould you (?:please )?(?:tell|send|advise|confirm|check|let me know)\b|\bcan you (?:please )?(?:tell|send|advise|confirm|check)\b|\bi(?:['’]d| would) like to know\b|\bi (?:was|am) wondering\b|\bis it possible\b|\bwould it be possible\b|\bdo you (?:have|offer|provide)\b|\bgibt es\b|\bkönnten sie (?:mir|uns)\b|\bkönnen sie (?:mir|uns)\b|\b(?:ich|wir) würden? gerne? wissen\b|\bwäre es möglich\b|\bist es möglich\b|\bbieten sie\b",
            Checks { not_in_question: false, not_conditional: false, not_negated: false },
        ),
        rule(
            Intent::SiteVisit,
            r"\bsite visit\b|\bviewing\b|\bvisit\b|\b(?:come|stop|drop) (?:by|over|round)\b|\bsee (?:the|your) (?:room|rooms|venue|space|location|premises|atelier)\b|\bsee (?:it|them) (?:first|beforehand|in person)\b|\blook at (?:the|your) (?:room|rooms|venue|space|location)\b|\btour of (?:the|your)\b|\bshow (?:us|me) around\b|\bbesichtig\w*|\bvorbei(?:zu)?kommen\b|\bvorbeischauen\b|\bvorbeizuschauen\b|\bvor ort\b[^.?!\n]{0,30}\b(?:anschauen|ansehen|anzuschauen|anzusehen|sehen)\b|\b(?:räume|raum|räumlichkeiten|location|saal|lokal)\b[^.?!\n]{0,30}\b(?:anschauen|ansehen|anzuschauen|anzusehen)\b|\brundgang\b|\bbegehung\b",
            REQUEST,
        ),
        rule(
            Intent::Cancel,
            r"\bcancel(?:l?ing|l?ed)?\b|\bcancellation\b|\bcall(?:ing)? off\b|\bstornier\w*|\bstorno\b",
            COMMITMENT,
        ),
    ]
});

/// "absagen": Cancel when the sentence is about the event, else Decline
/// (of the offer).
static CALL_OFF_GERMAN: LazyLock<Regex> =
    LazyLock::new(|| super::pattern::compile(r"(?i)\babsag\w*|\babgesagt\b|\babsage\b").expect("static regex"));
static EVENT_NOUN: LazyLock<Regex> = LazyLock::new(|| {
    super::pattern::compile(r"(?i)\b(?:buchung|reservation|reservierung|veranstaltung|event|anlass|feier|fest|termin|seminar|workshop|apéro|apero|dinner|party)\w*")
        .expect("static regex")
});

/// Cancellation terms asked about, not a cancellation.
static CANCELLATION_TERMS_AFTER: LazyLock<Regex> = LazyLock::new(|| {
    super::pattern::compile(r"(?i)^\w*\s*(?:policy|policies|terms|fee|fees|conditions|charges?|deadline|insurance)\b|^(?:bedingung|gebühr|frist|kosten|regel)|^\s*(?:the |our |my |die |unsere )?(?:invoice|rechnung|order|bestellung|newsletter|subscription)")
        .expect("static regex")
});

/// "findet am 15. März statt": the separable verb, not "instead".
static STATT_INSTEAD: LazyLock<Regex> =
    LazyLock::new(|| super::pattern::compile(r"(?i)\bstatt\s+\w").expect("static regex"));
static STATTFINDEN: LazyLock<Regex> =
    LazyLock::new(|| super::pattern::compile(r"(?i)\bf(?:i|a)nd\w*\b").expect("static regex"));

/// Web addresses carry '?' and "visit" without meaning either.
static URL: LazyLock<Regex> = LazyLock::new(|| {
    super::pattern::compile(
        r"(?i)\b(?:https?://|www\.)\S+|\bvisit (?:our|your|the) (?:website|site|homepage|page|web\s?site)\b",
    )
    .expect("static regex")
});

static CONDITIONAL: LazyLock<Regex> = LazyLock::new(|| {
    super::pattern::compile(r"(?i)\b(?:if|falls|wenn|in case|im falle?|whether|ob|should we|sollten wir)\b")
        .expect("static regex")
});

static NO_NEED: LazyLock<Regex> = LazyLock::new(|| {
    super::pattern::compile(r"(?i)\b(?:no need|not necessary|nicht nötig|nicht notwendig|kein bedarf)\b")
        .expect("static regex")
});

const ORDER: [Intent; 7] = [
    Intent::Accept,
    Intent::Decline,
    Intent::Counter,
    Intent::Change,
    Intent::Question,
    Intent::SiteVisit,
    Intent::Cancel,
];

/// All intents expressed in `text`, in the declaration order of [`Intent`].
pub fn extract_intents(text: &str) -> Vec<Intent> {
    let cleaned = URL.replace_all(text, " ");
    let text = cleaned.as_ref();
    let questions = question_sentences(text);
    let mut found: Vec<Intent> = Vec::new();
    for rule in RULES.iter() {
        let hit = rule
            .regex
            .find_iter(text)
            .any(|m| passes(text, &m, rule.checks, &questions) && rule_specific_ok(text, rule.intent, &m));
        if hit {
            found.push(rule.intent);
        }
    }
    let called_off = found.contains(&Intent::Cancel);
    for m in CALL_OFF_GERMAN.find_iter(text) {
        if called_off {
            break;
        }
        if passes(text, &m, COMMITMENT, &questions) {
            let sentence = sentence_of(text, m.start());
            found.push(if EVENT_NOUN.is_match(sentence) { Intent::Cancel } else { Intent::Decline });
        }
    }
    for m in STATT_INSTEAD.find_iter(text) {
        if statt_means_instead(text, &m) && passes(text, &m, REQUEST, &questions) {
            found.push(Intent::Change);
        }
    }
    if text.contains('?') {
        found.push(Intent::Question);
    }
    if NOT_YET.is_match(text) {
        found.retain(|i| *i != Intent::Accept);
    }
    ORDER.into_iter().filter(|intent| found.contains(intent)).collect()
}

/// "Before we confirm, two questions", "bevor wir zusagen" (from `lang`):
/// the decision is still to come, nothing in the mail accepts.
static NOT_YET: LazyLock<Regex> = LazyLock::new(|| {
    super::pattern::compile(&format!(r"(?i)\b(?:{})\b", lang::alternation(|w| w.not_yet))).expect("static regex")
});

/// Words of an upset client, from `lang`.
static COMPLAINT_WORDS: LazyLock<Regex> = LazyLock::new(|| {
    super::pattern::compile(&format!(r"(?i)\b(?:{})\b", lang::alternation(|w| w.complaint))).expect("static regex")
});

/// Is the client upset ("ziemlich enttäuscht ... so wird das nichts", "this
/// is unacceptable", "I expect someone to call me")? Not when negated ("not
/// disappointed at all") or asked ("would that be a problem?" is no anger).
pub(crate) fn is_complaint(text: &str) -> bool {
    COMPLAINT_WORDS.find_iter(text).any(|m| !is_negated(text, m.start()))
}

/// Words asking about prices, from `lang`.
static PRICE_WORDS: LazyLock<Regex> = LazyLock::new(|| {
    super::pattern::compile(&format!(r"(?i)\b(?:{})\b", lang::alternation(|w| w.price_question))).expect("static regex")
});

/// Does the mail ask what something costs ("How much would that be?",
/// "Was kostet der Apéro?", "Could you send us your prices?")? The price
/// word must stand in a sentence that asks (ends with '?'), or be "how
/// much" / "was kostet" itself. The draft answers with an offer later; in
/// an inquiry the manager should see the question.
pub(crate) fn asks_about_prices(text: &str) -> bool {
    let cleaned = URL.replace_all(text, " ");
    let text = cleaned.as_ref();
    question_sentences(text).iter().any(|&(start, end)| PRICE_WORDS.is_match(&text[start..end]))
}

fn rule_specific_ok(text: &str, intent: Intent, m: &Match) -> bool {
    let after = &text[m.end()..];
    match intent {
        Intent::Cancel => {
            let word = m.as_str().to_lowercase();
            let names_terms =
                ["bedingung", "gebühr", "frist", "kosten", "regel"].iter().any(|term| word.contains(term));
            !names_terms && !CANCELLATION_TERMS_AFTER.is_match(after)
        }
        Intent::SiteVisit => !NO_NEED.is_match(clause_before(text, m.start(), 40, false)),
        _ => true,
    }
}

fn passes(text: &str, m: &Match, checks: Checks, questions: &[(usize, usize)]) -> bool {
    let in_question = questions.iter().any(|&(start, end)| start <= m.start() && m.start() < end);
    let clause = clause_before(text, m.start(), 60, false);
    !(checks.not_in_question && in_question
        || checks.not_conditional && CONDITIONAL.is_match(clause)
        || checks.not_negated && is_negated(text, m.start()))
}

/// Spans of sentences that end with '?'.
fn question_sentences(text: &str) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut start = 0;
    for (pos, c) in text.char_indices() {
        if matches!(c, '.' | '!' | '?' | '\n') {
            if c == '?' {
                spans.push((start, pos + 1));
            }
            start = pos + c.len_utf8();
        }
    }
    spans
}

/// The sentence containing `pos` (split at . ! ? and line breaks), looking
/// at most 300 bytes each way so long garbage lines stay linear.
fn sentence_of(text: &str, pos: usize) -> &str {
    let is_end = |c: char| matches!(c, '.' | '!' | '?' | '\n');
    let pos = floor_boundary(text, pos);
    let from = ceil_boundary(text, pos.saturating_sub(300));
    let to = floor_boundary(text, pos.saturating_add(300));
    let begin = text[from..pos].rfind(is_end).map_or(from, |i| from + i + 1);
    let finish = text[pos..to].find(is_end).map_or(to, |i| pos + i);
    &text[begin..finish]
}

/// German "statt" only counts as "instead" when it is not the particle of
/// "stattfinden" ("Der Anlass findet am 15. März statt").
fn statt_means_instead(text: &str, m: &Match) -> bool {
    !STATTFINDEN.is_match(sentence_of(text, m.start()))
}

/// "Cancel the site visit", "die Besichtigung absagen": a cancellation of
/// the visit (in one sentence with it), not of the event.
pub fn cancels_visit(text: &str) -> bool {
    static VISIT_CANCEL: LazyLock<Regex> = LazyLock::new(|| {
        super::pattern::compile(
            r"(?i)\b(?:cancel\w*|call\w* off|absag\w*|stornier\w*|abbestell\w*)\b[^.?!\n]{0,40}\b(?:visit|viewing|tour|besichtig\w*|termin)|\b(?:visit|viewing|tour|besichtig\w*)\b[^.?!\n]{0,40}\b(?:cancel\w*|absag\w*|abzusagen|stornier\w*)",
        )
        .expect("static regex")
    });
    VISIT_CANCEL.is_match(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Intent::*;

    fn intents(text: &str) -> Vec<Intent> {
        extract_intents(text)
    }

    #[test]
    fn accept_phrases() {
        assert_eq!(intents("We accept the offer."), vec![Accept]);
        assert_eq!(intents("Looks good, please go ahead."), vec![Accept]);
        assert_eq!(intents("Wir nehmen das Angebot gerne an."), vec![Accept]);
        assert_eq!(intents("Einverstanden."), vec![Accept]);
        assert_eq!(intents("Wir würden das Angebot gerne annehmen."), vec![Accept]);
        assert_eq!(intents("Hiermit bestätigen wir die Buchung."), vec![Accept]);
    }

    #[test]
    fn accept_that_is_asked_negated_or_conditional_does_not_count() {
        assert_eq!(intents("Could you confirm the date?"), vec![Question]);
        assert_eq!(intents("Unfortunately we cannot accept the offer."), Vec::<Intent>::new());
        assert_eq!(intents("If the price is right we accept."), Vec::<Intent>::new());
        assert_eq!(intents("Bitte bestätigen Sie uns den Termin."), Vec::<Intent>::new());
    }

    #[test]
    fn decline_phrases() {
        assert_eq!(intents("We decided to go elsewhere."), vec![Decline]);
        assert_eq!(intents("We are no longer interested."), vec![Decline]);
        assert_eq!(intents("Wir müssen Ihnen leider absagen."), vec![Decline]);
        assert_eq!(intents("Wir haben uns für eine andere Location entschieden."), vec![Decline]);
    }

    #[test]
    fn counter_phrases() {
        assert_eq!(intents("Could you do 10% less."), vec![Counter]);
        assert_eq!(intents("Is there a discount?"), vec![Counter, Question]);
        assert_eq!(intents("Gibt es einen Rabatt?"), vec![Counter, Question]);
        assert_eq!(intents("Geht es etwas günstiger"), vec![Counter]);
        assert_eq!(intents("That is above our budget."), vec![Counter]);
    }

    #[test]
    fn change_phrases() {
        assert_eq!(intents("Please move it to 12 June."), vec![Change]);
        assert_eq!(intents("We'd like 60 guests instead."), vec![Change]);
        assert_eq!(intents("Can we change the date?"), vec![Change, Question]);
        assert_eq!(intents("Wir möchten den Anlass verschieben."), vec![Change]);
        assert_eq!(intents("Wir kommen mit 60 statt 50 Personen."), vec![Change]);
        assert_eq!(intents("Stattdessen hätten wir gerne Raum B."), vec![Change]);
        assert_eq!(intents("Können wir das Datum ändern"), vec![Change]);
    }

    #[test]
    fn stattfinden_is_not_a_change() {
        assert_eq!(intents("Der Anlass findet am 15. März statt."), Vec::<Intent>::new());
        assert_eq!(intents("Der Anlass findet statt am 15. März."), Vec::<Intent>::new());
        assert_eq!(intents("60 statt 50 Personen"), vec![Change]);
    }

    #[test]
    fn conditional_change_does_not_count() {
        assert_eq!(intents("Falls sich etwas ändert, melden wir uns."), Vec::<Intent>::new());
        assert_eq!(intents("We don't need to change anything."), Vec::<Intent>::new());
    }

    #[test]
    fn question_phrases() {
        assert_eq!(intents("Is Room A free?"), vec![Question]);
        assert_eq!(intents("Could you tell me the price."), vec![Question]);
        assert_eq!(intents("Gibt es Parkplätze."), vec![Question]);
        assert_eq!(intents("see https://example.com/?a=1 for details"), Vec::<Intent>::new());
    }

    #[test]
    fn site_visit_phrases() {
        assert_eq!(intents("Can we see the room first?"), vec![Question, SiteVisit]);
        assert_eq!(intents("We would like to visit beforehand."), vec![SiteVisit]);
        assert_eq!(intents("Wäre eine Besichtigung möglich"), vec![SiteVisit]);
        assert_eq!(intents("Wir würden gerne vorbeikommen und die Räume anschauen."), vec![SiteVisit]);
        assert_eq!(intents("Please visit our website for details."), Vec::<Intent>::new());
        assert_eq!(intents("No need to visit, we know the venue."), Vec::<Intent>::new());
    }

    #[test]
    fn cancel_phrases() {
        assert_eq!(intents("We have to cancel the booking."), vec![Cancel]);
        assert_eq!(intents("Bitte stornieren Sie unsere Reservation."), vec![Cancel]);
        assert_eq!(intents("Wir müssen den Anlass leider absagen."), vec![Cancel]);
        assert_eq!(intents("What is your cancellation policy?"), vec![Question]);
        assert_eq!(intents("If we need to cancel, what happens"), Vec::<Intent>::new());
        assert_eq!(intents("Stornierungsbedingungen bitte"), Vec::<Intent>::new());
        assert_eq!(intents("Please cancel the invoice and send a new one."), Vec::<Intent>::new());
    }

    #[test]
    fn several_intents_at_once() {
        assert_eq!(
            intents("Looks good. Could we move it to the 12th? And is there a discount?"),
            vec![Accept, Counter, Change, Question]
        );
    }
}
