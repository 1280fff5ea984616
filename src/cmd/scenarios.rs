//! `jcsim scenarios list|export`: the built-in suite.

use crate::cli::ScenariosCommand;
use crate::record::Exit;
use crate::scenario::builtin;
use std::io::Write;

pub(crate) fn main(command: ScenariosCommand) -> anyhow::Result<Exit> {
    match command {
        ScenariosCommand::List => {
            let all = match crate::lint::builtin() {
                Ok(all) => all,
                Err(e) => {
                    eprintln!("{e}");
                    return Ok(Exit::Invalid);
                }
            };
            let mut text = Vec::new();
            for s in &all {
                let runs = match (s.quirks(), s.emulates()) {
                    ([], _) => "any SP".to_string(),
                    (q, Some(vendor)) => {
                        format!("any SP (emulates {vendor} on the embedded SP with quirks: {})", q.join(", "))
                    }
                    (q, None) => format!("embedded SP only (quirks: {})", q.join(", ")),
                };
                let file = s.source.file.strip_prefix(builtin::PREFIX).unwrap_or(&s.source.file);
                let steps = crate::term::plural(s.steps.len() as u64, "step");
                writeln!(text, "{file:<44} {:<48} {steps:>8}  {runs}", s.name)?;
            }
            super::print_stdout(&text)?;
            Ok(Exit::Pass)
        }
        ScenariosCommand::Export { dir, force } => match builtin::export(&dir, force) {
            Ok(written) => {
                println!("wrote {} below {}", crate::term::plural(written.len() as u64, "scenario"), dir.display());
                Ok(Exit::Pass)
            }
            Err(e) => {
                eprintln!("error: jcsim scenarios export {}: {e}", dir.display());
                Ok(Exit::Invalid)
            }
        },
    }
}
