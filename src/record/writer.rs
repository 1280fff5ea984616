//! The append-only `events.jsonl` writer and its reader.

use super::{Event, Redactor};
use crate::lock::Recover;
use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, RwLock};

/// Writes events as JSON lines, one `write` and one flush per event, so a crash
/// loses nothing already recorded. Every event is redacted before it is written.
#[derive(Debug)]
pub struct Recorder {
    path: Option<PathBuf>,
    file: Mutex<Option<File>>,
    redactor: RwLock<Redactor>,
    next_exchange: AtomicU64,
}

impl Recorder {
    /// Create (truncate) `events.jsonl` in `dir`.
    pub(crate) fn create(dir: &Path, redactor: Redactor) -> io::Result<Recorder> {
        std::fs::create_dir_all(dir)?;
        let path = dir.join("events.jsonl");
        let file = OpenOptions::new().create(true).write(true).truncate(true).open(&path)?;
        Ok(Recorder {
            path: Some(path),
            file: Mutex::new(Some(file)),
            redactor: RwLock::new(redactor),
            next_exchange: AtomicU64::new(1),
        })
    }

    /// Path of `events.jsonl`, if recording to disk.
    pub(crate) fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// A copy of the redactor applied to every event.
    pub(crate) fn redactor(&self) -> Redactor {
        self.redactor.read().recover().clone()
    }

    /// True when recording would redact something in `x`'s bodies: the
    /// caller keeps its own copy, so no check reads redacted data.
    pub(crate) fn redacts_bodies(&self, x: &super::Exchange) -> bool {
        let r = self.redactor.read().recover();
        x.request.body.as_ref().is_some_and(|b| r.touches(b))
            || x.response.as_ref().and_then(|resp| resp.body.as_ref()).is_some_and(|b| r.touches(b))
    }

    /// Also redact `secret` (and the header it travels in) from now on, e.g.
    /// after the console's Token Key changes.
    pub(crate) fn add_secret(&self, header: &str, secret: &str) {
        let mut r = self.redactor.write().recover();
        *r = r.clone().header(header).secret(secret);
    }

    /// Allocate the next exchange id.
    pub(crate) fn next_exchange_id(&self) -> u64 {
        self.next_exchange.fetch_add(1, Ordering::Relaxed)
    }

    /// Number of exchange ids handed out so far.
    pub(crate) fn exchanges(&self) -> u64 {
        self.next_exchange.load(Ordering::Relaxed) - 1
    }

    /// Redact and append one event.
    pub(crate) fn record(&self, mut event: Event) -> io::Result<()> {
        self.record_mut(&mut event)
    }

    /// Redact (in place: credential headers are masked) and append one event;
    /// the caller keeps it, to reuse what it holds.
    pub(crate) fn record_mut(&self, event: &mut Event) -> io::Result<()> {
        self.write(event).map(|_| ())
    }

    /// Redact and append one event, and return its redacted form (for callers
    /// that show it, such as the terminal summary).
    pub(crate) fn record_redacted(&self, mut event: Event) -> io::Result<Event> {
        let line = self.write(&mut event)?;
        serde_json::from_str(&line).map_err(io::Error::other)
    }

    fn write(&self, event: &mut Event) -> io::Result<String> {
        let redactor = self.redactor.read().recover();
        redactor.event(event);
        drop(redactor);
        let mut line = serde_json::to_string(&*event).map_err(io::Error::other)?;
        let mut guard = self.file.lock().recover();
        if let Some(file) = guard.as_mut() {
            line.push('\n');
            // One write per line: a crash leaves whole lines plus at most one torn line.
            file.write_all(line.as_bytes())?;
            file.flush()?;
            line.pop();
        }
        Ok(line)
    }
}

