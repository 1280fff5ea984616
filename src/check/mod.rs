//! Checks on SP behaviour: the rule catalogue, the per-exchange response
//! rules, and the fix summary that groups findings by root cause.

mod finding;
mod fixes;
mod inspect;
mod rules;

pub use finding::{Finding, Severity};
pub use fixes::{Fix, fix_summary};
pub use inspect::{InspectOptions, inspect};
pub use rules::{RULES, Rule, RuleId, finding, rule_by_id};
