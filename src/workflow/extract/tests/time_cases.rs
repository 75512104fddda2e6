//! Times with fillers ("Ende so gegen 22 Uhr", "ab ca. 18 Uhr"), business
//! hours without am/pm ("from 9 till 5"), carried meridiems ("6-11pm") and
//! midnight as the end (kept as 00:00, shown as "midnight" in drafts), and
//! the event's start among other times of the day ("die Trauung ist um
//! 14.30 Uhr ... ab 17 Uhr bei Ihnen").

use super::cases::check;

type Hm = Option<(u32, u32)>;

const TIME_EN: &[(&str, Hm, Hm)] = &[
    ("from 9 till 5", Some((9, 0)), Some((17, 0))),
    ("We'd need the room from 9 to 5.", Some((9, 0)), Some((17, 0))),
    ("between 8 and 4", Some((8, 0)), Some((16, 0))),
    ("6-11pm", Some((18, 0)), Some((23, 0))),
    ("drinks 6-11pm", Some((18, 0)), Some((23, 0))),
    ("from 7-10 pm", Some((19, 0)), Some((22, 0))),
    ("until midnight", None, Some((0, 0))),
    ("from 7 pm until midnight", Some((19, 0)), Some((0, 0))),
    ("starting around 7pm", Some((19, 0)), None),
    ("we'd finish around 10 pm", None, Some((22, 0))),
    ("ending at about 11pm", None, Some((23, 0))),
    ("drinks from approx. 6pm", Some((18, 0)), None),
    ("from 9 till 5 on 12 June 2027", Some((9, 0)), Some((17, 0))),
    ("from 14 to 16 April 2027", None, None),
    ("between 40 and 50 people", None, None),
    ("from 2 to 4, please", None, None),
    ("The ceremony is at 2:30pm; we would come from 5pm and party until midnight.", Some((17, 0)), Some((0, 0))),
    ("Drinks at 5pm, the dinner starts at 7pm.", Some((17, 0)), None),
    ("We arrive at 6pm.", Some((18, 0)), None),
    ("Meeting 9:00-12:00, followed by lunch in the same room until 1:30pm.", Some((9, 0)), Some((13, 30))),
    ("9am to 12pm workshop, afterwards drinks until 2pm", Some((9, 0)), Some((14, 0))),
    ("7-11pm dinner, then a DJ until midnight", Some((19, 0)), Some((0, 0))),
    ("5pm-8pm (talks until 7pm, then drinks)", Some((17, 0)), Some((20, 0))),
    ("Could we start at 8:30 instead of 9:00? End time stays at 1pm.", Some((8, 30)), Some((13, 0))),
    ("Start at 10am please, the end time remains 4pm.", Some((10, 0)), Some((16, 0))),
];

const TIME_DE: &[(&str, Hm, Hm)] = &[
    ("Ende so gegen 22 Uhr", None, Some((22, 0))),
    ("ab ca. 18 Uhr", Some((18, 0)), None),
    ("Apéro ab ca. 18 Uhr, Ende so gegen 22 Uhr", Some((18, 0)), Some((22, 0))),
    ("ab etwa 18 Uhr bis ca. 23 Uhr", Some((18, 0)), Some((23, 0))),
    ("bis Mitternacht", None, Some((0, 0))),
    ("von 18 Uhr bis Mitternacht", Some((18, 0)), Some((0, 0))),
    ("von 9 bis 17", Some((9, 0)), Some((17, 0))),
    ("von 8 bis 12", Some((8, 0)), Some((12, 0))),
    ("Beginn so um 19 Uhr", Some((19, 0)), None),
    ("Schluss gegen 23 Uhr", None, Some((23, 0))),
    ("Apéro ab ungefähr 17.30 Uhr", Some((17, 30)), None),
    ("Ende ca. 22.30 Uhr", None, Some((22, 30))),
    ("von 9 bis 5", Some((9, 0)), Some((17, 0))),
    ("vom 3. bis 5. Mai", None, None),
    ("von 10 bis 12 Personen", None, None),
    ("Start 18 Uhr, open end bis Mitternacht", Some((18, 0)), Some((0, 0))),
    (
        "Die Trauung ist um 14.30 Uhr, danach Fotos – wir wären ab 17 Uhr bei Ihnen und möchten bis Mitternacht feiern.",
        Some((17, 0)),
        Some((0, 0)),
    ),
    ("Die Trauung ist um 14 Uhr, Apéro bei Ihnen ab 16.30 Uhr.", Some((16, 30)), None),
    ("Wir kommen um 18 Uhr.", Some((18, 0)), None),
    ("9.00 bis 12.00 Uhr Sitzung, anschliessend Business-Lunch im gleichen Raum bis 13.30 Uhr", Some((9, 0)), Some((13, 30))),
    ("Workshop 8–12 Uhr, danach Apéro bis 14 Uhr", Some((8, 0)), Some((14, 0))),
    ("17h-20h (Podium bis ca. 19h, danach Apéro riche)", Some((17, 0)), Some((20, 0))),
    ("von 14 bis 17 Uhr, im Anschluss Apéro bis ca. 18.30 Uhr", Some((14, 0)), Some((18, 30))),
    // Mundart: "vo 17i bis 22i" (17 Uhr bis 22 Uhr).
    ("am Samschtig vo 17i bis 22i", Some((17, 0)), Some((22, 0))),
    ("Beginn neu um 8.30 Uhr, das Ende bleibt bei 17 Uhr.", Some((8, 30)), Some((17, 0))),
    ("ab 18i, Schluss öppe um 23i", Some((18, 0)), Some((23, 0))),
];

#[test]
fn times_with_fillers_business_hours_and_midnight() {
    use chrono::Timelike;
    let hm = |time: Option<chrono::NaiveTime>| time.map(|t| (t.hour(), t.minute()));
    for (name, table) in [("TIME_EN", TIME_EN), ("TIME_DE", TIME_DE)] {
        let rows: Vec<_> = table.iter().map(|(text, start, end)| (*text, (*start, *end))).collect();
        check(name, &rows, |found| (hm(found.start_time), hm(found.end_time)));
    }
}

pub(super) const ROWS: (usize, usize) = (TIME_EN.len(), TIME_DE.len());
