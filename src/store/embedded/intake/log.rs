//! The intake's files: `intake/<n>.log`, numbered segments of records
//! appended end to end, and `intake/lock`, the lock every append and every
//! new segment is made under (any process that opens the store: the
//! service, a CLI beside it).
//!
//! A record is a 12-byte header (the magic `OEi1`, the body's length and
//! its CRC-32, both `u32` little-endian) and a body: `received_at`
//! (Unix milliseconds, `i64` LE), then `id`, `team_id`, `source`,
//! `dedupe_key`, `order_key`, `payload` and `trace_context`, each a `u32`
//! LE length and that many UTF-8 bytes (`u32::MAX` for no trace context).
//!
//! Appends go to the highest-numbered segment, one `write` per batch.
//! [`Segments::seal`] starts a new segment, after which the older ones are
//! never written again: a move reads them while appends carry on, and
//! deletes each once its records are in the inbox. A record cut short (a
//! process killed inside its `write`) fails its CRC; readers skip to the
//! next magic.

use std::fs::{File, OpenOptions};
use std::io::{BufReader, ErrorKind, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use fs4::FileExt;

use crate::inbox::NewEntry;

const MAGIC: [u8; 4] = *b"OEi1";
const HEADER: usize = 12;
/// No trace context, in its length field.
const NONE: u32 = u32::MAX;

/// A record read back: the columns of an inbox row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub id: String,
    pub team_id: String,
    pub source: String,
    pub dedupe_key: String,
    pub order_key: String,
    pub payload: String,
    /// Unix milliseconds.
    pub received_at: i64,
    pub trace_context: Option<String>,
}

/// Appends `e` as one record to `out`.
pub fn encode(e: &NewEntry, out: &mut Vec<u8>) {
    let start = out.len();
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&[0; 8]);
    out.extend_from_slice(&e.received_at.timestamp_millis().to_le_bytes());
    let (id, team) = (e.id.to_string(), e.team.to_string());
    for field in [&id, &team, &e.source, &e.dedupe_key, &e.order_key, e.payload.get()] {
        put(out, Some(field));
    }
    put(out, e.trace_context.as_deref());
    let body = &out[start + HEADER..];
    let (len, crc) = ((body.len() as u32).to_le_bytes(), crc32fast::hash(body).to_le_bytes());
    out[start + 4..start + 8].copy_from_slice(&len);
    out[start + 8..start + 12].copy_from_slice(&crc);
}

fn put(out: &mut Vec<u8>, field: Option<&str>) {
    match field {
        Some(s) => {
            out.extend_from_slice(&(s.len() as u32).to_le_bytes());
            out.extend_from_slice(s.as_bytes());
        }
        None => out.extend_from_slice(&NONE.to_le_bytes()),
    }
}

fn decode(body: &[u8]) -> Option<Record> {
    let mut at = 8;
    let received_at = i64::from_le_bytes(body.get(..8)?.try_into().ok()?);
    let mut field = || -> Option<Option<String>> {
        let len = u32::from_le_bytes(body.get(at..at + 4)?.try_into().ok()?);
        at += 4;
        if len == NONE {
            return Some(None);
        }
        let bytes = body.get(at..at + len as usize)?;
        at += len as usize;
        Some(Some(String::from_utf8(bytes.to_vec()).ok()?))
    };
    Some(Record {
        id: field()??,
        team_id: field()??,
        source: field()??,
        dedupe_key: field()??,
        order_key: field()??,
        payload: field()??,
        received_at,
        trace_context: field()?,
    })
}

/// Reads records from a segment, in order, from a given offset.
pub struct Reader {
    file: BufReader<File>,
    /// Where the next record starts (or the search for one, after a
    /// damaged record).
    offset: u64,
    /// The file's length when opened: a length field past it is damage.
    end: u64,
    /// Bytes skipped over damaged records so far.
    pub skipped: u64,
}

