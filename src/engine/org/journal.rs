//! The state file on disk: a snapshot of the whole state (`FILE`, JSON,
//! replaced atomically) and a journal beside it (`FILE.journal`, one JSON
//! line per write: what changed, by user id). A write appends one line; the
//! snapshot is rewritten only when the journal outgrows it (compaction), and
//! that file I/O runs on its own thread, off the org's lock.

use crate::directory::{App, Directory, Group, IdGen, OrgSettings, User, UserChange};
use crate::provision::Provisioner;
use crate::scenario::Step;
use serde::{Deserialize, Serialize};
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::thread::JoinHandle;

use super::ImSettings;

/// Version 1: a single file (still loaded); 2: snapshot + journal.
pub(super) const STATE_VERSION: u32 = 2;
/// No compaction while the journal is smaller than this, however small the snapshot.
const MIN_COMPACT_BYTES: u64 = 1 << 20;

/// The whole state, as the snapshot holds it.
#[derive(Serialize, Deserialize)]
pub(super) struct Persisted {
    pub version: u32,
    /// The last journal entry the snapshot includes (0 for a version 1 file).
    #[serde(default)]
    pub seq: u64,
    pub seed: u64,
    pub directory: Directory,
    pub provisioner: Provisioner,
    pub im: ImSettings,
    /// Every action since the state was created, as scenario steps (JSON form).
    pub history: Vec<Step>,
}

/// [`Persisted`], borrowed, for writing.
#[derive(Serialize)]
pub(super) struct Snapshot<'a> {
    pub seed: u64,
    pub directory: &'a Directory,
    pub provisioner: &'a Provisioner,
    pub im: &'a ImSettings,
    pub history: &'a [Step],
}

/// The parts of the state a write seldom changes; journaled whole when they do.
#[derive(Serialize, Deserialize)]
struct Rest<G, A, S, P, I> {
    groups: G,
    app: A,
    settings: S,
    provisioner: P,
    im: I,
}

type RestOwned = Rest<Vec<Group>, App, OrgSettings, Provisioner, ImSettings>;

/// One journal line.
#[derive(Serialize, Deserialize)]
struct Entry<U, D, H, R> {
    seq: u64,
    /// Users created, changed or removed, in order.
    #[serde(default)]
    users: U,
    /// Appended to the directory's deleted users.
    #[serde(default)]
    deleted: D,
    /// Appended to the history.
    #[serde(default)]
    history: H,
    ids: Option<IdGen>,
    rest: Option<R>,
}

type EntryOwned = Entry<Vec<UserChange>, Vec<User>, Vec<Step>, RestOwned>;

fn journal_path(path: &Path) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(".journal");
    PathBuf::from(p)
}

/// The journal being folded into a snapshot that is still being written.
fn old_journal_path(path: &Path) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(".journal.old");
    PathBuf::from(p)
}

/// The state file and its journal, open for writing.
pub(super) struct Store {
    path: PathBuf,
    journal: Option<File>,
    /// The last entry written.
    seq: u64,
    journal_bytes: u64,
    snapshot_bytes: u64,
    /// What the journal already holds of the append-only lists.
    deleted_len: usize,
    history_len: usize,
    ids: Option<IdGen>,
    /// The last journaled (or snapshotted) `Rest`, serialized.
    rest: Vec<u8>,
    /// A snapshot being written off the lock.
    pending: Option<JoinHandle<Result<(), String>>>,
    /// The journal is folded in once larger than the snapshot and than this.
    min_compact: u64,
}

fn err(path: &Path, message: impl std::fmt::Display) -> super::OrgError {
    super::OrgError::State { path: path.display().to_string(), message: message.to_string() }
}

/// Load the snapshot (a version 1 single file too) and replay the journal.
/// A last line cut short by a crash is ignored. Values are read as they were
/// written: a `${VAR}` an admin typed is text, never the environment's.
pub(super) fn load(path: &Path) -> Result<Persisted, super::OrgError> {
    crate::scenario::env::literally(|| load_literally(path))
}