/// Parse one line of `events.jsonl`. Exchanges, nearly every line, are read
/// straight into [`Exchange`](super::Exchange) (their `type` key is passed
/// over) instead of through serde's buffering of internally tagged enums,
/// which costs twice as much.
pub(crate) fn parse_event(line: &[u8]) -> serde_json::Result<Event> {
    if line.starts_with(br#"{"type":"exchange","#)
        && let Ok(x) = serde_json::from_slice::<super::Exchange>(line)
    {
        return Ok(Event::Exchange(x));
    }
    serde_json::from_slice::<Event>(line)
}

/// Outcome of reading a possibly truncated `events.jsonl`.
#[derive(Debug, Default)]
pub struct EventLog {
    pub events: Vec<Event>,
    /// Lines that did not parse (a torn last line after a crash), with line numbers.
    pub bad_lines: Vec<(usize, String)>,
}

/// Byte offsets into a growing (append-only) `events.jsonl`, one per
/// [`EventIndex::EVERY`] lines, so a poll for the lines after index N reads
/// only from the nearest checkpoint: its cost follows the new events, not the
/// file's length.
#[derive(Debug, Default)]
pub(crate) struct EventIndex {
    /// `offsets[k]`: where line `k * EVERY` starts.
    offsets: Vec<u64>,
    /// Complete lines seen so far, and where the next one starts.
    lines: usize,
    end: u64,
}

impl EventIndex {
    pub(crate) const EVERY: usize = 256;

    /// Up to `limit` events from line `after` on (0-based, counting every
    /// complete line; torn, blank or foreign lines are skipped but counted),
    /// and the line index to ask for next. A last line still being written
    /// is left for the next call.
    pub(crate) fn read(&mut self, path: &Path, after: usize, limit: usize) -> io::Result<(Vec<Event>, usize)> {
        use std::io::{BufRead, Seek, SeekFrom};
        let (mut line, mut pos) = if after >= self.lines {
            (self.lines, self.end)
        } else {
            let k = (after / Self::EVERY).min(self.offsets.len().saturating_sub(1));
            (k * Self::EVERY, self.offsets.get(k).copied().unwrap_or(0))
        };
        let mut file = BufReader::new(File::open(path)?);
        file.seek(SeekFrom::Start(pos))?;
        let mut events = Vec::new();
        let mut buf = Vec::new();
        loop {
            if events.len() >= limit {
                break;
            }
            buf.clear();
            let n = file.read_until(b'\n', &mut buf)?;
            if n == 0 || buf.last() != Some(&b'\n') {
                break; // the end, or a line still being written
            }
            if line % Self::EVERY == 0 && self.offsets.len() == line / Self::EVERY {
                self.offsets.push(pos);
            }
            if line >= after
                && let Ok(ev) = parse_event(buf.trim_ascii())
            {
                events.push(ev);
            }
            pos += n as u64;
            line += 1;
            if line > self.lines {
                (self.lines, self.end) = (line, pos);
            }
        }
        Ok((events, line.max(after)))
    }
}

/// Read every complete event of an `events.jsonl`. A torn or foreign line is
/// reported, not fatal.
pub fn read_events(path: &Path) -> io::Result<EventLog> {
    let mut events = Vec::new();
    let bad_lines = each_event(path, |ev| events.push(ev))?;
    Ok(EventLog { events, bad_lines })
}

/// The first event of an `events.jsonl` that parses (its `run_started`),
/// read without reading the rest.
pub fn first_event(path: &Path) -> io::Result<Option<Event>> {
    let mut reader = BufReader::new(File::open(path)?);
    let mut line = Vec::new();
    while reader.read_until(b'\n', &mut line)? > 0 {
        if let Ok(ev) = parse_event(line.trim_ascii()) {
            return Ok(Some(ev));
        }
        line.clear();
    }
    Ok(None)
}

/// Hand each complete event of an `events.jsonl` to `each` as it is read,
/// so a reader that keeps only part of each event holds only that part: a
/// recording of any size is never in memory whole. Returns the lines that
/// did not parse, with their numbers.
pub fn each_event(path: &Path, mut each: impl FnMut(Event)) -> io::Result<Vec<(usize, String)>> {
    let mut reader = BufReader::new(File::open(path)?);
    let mut bad_lines = Vec::new();
    // Lines as bytes: one line that is not UTF-8 is one bad line, not a
    // refused recording.
    let mut line = Vec::new();
    let mut n = 0;
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line)? == 0 {
            break;
        }
        n += 1;
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match parse_event(&line) {
            Ok(ev) => each(ev),
            Err(e) => bad_lines.push((n, e.to_string())),
        }
    }
    Ok(bad_lines)
}

#[cfg(test)]
mod read_tests {
    #[test]
    fn a_line_that_is_not_utf8_is_one_bad_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("events.jsonl");
        let good = r#"{"type":"step_finished","step":0,"verdict":"pass","duration_ms":1.0}"#;
        let mut bytes = format!("{good}\n").into_bytes();
        bytes.extend_from_slice(b"{\"type\":\"x\xff\xfe\"}\n");
        bytes.extend_from_slice(format!("{good}\n").as_bytes());
        std::fs::write(&path, bytes).unwrap();
        let log = super::read_events(&path).unwrap();
        assert_eq!(log.events.len(), 2, "{:?}", log.bad_lines);
        assert_eq!(log.bad_lines.len(), 1);
        assert_eq!(log.bad_lines[0].0, 2);
    }
}

