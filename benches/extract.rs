//! The cost of reading one mail: `extract_with` against the built-in
//! catalogue, on the inquiries `../shared/bench/varied_requests.py` sends
//! (every one another date, group size and seating), after one warm-up
//! pass that compiles the extractors' patterns.
//!
//! Wall-clock time on a shared machine varies by tens of percent between
//! runs; for comparing two versions, count instructions instead:
//!     cargo bench --bench extract -- 3000
//!     valgrind --tool=callgrind target/release/deps/extract-* 600   (minus a run of 100, / 500)

use std::time::Instant;

use oe_webhooks::store::catalog::CatalogFile;
use oe_webhooks::workflow::extract::extract_with;
use oe_webhooks::workflow::Catalogue;

const LAYOUTS: [&str; 5] =
    ["U-shape seating", "seated dinner", "standing reception", "theatre seating", "classroom seating"];

fn inquiry(i: usize) -> String {
    let (day, month, year) = (i % 28 + 1, (i / 28) % 12 + 1, 2027 + (i / 336) % 3);
    format!(
        "Hello,\n\nwe would like to book a room on {day:02}.{month:02}.{year} from 09:00 to 17:00 for {} people, {}, \
         with coffee breaks and lunch.\n\nBest regards,\nClient {i}\nExample {i} AG\n",
        12 + i % 60,
        LAYOUTS[i % LAYOUTS.len()]
    )
}

fn main() {
    let mails: usize = std::env::args().filter_map(|a| a.parse().ok()).next().unwrap_or(3000);
    let file = CatalogFile::builtin();
    let catalogue = Catalogue::from_rows(&file.rooms, &file.products).expect("built-in catalogue");
    let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).expect("date");
    let texts: Vec<String> = (0..mails).map(inquiry).collect();
    for text in texts.iter().take(100) {
        std::hint::black_box(extract_with(text, today, catalogue.vocabulary()));
    }
    let started = Instant::now();
    for text in &texts {
        std::hint::black_box(extract_with(text, today, catalogue.vocabulary()));
    }
    let micros = started.elapsed().as_secs_f64() * 1e6 / mails as f64;
    println!("extract: {micros:.1} us per mail over {mails} inquiries (one thread)");
}