fn load_literally(path: &Path) -> Result<Persisted, super::OrgError> {
    let text = std::fs::read_to_string(path).map_err(|e| err(path, e))?;
    let mut p: Persisted = serde_json::from_str(&text)
        .map_err(|e| err(path, format!("not a jcsim console state file ({e}); move it away to start fresh")))?;
    if !(1..=STATE_VERSION).contains(&p.version) {
        return Err(err(path, format!("unsupported state version {}", p.version)));
    }
    for journal in [old_journal_path(path), journal_path(path)] {
        replay(&journal, &mut p)?;
    }
    Ok(p)
}

fn replay(journal: &Path, p: &mut Persisted) -> Result<(), super::OrgError> {
    let bytes = match std::fs::read(journal) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(err(journal, e)),
    };
    let lines: Vec<&[u8]> = bytes.split(|&b| b == b'\n').collect();
    let last = lines.len().saturating_sub(1);
    for (n, line) in lines.iter().enumerate().filter(|(_, l)| !l.is_empty()) {
        let entry: EntryOwned = match serde_json::from_slice(line) {
            Ok(e) => e,
            // The last line (unterminated, or the last complete one) may be a torn write.
            Err(e) if n + 1 >= last => {
                tracing::warn!(file = %journal.display(), line = n + 1, error = %e, "state journal: torn last line ignored");
                break;
            }
            Err(e) => return Err(err(journal, format!("line {}: {e}", n + 1))),
        };
        if entry.seq > p.seq {
            apply(entry, p);
        }
    }
    Ok(())
}

fn apply(e: EntryOwned, p: &mut Persisted) {
    for change in e.users {
        p.directory.users.apply(change);
    }
    p.directory.deleted.extend(e.deleted);
    p.history.extend(e.history);
    if let Some(ids) = e.ids {
        p.directory.set_id_gen(ids);
    }
    if let Some(r) = e.rest {
        (p.directory.groups, p.directory.app, p.directory.settings) = (r.groups, r.app, r.settings);
        (p.provisioner, p.im) = (r.provisioner, r.im);
    }
    p.seq = e.seq;
}

fn rest_bytes(s: &Snapshot<'_>) -> Result<Vec<u8>, serde_json::Error> {
    let d = s.directory;
    serde_json::to_vec(&Rest {
        groups: &d.groups,
        app: &d.app,
        settings: &d.settings,
        provisioner: s.provisioner,
        im: s.im,
    })
}

/// Write `bytes` to `path` atomically (temp file, fsync, rename), then
/// remove the journals it supersedes.
fn write_snapshot(path: &Path, bytes: &[u8], superseded: &[PathBuf]) -> Result<(), String> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
    }
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    let mut f = File::create(&tmp).map_err(|e| e.to_string())?;
    f.write_all(bytes).and_then(|()| f.sync_all()).map_err(|e| e.to_string())?;
    std::fs::rename(&tmp, path).map_err(|e| e.to_string())?;
    for j in superseded {
        match std::fs::remove_file(j) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e.to_string()),
            _ => {}
        }
    }
    Ok(())
}

impl Store {
    /// A store for `path`, whose state is `seq` entries along; nothing is
    /// written until [`Store::compact`] or [`Store::commit`].
    pub(super) fn new(path: PathBuf, seq: u64) -> Store {
        Store {
            path,
            journal: None,
            seq,
            journal_bytes: 0,
            snapshot_bytes: 0,
            deleted_len: 0,
            history_len: 0,
            ids: None,
            rest: Vec::new(),
            pending: None,
            min_compact: MIN_COMPACT_BYTES,
        }
    }

