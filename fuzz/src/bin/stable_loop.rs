//! The fuzz targets without libFuzzer, for machines without a nightly
//! toolchain: a bounded random loop per target that mutates the seed corpus
//! (`fuzz/seeds/<target>`) and the libFuzzer corpus if present. No coverage
//! guidance, so it finds less than `cargo fuzz run`; it is a fallback.
//!
//! `stable_loop SECONDS [TARGET...]`: every target (or those named) for SECONDS
//! each. A panic saves the input under `fuzz/artifacts/<target>/` and exits 1.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

type Target = fn(&[u8]);

const TARGETS: [(&str, Target); 4] = [
    ("scenario_loader", jcsim_fuzz::scenario_loader),
    ("scim_filter", jcsim_fuzz::scim_filter),
    ("patch_path", jcsim_fuzz::patch_path),
    ("sp_response", jcsim_fuzz::sp_response),
];

/// Tokens spliced into inputs: the structure each parser cares about.
const DICT: &[&str] = &[
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    "\"",
    "\\u",
    "\\ud83d",
    ":",
    ": ",
    "- ",
    "\n",
    "\n  ",
    " and ",
    " or ",
    "not ",
    " eq ",
    " pr",
    " co ",
    " gt ",
    ".value",
    "$ref",
    "urn:ietf:params:scim:schemas:core:2.0:User:",
    "${X}",
    "${X:-d}",
    "&a ",
    "*a",
    "!!map ",
    "? ",
    "|\n",
    "null",
    "true",
    "1e999",
    "-0",
    "\u{0}",
    "\u{feff}",
    "é",
    "\u{10ffff}",
    "\t",
    "\r\n",
    "\u{ff}",
    "steps:",
    "activate",
    "bind_group",
    "expect:",
    "Operations",
    "\"op\":\"add\"",
    "\"path\":",
    "\"value\":",
    "\"id\":",
    "\"Resources\":",
    "\"totalResults\":",
    "\u{fe}",
];

/// xorshift64*: small, seedable, good enough to pick mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { (self.next() % n as u64) as usize }
    }
}

fn mutate(rng: &mut Rng, corpus: &[Vec<u8>]) -> Vec<u8> {
    let mut data = if corpus.is_empty() || rng.below(8) == 0 {
        (0..rng.below(64)).map(|_| rng.next() as u8).collect()
    } else {
        corpus[rng.below(corpus.len())].clone()
    };
    for _ in 0..1 + rng.below(6) {
        let at = rng.below(data.len() + 1);
        match rng.below(7) {
            0 if !data.is_empty() => {
                let i = rng.below(data.len());
                data[i] ^= 1 << rng.below(8);
            }
            1 if !data.is_empty() => {
                let end = (at + 1 + rng.below(16)).min(data.len());
                data.drain(at.min(end)..end);
            }
            2 => {
                let tok = DICT[rng.below(DICT.len())].as_bytes();
                data.splice(at..at, tok.iter().copied());
            }
            3 => {
                // Repeat a token many times: deep nesting and long runs.
                let tok = DICT[rng.below(DICT.len())].as_bytes();
                let n = 1 + rng.below(2_000);
                let rep: Vec<u8> = tok.iter().copied().cycle().take(tok.len() * n).collect();
                data.splice(at..at, rep);
            }
            4 if !corpus.is_empty() => {
                let other = &corpus[rng.below(corpus.len())];
                let from = rng.below(other.len() + 1);
                let to = (from + rng.below(64)).min(other.len());
                data.splice(at..at, other[from..to].iter().copied());
            }
            5 => data.truncate(at),
            _ => data.insert(at.min(data.len()), rng.next() as u8),
        }
    }
    data.truncate(64 * 1024);
    data
}

fn read_dir(dir: &Path) -> Vec<Vec<u8>> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    entries.filter_map(|e| e.ok()).filter_map(|e| std::fs::read(e.path()).ok()).collect()
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let secs: u64 = args.first().and_then(|s| s.parse().ok()).unwrap_or(60);
    let only: Vec<&str> = args.iter().skip(1).map(String::as_str).collect();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let seed =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(1, |d| d.as_nanos() as u64) | 1;
    println!(
        "stable_loop: random-mutation loop on stable Rust (no coverage guidance), seed {seed}, {secs} s per target"
    );
    // A panic is reported by the loop, not printed by the default hook for every hit.
    std::panic::set_hook(Box::new(|_| {}));
    let mut failed = false;
    for (name, target) in TARGETS.iter().filter(|(n, _)| only.is_empty() || only.contains(n)) {
        let mut corpus = read_dir(&root.join("seeds").join(name));
        corpus.extend(read_dir(&root.join("corpus").join(name)));
        let mut rng = Rng(seed ^ name.len() as u64);
        let (start, mut execs) = (Instant::now(), 0u64);
        let mut crash = None;
        while start.elapsed() < Duration::from_secs(secs) {
            let input = mutate(&mut rng, &corpus);
            execs += 1;
            if catch_unwind(AssertUnwindSafe(|| target(&input))).is_err() {
                crash = Some(input);
                break;
            }
        }
        let took = start.elapsed().as_secs_f64();
        match crash {
            None => println!("{name}: {execs} inputs in {took:.1} s, no panic"),
            Some(input) => {
                failed = true;
                let dir = root.join("artifacts").join(name);
                let _ = std::fs::create_dir_all(&dir);
                let path = dir.join(format!("crash-stable-{seed:x}-{execs}"));
                let _ = std::fs::write(&path, &input);
                let _ = std::panic::take_hook();
                println!("{name}: PANIC after {execs} inputs; input saved to {}", path.display());
                let _ = catch_unwind(AssertUnwindSafe(|| target(&input)));
            }
        }
    }
    std::process::exit(i32::from(failed));
}
