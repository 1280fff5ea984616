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
    let mut b = Entries::default();
    events.into_iter().for_each(|ev| b.push(ev));
    b.finish()
}

/// [`entries`] built one event at a time, as a recording is read, keeping of
/// each exchange only what comparing and inferring read: the request (its
/// body only when it is JumpCloud's first attempt), the response's status and
/// the `id` it answered. Response bodies (whole lists, in a large run) are
/// dropped as they arrive, so memory follows the requests compared, not the
/// recording's size.
#[derive(Default)]
pub struct Entries {
    titles: std::collections::HashMap<usize, String>,
    out: Vec<Entry>,
}

impl Entries {
    pub fn push(&mut self, ev: Event) {
        match ev {
            Event::StepStarted(s) => {
                self.titles.insert(s.step, s.title);
            }
            Event::RunStarted(_) => self.titles.clear(),
            Event::Exchange(mut x) => {
                slim(&mut x);
                let action = self.titles.get(&x.step).cloned().unwrap_or_default();
                self.out.push(Entry { exchange: x, action });
            }
            _ => {}
        }
    }

    pub fn finish(self) -> Vec<Entry> {
        self.out
    }
}

/// Drop what no comparison or inference reads.
fn slim(x: &mut Exchange) {
    if let Some(res) = &mut x.response {
        res.headers = Vec::new();
        res.body_text = None;
        res.body = res.body.take().and_then(|b| b.get("id").cloned()).map(|id| serde_json::json!({ "id": id }));
    }
    if !is_first_attempt(x) || is_jcsim_own(x) {
        x.request.body = None;
    }
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

#[cfg(test)]
mod tests {
    use super::evidence::tests::x;
    use crate::record::{Event, PURPOSE_HEADER};
    use serde_json::json;

    #[test]
    fn entries_keep_only_what_comparing_reads() {
        let user = json!({ "userName": "a@x" });
        let mut created =
            x("POST", "http://h/Users", Some(user.clone()), Some(json!({ "id": "u1", "userName": "a@x" })));
        created.response.as_mut().unwrap().headers = vec![("ETag".into(), "W/\"1\"".into())];
        let mut list = x("GET", "http://h/Users", None, Some(json!({ "Resources": [{ "id": "u1" }] })));
        list.response.as_mut().unwrap().body_text = Some("raw".into());
        let mut own = x("POST", "http://h/Users", Some(user.clone()), None);
        own.request.headers.push((PURPOSE_HEADER.into(), "read-back".into()));
        let mut retry = x("POST", "http://h/Users", Some(user.clone()), None);
        retry.attempt = 2;
        let got = super::entries([created, list, own, retry].map(Event::Exchange));
        let bodies: Vec<_> = got.iter().map(|e| e.exchange.request.body.clone()).collect();
        assert_eq!(bodies, [Some(user), None, None, None]);
        let res: Vec<_> = got.iter().map(|e| e.exchange.response.clone().unwrap()).collect();
        assert_eq!(res[0].body, Some(json!({ "id": "u1" })));
        assert!(res[0].headers.is_empty());
        assert_eq!((res[1].body.as_ref(), res[1].body_text.as_ref()), (None, None));
    }
}