    /// Save what changed since the last save: one journal line (nothing when
    /// nothing changed). `users` is `None` when the user changes cannot be
    /// told one by one; then, as when the journal outgrows the snapshot, the
    /// whole state is written.
    pub(super) fn commit(&mut self, users: Option<Vec<UserChange>>, s: &Snapshot<'_>) -> Result<(), super::OrgError> {
        let d = s.directory;
        let Some(users) = users.filter(|_| {
            self.journal.is_some() && d.deleted.len() >= self.deleted_len && s.history.len() >= self.history_len
        }) else {
            return self.compact(s, false);
        };
        let rest = rest_bytes(s).map_err(|e| err(&self.path, e))?;
        let rest_changed = rest != self.rest;
        let ids = (self.ids.as_ref() != Some(d.id_gen())).then(|| d.id_gen().clone());
        let (deleted, history) = (&d.deleted[self.deleted_len..], &s.history[self.history_len..]);
        if users.is_empty() && deleted.is_empty() && history.is_empty() && ids.is_none() && !rest_changed {
            return Ok(());
        }
        let rest_value = rest_changed.then_some(Rest {
            groups: &d.groups,
            app: &d.app,
            settings: &d.settings,
            provisioner: s.provisioner,
            im: s.im,
        });
        let entry = Entry { seq: self.seq + 1, users: &users, deleted, history, ids: ids.clone(), rest: rest_value };
        let mut line = serde_json::to_vec(&entry).map_err(|e| err(&self.path, e))?;
        line.push(b'\n');
        let journal = journal_path(&self.path);
        let file = self.journal.as_mut().ok_or_else(|| err(&journal, "journal not open"))?;
        // One write of a whole line: a crash leaves at most a torn last line.
        file.write_all(&line).map_err(|e| err(&journal, e))?;
        self.seq += 1;
        self.journal_bytes += line.len() as u64;
        (self.deleted_len, self.history_len) = (d.deleted.len(), s.history.len());
        if let Some(ids) = ids {
            self.ids = Some(ids);
        }
        if rest_changed {
            self.rest = rest;
        }
        if self.journal_bytes > self.snapshot_bytes.max(self.min_compact) {
            self.compact(s, true)?;
        }
        Ok(())
    }

    /// Fold the journal into a new snapshot. The state is serialized here
    /// (under the caller's lock, so it is consistent); with `background`,
    /// the file is written on its own thread while new writes go to a fresh
    /// journal, and the old journal is kept until the snapshot is in place.
    pub(super) fn compact(&mut self, s: &Snapshot<'_>, background: bool) -> Result<(), super::OrgError> {
        let earlier_failed = self.wait();
        let p = snapshot_json(self.seq, s);
        let bytes = serde_json::to_vec(&p).map_err(|e| err(&self.path, e))?;
        let (journal, old) = (journal_path(&self.path), old_journal_path(&self.path));
        self.journal = None;
        let background = background && !earlier_failed && !old.exists();
        if background {
            if journal.exists() {
                std::fs::rename(&journal, &old).map_err(|e| err(&journal, e))?;
            }
            let path = self.path.clone();
            let (size, superseded) = (bytes.len(), vec![old]);
            self.pending = Some(std::thread::spawn(move || write_snapshot(&path, &bytes, &superseded)));
            self.snapshot_bytes = size as u64;
        } else {
            write_snapshot(&self.path, &bytes, &[old, journal.clone()]).map_err(|e| err(&self.path, e))?;
            self.snapshot_bytes = bytes.len() as u64;
        }
        let file = OpenOptions::new().create(true).append(true).open(&journal).map_err(|e| err(&journal, e))?;
        self.journal = Some(file);
        self.journal_bytes = 0;
        (self.deleted_len, self.history_len) = (s.directory.deleted.len(), s.history.len());
        self.ids = Some(s.directory.id_gen().clone());
        self.rest = rest_bytes(s).map_err(|e| err(&self.path, e))?;
        Ok(())
    }

    /// Write the whole state as the snapshot and remove the journal: what a
    /// clean shutdown leaves is a single file.
    pub(super) fn close(&mut self, s: &Snapshot<'_>) -> Result<(), super::OrgError> {
        self.compact(s, false)?;
        self.journal = None;
        let journal = journal_path(&self.path);
        std::fs::remove_file(&journal).map_err(|e| err(&journal, e))
    }

    /// Wait for a snapshot being written; true when it failed (logged; the
    /// journals it would have replaced are still there).
    pub(super) fn wait(&mut self) -> bool {
        let Some(handle) = self.pending.take() else {
            return false;
        };
        let result = handle.join().unwrap_or_else(|_| Err("the snapshot writer panicked".to_string()));
        if let Err(e) = &result {
            tracing::error!(file = %self.path.display(), error = %e, "state snapshot not written; the journal is kept");
        }
        result.is_err()
    }
}