impl Reader {
    /// Opens segment `path` at `offset`; `None` when the segment is gone
    /// (moved and deleted by another process).
    pub fn open(path: &Path, offset: u64) -> std::io::Result<Option<Self>> {
        let mut file = match File::open(path) {
            Ok(f) => f,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        let end = file.metadata()?.len();
        file.seek(SeekFrom::Start(offset))?;
        Ok(Some(Self { file: BufReader::with_capacity(64 * 1024, file), offset, end, skipped: 0 }))
    }

    /// The offset after the last record read.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// The next whole record and its offset; `None` at the end. A damaged
    /// record is skipped: the search goes on from the byte after its magic.
    pub fn next_record(&mut self) -> std::io::Result<Option<(u64, Record)>> {
        loop {
            let start = self.offset;
            let mut header = [0u8; HEADER];
            if !read_exact_or_end(&mut self.file, &mut header)? {
                return Ok(None);
            }
            let len = u32::from_le_bytes(header[4..8].try_into().expect("4 bytes")) as usize;
            if header[..4] == MAGIC && start + (HEADER + len) as u64 <= self.end {
                let crc = u32::from_le_bytes(header[8..12].try_into().expect("4 bytes"));
                let mut body = vec![0u8; len];
                if !read_exact_or_end(&mut self.file, &mut body)? {
                    return Ok(None);
                }
                if crc32fast::hash(&body) == crc {
                    if let Some(record) = decode(&body) {
                        self.offset = start + (HEADER + len) as u64;
                        return Ok(Some((start, record)));
                    }
                }
            }
            self.skipped += 1;
            self.offset = start + 1;
            self.file.seek(SeekFrom::Start(self.offset))?;
        }
    }
}

/// `read_exact`, or `false` when the file ends first.
fn read_exact_or_end(file: &mut impl Read, buf: &mut [u8]) -> std::io::Result<bool> {
    match file.read_exact(buf) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == ErrorKind::UnexpectedEof => Ok(false),
        Err(e) => Err(e),
    }
}

/// The segment an appender writes to.
struct Open {
    number: u64,
    file: File,
    /// Its length: where the next append begins.
    len: u64,
}

/// How long an appender keeps the lock between appends: re-taking it and
/// checking for a newer segment cost five system calls per batch, more
/// than the batch's own write. Another process waits at most this long
/// (or until [`Segments::release`], when appends pause).
const HOLD: Duration = Duration::from_millis(20);

/// The segment files in one directory.
pub struct Segments {
    dir: PathBuf,
    lock: File,
    /// Since when this appender holds the lock, if it does.
    held_since: Option<Instant>,
    open: Option<Open>,
}

impl Segments {
    /// Opens (creating) the directory `dir` and its lock file.
    pub fn open(dir: &Path) -> std::io::Result<Self> {
        std::fs::create_dir_all(dir)?;
        let lock = OpenOptions::new().read(true).write(true).create(true).truncate(false).open(dir.join("lock"))?;
        Ok(Self { dir: dir.to_path_buf(), lock, held_since: None, open: None })
    }

    pub fn path(&self, number: u64) -> PathBuf {
        segment_path(&self.dir, number)
    }

    /// Appends `bytes` (whole records) to the newest segment with one
    /// write; returns that segment's number and the offset `bytes` begin
    /// at. The OS has them when it returns (a crash of this process keeps
    /// them; `fsync` is left to the OS, as for the SQLite files).
    pub fn append(&mut self, bytes: &[u8]) -> std::io::Result<(u64, u64)> {
        if self.held_since.is_none() {
            FileExt::lock(&self.lock)?;
            self.held_since = Some(Instant::now());
            // Another process may have started a segment meanwhile.
            if let Err(e) = newest_open(&self.dir, &mut self.open) {
                self.release();
                return Err(e);
            }
        }
        let open = self.open.as_mut().expect("opened under the lock");
        let start = open.len;
        let written = open.file.write_all(bytes);
        if let Err(e) = written {
            // A part may have been written: cut it off, so the next
            // batch's records do not follow a damaged one.
            let _ = open.file.set_len(start);
            self.release();
            return Err(e);
        }
        open.len += bytes.len() as u64;
        let number = open.number;
        if self.held_since.is_some_and(|at| at.elapsed() >= HOLD) {
            self.release();
        }
        Ok((number, start))
    }