#[cfg(test)]
impl Recorder {
    /// A recorder that keeps nothing (unit tests).
    pub(crate) fn discard(redactor: Redactor) -> Recorder {
        Recorder {
            path: None,
            file: Mutex::new(None),
            redactor: RwLock::new(redactor),
            next_exchange: AtomicU64::new(1),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{Check, Verdict};

    #[test]
    fn the_event_index_reads_from_any_line_and_leaves_a_torn_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("events.jsonl");
        let line = |i: usize| {
            let ev = Event::Check(Check {
                step: i,
                id: crate::rules::CheckId::Directory,
                verdict: Verdict::Pass,
                message: format!("m{i}"),
                admin_sees: None,
                fix: None,
                exchange: None,
                expected: None,
                actual: None,
            });
            serde_json::to_string(&ev).unwrap() + "\n"
        };
        let text: String = (0..1000).map(line).collect();
        std::fs::write(&path, format!("{text}{}", &line(1000)[..20])).unwrap();
        let step = |e: &Event| match e {
            Event::Check(c) => c.step,
            _ => usize::MAX,
        };
        let mut ix = EventIndex::default();
        let (first, next) = ix.read(&path, 0, 10).unwrap();
        assert_eq!((first.iter().map(step).collect::<Vec<_>>(), next), ((0..10).collect(), 10));
        let (all, next) = ix.read(&path, 10, 5000).unwrap();
        assert_eq!((all.len(), next), (990, 1000), "the torn last line waits");
        let (mid, next) = ix.read(&path, 700, 3).unwrap();
        assert_eq!((mid.iter().map(step).collect::<Vec<_>>(), next), (vec![700, 701, 702], 703), "from a checkpoint");
        std::fs::write(&path, format!("{text}{}", line(1000))).unwrap();
        let (tail, next) = ix.read(&path, 1000, 10).unwrap();
        assert_eq!((tail.iter().map(step).collect::<Vec<_>>(), next), (vec![1000], 1001), "completed later");
        assert_eq!(ix.read(&path, 5000, 10).unwrap(), (Vec::new(), 5000), "beyond the end: nothing, same index");
    }

    #[test]
    fn records_are_redacted_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let rec = Recorder::create(dir.path(), Redactor::new().secret("tok-12345")).unwrap();
        let ev = Event::Check(Check {
            step: 0,
            id: crate::rules::CheckId::Directory,
            verdict: Verdict::Fail,
            message: "server said tok-12345".into(),
            admin_sees: None,
            fix: None,
            exchange: None,
            expected: None,
            actual: None,
        });
        let back = rec.record_redacted(ev).unwrap();
        let Event::Check(c) = back else { panic!("not a check") };
        assert_eq!(c.message, "server said [REDACTED]");
        let text = std::fs::read_to_string(dir.path().join("events.jsonl")).unwrap();
        assert!(!text.contains("tok-12345"));
        let log = read_events(&dir.path().join("events.jsonl")).unwrap();
        assert_eq!(log.events.len(), 1);
    }

    #[test]
    fn exchanges_parse_on_the_fast_path_as_on_the_tagged_one() {
        let line = br#"{"type":"exchange","id":3,"step":1,"line":4,"event":"user_lookup_provision","label":"l","attempt":1,"request":{"method":"GET","url":"http://x/Users","headers":[],"body":null},"response":{"status":200,"headers":[],"body":{"a":[1]},"body_text":null},"error":null,"timing":{"start_ms":1,"duration_ms":0.5}}"#;
        let fast = parse_event(line).unwrap();
        let tagged = serde_json::from_slice::<Event>(line).unwrap();
        assert_eq!(fast, tagged);
        // A line the fast path cannot read gets the tagged parser's error.
        let bad = br#"{"type":"exchange","id":"x"}"#;
        assert_eq!(
            parse_event(bad).unwrap_err().to_string(),
            serde_json::from_slice::<Event>(bad).unwrap_err().to_string()
        );
    }

    #[test]
    fn torn_last_line_is_reported_not_fatal() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("events.jsonl");
        std::fs::write(
            &path,
            "{\"type\":\"step_finished\",\"step\":0,\"verdict\":\"pass\",\"duration_ms\":1.0}\n{\"type\":\"exch",
        )
        .unwrap();
        let log = read_events(&path).unwrap();
        assert_eq!(log.events.len(), 1);
        assert_eq!(log.bad_lines.len(), 1);
        assert_eq!(log.bad_lines[0].0, 2);
    }
}
