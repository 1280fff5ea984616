//! Recorded traffic read as JumpCloud's: which Directory Insights event a
//! request most likely is ([`classify`]), its shape with generated values
//! normalised ([`shape`]), the behaviour-knob values it shows
//! ([`evidence`]), two recordings compared request by request
//! ([`compare`]) and one read for its knobs ([`infer`]). Pure functions over
//! recorded exchanges: `jcsim proxy`, `jcsim compare` and `jcsim infer` read
//! and write the files.

pub(crate) mod classify;
pub mod compare;
pub(crate) mod evidence;
pub(crate) mod infer;
pub mod shape;

use crate::record::{Event, Exchange, PURPOSE_HEADER};

/// One recorded exchange with the admin action (step) it belongs to.
#[derive(Debug, Clone)]
pub struct Entry {
    pub exchange: Exchange,
    /// The step's title (`remove_from_group: bob from Engineering`), or the
    /// capture's burst for `jcsim proxy` records.
    pub action: String,
}

/// The exchanges of one or more recorded runs, in order, with their steps'
/// titles.
pub fn entries(events: impl IntoIterator<Item = Event>) -> Vec<Entry> {
    let mut titles = std::collections::HashMap::new();
    let mut out = Vec::new();
    for ev in events {
        match ev {
            Event::StepStarted(s) => {
                titles.insert(s.step, s.title);
            }
            Event::RunStarted(_) => titles.clear(),
            Event::Exchange(x) => {
                let action = titles.get(&x.step).cloned().unwrap_or_default();
                out.push(Entry { exchange: x, action });
            }
            _ => {}
        }
    }
    out
}

/// A request jcsim sent for itself (a read-back, a probe, cleanup, a
/// preflight, another knob form): it carries [`PURPOSE_HEADER`].
pub(crate) fn is_jcsim_own(x: &Exchange) -> bool {
    header(&x.request.headers, PURPOSE_HEADER).is_some()
}

/// Only the first attempt of each request: a retry repeats it.
pub(crate) fn is_first_attempt(x: &Exchange) -> bool {
    x.attempt <= 1
}

/// A header's value, by case-insensitive name.
pub(crate) fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
}