    /// Lets go of the lock if this appender holds it (appends paused).
    pub fn release(&mut self) {
        if self.held_since.take().is_some() {
            let _ = FileExt::unlock(&self.lock);
        }
    }

    /// The numbers of the complete segments (every one but the newest),
    /// oldest first. When there is none and the newest holds records, a
    /// new segment is started first, so that one becomes complete: during
    /// a burst the segments stay few and large.
    pub fn seal(&mut self) -> std::io::Result<Vec<u64>> {
        let _locked = if self.held_since.is_none() { Some(Locked::new(&self.lock)?) } else { None };
        let mut numbers = self.numbers()?;
        match numbers.last() {
            Some(&newest) if numbers.len() == 1 && std::fs::metadata(self.path(newest))?.len() > 0 => {
                let file = OpenOptions::new().create(true).append(true).open(self.path(newest + 1))?;
                if self.held_since.is_some() {
                    // Appends go on to the new segment without checking.
                    self.open = Some(Open { number: newest + 1, file, len: 0 });
                }
            }
            _ => {
                numbers.pop();
            }
        }
        Ok(numbers)
    }

    /// The numbers of the segments on disk, ascending.
    pub fn numbers(&self) -> std::io::Result<Vec<u64>> {
        numbers(&self.dir)
    }

    /// Deletes a complete segment whose records are all in the inbox.
    pub fn remove(&self, number: u64) -> std::io::Result<()> {
        match std::fs::remove_file(self.path(number)) {
            Err(e) if e.kind() != ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }
}

/// Sets `open` to the segment appends go to: the one the appender holds,
/// unless a newer one was started or it was deleted (moved by a process
/// that had started a newer one); otherwise the highest-numbered one in
/// `dir`, made if there is none. Called when the lock is taken.
fn newest_open(dir: &Path, open: &mut Option<Open>) -> std::io::Result<()> {
    if let Some(o) = open {
        let meta = o.file.metadata()?;
        if meta.nlink() > 0 && !segment_path(dir, o.number + 1).exists() {
            o.len = meta.len();
            return Ok(());
        }
    }
    let number = numbers(dir)?.last().copied().unwrap_or(1);
    let file = OpenOptions::new().create(true).append(true).open(segment_path(dir, number))?;
    let len = file.metadata()?.len();
    *open = Some(Open { number, file, len });
    Ok(())
}

/// The numbers of the segments in `dir`, ascending.
fn numbers(dir: &Path) -> std::io::Result<Vec<u64>> {
    let mut numbers = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let name = entry?.file_name();
        let name = name.to_string_lossy();
        if let Some(n) = name.strip_suffix(".log").and_then(|n| n.parse::<u64>().ok()) {
            numbers.push(n);
        }
    }
    numbers.sort_unstable();
    Ok(numbers)
}

fn segment_path(dir: &Path, number: u64) -> PathBuf {
    dir.join(format!("{number:020}.log"))
}

/// Holds the intake's lock until dropped.
struct Locked<'a>(&'a File);

impl<'a> Locked<'a> {
    fn new(file: &'a File) -> std::io::Result<Self> {
        FileExt::lock(file)?;
        Ok(Self(file))
    }
}

