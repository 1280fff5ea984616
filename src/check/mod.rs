//! Checks on SP behaviour: the rule catalogue, the per-exchange response
//! rules, and the fix summary that groups findings by root cause.

mod finding;
mod fixes;
mod inspect;
mod rules;

pub(crate) use finding::Finding;
pub(crate) use finding::Severity;
pub(crate) use fixes::{Fix, fix_summary, notes};
pub use inspect::{InspectOptions, inspect};
pub use rules::{RULES, Rule, rule_by_id};
pub(crate) use rules::{RuleId, finding};
