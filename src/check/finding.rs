//! What a check found about the SP: a rule id, a severity, the message,
//! what the JumpCloud admin sees and how to fix it.

use serde_json::Value;

use crate::rules::{CheckId, RuleId, Severity};

/// Something the model noticed about the SP's behaviour.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub id: CheckId,
    pub(crate) severity: Severity,
    pub message: String,
    pub(crate) admin_sees: Option<String>,
    pub(crate) fix: Option<String>,
    pub(crate) exchange: Option<u64>,
    pub(crate) expected: Option<Value>,
    pub(crate) actual: Option<Value>,
}

impl Finding {
    /// An error that no rule of the catalogue describes (the directory
    /// refused the action, a raw request failed, an interrupt).
    pub(crate) fn error(id: CheckId, message: impl Into<String>) -> Self {
        Finding {
            id,
            severity: Severity::Error,
            message: message.into(),
            admin_sees: None,
            fix: None,
            exchange: None,
            expected: None,
            actual: None,
        }
    }

    pub(crate) fn admin(mut self, sees: impl Into<String>) -> Self {
        self.admin_sees = Some(sees.into());
        self
    }

    pub(crate) fn fix(mut self, fix: impl Into<String>) -> Self {
        self.fix = Some(fix.into());
        self
    }

    pub(crate) fn exchange(mut self, id: u64) -> Self {
        self.exchange = Some(id);
        self
    }

    pub(crate) fn diff(mut self, expected: Value, actual: Value) -> Self {
        self.expected = Some(expected);
        self.actual = Some(actual);
        self
    }
}

/// A finding for rule `id`, with the catalogue's severity, JumpCloud symptom and fix.
pub(crate) fn finding(id: RuleId, message: impl Into<String>) -> Finding {
    let r = id.rule();
    Finding { severity: r.severity, ..Finding::error(CheckId::Rule(id), message) }.admin(r.jumpcloud).fix(r.fix)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn findings_take_severity_and_advice_from_the_catalogue() {
        let f = finding(RuleId::ContentType, "x");
        assert_eq!(f.severity, Severity::Warning);
        assert!(f.fix.unwrap().contains("application/scim+json"));
        assert_eq!(finding(RuleId::IdString, "x").severity, Severity::Error);
        assert_eq!(finding(RuleId::PatchNoContent, "x").severity, Severity::Info);
    }
}
