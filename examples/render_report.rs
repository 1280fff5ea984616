//! Render reports outside the CLI (used by scripts/browser.sh):
//!
//! ```text
//! render_report RUN_DIR...                 write report.html, junit.xml, run.har, summary.json
//! render_report --synth N [--hostile] [--cut] DIR   write a synthetic events.jsonl of ~N exchanges, then render it
//! render_report --index OUT_DIR RUN_DIR...  write OUT_DIR/index.html
//! ```
use jcsim::report::{self, synth};
use std::path::PathBuf;
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Err(e) = run(&args) {
        eprintln!("error: {e}");
        std::process::exit(3);
    }
}

fn run(args: &[String]) -> Result<(), Box<dyn std::error::Error>> {
    match args.first().map(String::as_str) {
        Some("--synth") => {
            let n: usize = args.get(1).ok_or("--synth N DIR")?.parse()?;
            let dir = PathBuf::from(args.last().ok_or("--synth N DIR")?);
            let opts = synth::SynthOptions {
                exchanges: n,
                hostile: args.iter().any(|a| a == "--hostile"),
                finish: !args.iter().any(|a| a == "--cut"),
            };
            synth::write(&dir, &synth::events(&opts))?;
            render(&dir)
        }
        Some("--index") => {
            let out = PathBuf::from(args.get(1).ok_or("--index OUT_DIR RUN_DIR...")?);
            let dirs: Vec<PathBuf> = args[2..].iter().map(PathBuf::from).collect();
            println!("{}", report::write_index(&out, &dirs)?.display());
            Ok(())
        }
        Some(_) => {
            for dir in args {
                render(&PathBuf::from(dir))?;
            }
            Ok(())
        }
        None => {
            Err("usage: render_report RUN_DIR... | --synth N [--hostile] [--cut] DIR | --index OUT RUN_DIR...".into())
        }
    }
}

fn render(dir: &std::path::Path) -> Result<(), Box<dyn std::error::Error>> {
    let t = Instant::now();
    let out = report::write_outputs(dir)?;
    let events = std::fs::metadata(dir.join("events.jsonl"))?.len();
    let html = std::fs::metadata(&out.html)?.len();
    println!(
        "{} events.jsonl={events} report.html={html} ratio={:.3} render_ms={}",
        out.html.display(),
        html as f64 / events.max(1) as f64,
        t.elapsed().as_millis()
    );
    Ok(())
}