impl Drop for Locked<'_> {
    fn drop(&mut self) {
        let _ = FileExt::unlock(self.0);
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;
    use crate::domain::{EventId, TeamId};
    use crate::inbox::InboxEvent;

    fn entry(key: &str, trace: Option<&str>) -> NewEntry {
        let event = InboxEvent::DepositPaid { event: EventId::new(), payment: None };
        let mut e = NewEntry::new(TeamId::new(), "test", key.into(), "o".into(), &event, Utc::now());
        e.trace_context = trace.map(Into::into);
        e
    }

    fn read_all(segments: &Segments, number: u64) -> Vec<Record> {
        let mut reader = Reader::open(&segments.path(number), 0).unwrap().unwrap();
        std::iter::from_fn(|| reader.next_record().unwrap().map(|(_, r)| r)).collect()
    }

    #[test]
    fn records_read_back_as_written_and_a_damaged_one_is_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let mut segments = Segments::open(dir.path()).unwrap();
        let (a, b, c) = (entry("a", None), entry("b", Some("00-trace")), entry("c", None));
        let mut bytes = Vec::new();
        encode(&a, &mut bytes);
        let (number, at) = segments.append(&bytes).unwrap();
        assert_eq!((number, at), (1, 0));
        // A record cut short, as a process killed inside its write leaves it.
        let mut cut = Vec::new();
        encode(&b, &mut cut);
        std::fs::OpenOptions::new().append(true).open(segments.path(1)).unwrap().write_all(&cut[..30]).unwrap();
        let mut rest = Vec::new();
        encode(&b, &mut rest);
        encode(&c, &mut rest);
        segments.append(&rest).unwrap();
        let read = read_all(&segments, 1);
        let keys: Vec<_> = read.iter().map(|r| r.dedupe_key.as_str()).collect();
        assert_eq!(keys, ["a", "b", "c"]);
        assert_eq!(read[0].id, a.id.to_string());
        assert_eq!(read[0].payload, a.payload.get());
        assert_eq!(read[0].received_at, a.received_at.timestamp_millis());
        assert_eq!((read[0].trace_context.as_deref(), read[1].trace_context.as_deref()), (None, Some("00-trace")));
        let mut reader = Reader::open(&segments.path(1), 0).unwrap().unwrap();
        while reader.next_record().unwrap().is_some() {}
        assert_eq!(reader.skipped, 30, "the cut record's bytes, one at a time");
    }

    /// After a seal, appends go to the new segment, also those of an
    /// appender that held the old one (another process); an appender that
    /// keeps the lock appends to the segment its own seal started.
    #[test]
    fn a_sealed_segment_is_never_appended_to_again() {
        let dir = tempfile::tempdir().unwrap();
        let (mut first, mut second) = (Segments::open(dir.path()).unwrap(), Segments::open(dir.path()).unwrap());
        let mut bytes = Vec::new();
        encode(&entry("a", None), &mut bytes);
        assert_eq!(first.append(&bytes).unwrap().0, 1);
        first.release();
        assert_eq!(second.append(&bytes).unwrap(), (1, bytes.len() as u64));
        assert_eq!(second.seal().unwrap(), [1]);
        assert_eq!(second.append(&bytes).unwrap(), (2, 0), "the lock was kept: its own seal");
        second.release();
        assert_eq!(first.append(&bytes).unwrap(), (2, bytes.len() as u64));
        assert_eq!(first.seal().unwrap(), [1], "1 is not moved yet: no new segment");
        first.remove(1).unwrap();
        assert_eq!(first.seal().unwrap(), [2]);
        first.remove(2).unwrap();
        first.release();
        assert_eq!(second.append(&bytes).unwrap(), (3, 0), "its segment was deleted");
        assert_eq!(second.seal().unwrap(), [3]);
        second.remove(3).unwrap();
        assert_eq!(second.seal().unwrap(), Vec::<u64>::new(), "an empty newest segment stays open");
        assert_eq!(second.numbers().unwrap(), [4]);
        second.release();
    }

    /// A second appender waits for the lock while the first keeps it, and
    /// gets it once the first lets go.
    #[test]
    fn the_lock_is_kept_between_appends_until_released() {
        let dir = tempfile::tempdir().unwrap();
        let mut first = Segments::open(dir.path()).unwrap();
        let mut bytes = Vec::new();
        encode(&entry("a", None), &mut bytes);
        first.append(&bytes).unwrap();
        let waiting = {
            let dir = dir.path().to_path_buf();
            let bytes = bytes.clone();
            std::thread::spawn(move || Segments::open(&dir).unwrap().append(&bytes).unwrap())
        };
        std::thread::sleep(Duration::from_millis(50));
        assert!(!waiting.is_finished(), "the lock is still held");
        first.release();
        assert_eq!(waiting.join().unwrap(), (1, bytes.len() as u64));
    }
}
