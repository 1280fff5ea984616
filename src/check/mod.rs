//! Checks on SP behaviour: findings (their ids and the rule catalogue are
//! `crate::rules`), the per-exchange response rules, and the fix summary that groups findings by root cause.

mod finding;
mod fixes;
mod inspect;

pub(crate) use crate::rules::{CheckId, ExpectKind, RuleId, Severity};
pub use crate::rules::{RULES, Rule, rule_by_id};
pub(crate) use finding::{Finding, finding};
pub(crate) use fixes::{Fix, FixSeverity, fix_summary, notes};
pub use inspect::{InspectOptions, inspect};
