//! The commands behind `jcsim`'s subcommands (the CLI parses, these run).

pub mod cleanup;
pub mod run;
pub mod scenarios;