/// The snapshot's JSON: [`Persisted`]'s fields, borrowed.
fn snapshot_json<'a>(seq: u64, s: &'a Snapshot<'a>) -> impl Serialize + 'a {
    #[derive(Serialize)]
    struct P<'a> {
        version: u32,
        seq: u64,
        seed: u64,
        directory: &'a Directory,
        provisioner: &'a Provisioner,
        im: &'a ImSettings,
        history: &'a [Step],
    }
    P {
        version: STATE_VERSION,
        seq,
        seed: s.seed,
        directory: s.directory,
        provisioner: s.provisioner,
        im: s.im,
        history: s.history,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::UserSpec;
    use serde_json::Value;

    /// A state in memory, as `Org` holds it.
    struct Mem {
        dir: Directory,
        prov: Provisioner,
        im: ImSettings,
        history: Vec<Step>,
    }

    impl Mem {
        fn new() -> Mem {
            let s =
                crate::lint::load_str("name: t\ndirectory:\n  groups: [{ name: Eng }]\nsteps: [verify]\n", "t.yaml")
                    .unwrap();
            let mut dir = Directory::from_scenario(&s, 3).unwrap();
            dir.users.generate(9, 30, "gen.test", crate::directory::UserState::Activated, None);
            dir.users.track_changes();
            let prov = Provisioner::new(Default::default(), 3);
            Mem { dir, prov, im: ImSettings::new("http://127.0.0.1:1"), history: Vec::new() }
        }

        fn snapshot(&self) -> Snapshot<'_> {
            Snapshot { seed: 3, directory: &self.dir, provisioner: &self.prov, im: &self.im, history: &self.history }
        }

        fn save(&mut self, store: &mut Store) {
            let users = self.dir.users.take_changes();
            store.commit(users, &self.snapshot()).unwrap();
        }

        /// The `n`th write: create, change, delete users, join a group, settings.
        fn write(&mut self, n: usize) {
            let name = format!("user{n}");
            let spec =
                UserSpec { username: Some(name.clone()), email: Some(format!("{name}@x.test")), ..Default::default() };
            match n % 5 {
                0 | 1 => {
                    self.dir.create_user(&spec).unwrap();
                }
                2 => {
                    let pos = self.dir.users.positions().nth(n % 7).unwrap();
                    let mut u = self.dir.users.get_mut(pos).unwrap();
                    u.job_title = format!("Title {n}").into();
                    u.username = format!("renamed{n}").into();
                }
                3 => {
                    let victim = self.dir.users.at(self.dir.users.positions().nth(n % 11).unwrap()).unwrap();
                    let victim = victim.username.to_string();
                    self.dir.delete_user(&victim).unwrap();
                }
                _ => {
                    let someone = self.dir.users.at(self.dir.users.positions().next().unwrap()).unwrap();
                    let someone = someone.username.to_string();
                    self.dir.add_member(&someone, "Eng").unwrap();
                    self.im.base_url = format!("http://sp.test/{n}");
                }
            }
            let group = crate::scenario::GroupSpec { name: format!("write {n} ${{HOME}}"), members: Vec::new() };
            self.history.push(Step {
                action: crate::scenario::Action::CreateGroup(group),
                expect: None,
                line: 0,
                col: 0,
            });
        }

        fn json(&self) -> Value {
            serde_json::to_value(self.snapshot()).unwrap()
        }
    }

    fn loaded_json(path: &Path) -> Value {
        let p = load(path).unwrap();
        let s = Snapshot {
            seed: p.seed,
            directory: &p.directory,
            provisioner: &p.provisioner,
            im: &p.im,
            history: &p.history,
        };
        let mut v = serde_json::to_value(s).unwrap();
        // The id generator is private to the directory: compare what it makes next.
        let mut d = p.directory.clone();
        v["next_id"] = d.new_id().to_string().into();
        v
    }

    fn mem_json(m: &Mem) -> Value {
        let mut v = m.json();
        v["next_id"] = m.dir.clone().new_id().to_string().into();
        v
    }

    fn started(tmp: &tempfile::TempDir) -> (Mem, Store, PathBuf) {
        let path = tmp.path().join("state.json");
        let mut mem = Mem::new();
        let mut store = Store::new(path.clone(), 0);
        mem.save(&mut store);
        (mem, store, path)
    }

    #[test]
    fn replaying_the_journal_gives_the_state_in_memory() {
        let tmp = tempfile::tempdir().unwrap();
        let (mut mem, mut store, path) = started(&tmp);
        let snapshot = std::fs::read(&path).unwrap();
        for n in 0..40 {
            mem.write(n);
            mem.save(&mut store);
            assert_eq!(loaded_json(&path), mem_json(&mem), "after write {n}");
        }
        assert_eq!(std::fs::read(&path).unwrap(), snapshot, "writes only append to the journal");
        let lines = std::fs::read_to_string(journal_path(&path)).unwrap().lines().count();
        assert_eq!(lines, 40, "one line per write");
        mem.save(&mut store);
        assert_eq!(std::fs::read_to_string(journal_path(&path)).unwrap().lines().count(), 40, "no change, no line");
    }

    #[test]
    fn a_torn_last_line_is_ignored_and_a_corrupt_one_before_it_is_an_error() {
        let tmp = tempfile::tempdir().unwrap();
        let (mut mem, mut store, path) = started(&tmp);
        for n in 0..6 {
            mem.write(n);
            mem.save(&mut store);
        }
        let expected = mem_json(&mem);
        let journal = journal_path(&path);
        let good = std::fs::read(&journal).unwrap();
        mem.write(6);
        mem.save(&mut store);
        let full = std::fs::read(&journal).unwrap();
        for cut in [good.len() + 1, good.len() + (full.len() - good.len()) / 2] {
            std::fs::write(&journal, &full[..cut]).unwrap();
            assert_eq!(loaded_json(&path), expected, "cut at {cut}");
        }
        // Whole but for its newline: the write happened, and is kept.
        std::fs::write(&journal, &full[..full.len() - 1]).unwrap();
        assert_eq!(loaded_json(&path), mem_json(&mem));
        // Break the first line's closing brace: invalid JSON whatever the line holds.
        let mut corrupt = good.clone();
        let first_end = good.iter().position(|b| *b == b'\n').unwrap();
        assert_eq!(corrupt[first_end - 1], b'}');
        corrupt[first_end - 1] = b'x';
        corrupt.extend_from_slice(&full[good.len()..]);
        std::fs::write(&journal, &corrupt).unwrap();
        assert!(load(&path).is_err(), "a corrupt line that is not the last is not skipped silently");
    }

    #[test]
    fn compaction_folds_the_journal_into_the_snapshot() {
        let tmp = tempfile::tempdir().unwrap();
        let (mut mem, mut store, path) = started(&tmp);
        store.min_compact = 4096;
        let mut compactions = 0;
        for n in 0..300 {
            mem.write(n);
            let before = store.journal_bytes;
            mem.save(&mut store);
            if store.journal_bytes < before {
                compactions += 1;
                store.wait();
                assert!(!old_journal_path(&path).exists(), "the folded journal is removed");
                assert_eq!(loaded_json(&path), mem_json(&mem), "right after compaction {n}");
            }
        }
        assert!(compactions >= 2, "the journal outgrew the snapshot: {compactions} compactions");
        assert!(store.journal_bytes <= store.snapshot_bytes.max(store.min_compact));
        store.wait();
        assert_eq!(loaded_json(&path), mem_json(&mem));
        store.close(&mem.snapshot()).unwrap();
        assert!(!journal_path(&path).exists(), "a clean close leaves a single file");
        assert_eq!(loaded_json(&path), mem_json(&mem));
    }

    #[test]
    fn entries_the_snapshot_already_holds_are_not_applied_twice() {
        let tmp = tempfile::tempdir().unwrap();
        let (mut mem, mut store, path) = started(&tmp);
        for n in 0..10 {
            mem.write(n);
            mem.save(&mut store);
        }
        // A crash after the snapshot was renamed, before the old journal was removed.
        let journal = std::fs::read(journal_path(&path)).unwrap();
        store.compact(&mem.snapshot(), false).unwrap();
        std::fs::write(old_journal_path(&path), journal).unwrap();
        assert_eq!(loaded_json(&path), mem_json(&mem));
    }

    #[test]
    fn a_version_1_single_file_still_loads() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("state.json");
        let mut mem = Mem::new();
        mem.write(0);
        let mut v1 = mem.json();
        v1["version"] = 1.into();
        std::fs::write(&path, serde_json::to_string_pretty(&v1).unwrap()).unwrap();
        let p = load(&path).unwrap();
        assert_eq!((p.seq, p.history.len()), (0, 1));
        assert_eq!(loaded_json(&path), mem_json(&mem));
    }
}
