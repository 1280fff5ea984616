//! Lists and searches over the store: candidates (indexed on userName and
//! displayName `eq`), then the shared sorting, paging and projection of
//! `scim::list`.

use super::render::{Item, ListResponse, Rendered};
use super::store::{Kind, Resource, Store};
use crate::scim::filter::{CompareOp, Filter, Literal, default_case_exact};
pub(crate) use crate::scim::list::{ListQuery, MAX_RESULTS, Projection, project};
use crate::scim::list::{compare_keys, sort_key};
use serde_json::Value;

/// `Some(name)` when the filter pins the unique name attribute with `eq`, so the index can answer.
fn indexed(f: &Filter, kind: Kind) -> Option<&str> {
    match f {
        Filter::Compare(path, CompareOp::Eq, Literal::Str(s))
            if path.is_core() && path.sub.is_none() && path.name.eq_ignore_ascii_case(kind.name_attr()) =>
        {
            Some(s)
        }
        Filter::And(parts) => parts.iter().find_map(|p| indexed(p, kind)),
        _ => None,
    }
}

/// How a quirky SP deviates from RFC 7644 §3.4.2 when it lists.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct ListQuirks {
    /// `case_sensitive_filter`: every string comparison is case-exact, the
    /// case-insensitive `userName` included (RFC 7643 §4.1.1 says otherwise).
    pub(crate) case_sensitive: bool,
    /// `ignore_start_index`: every page starts at the first result.
    pub(crate) ignore_start_index: bool,
}

fn candidates<'s>(store: &'s Store, kind: Kind, f: Option<&Filter>, quirks: ListQuirks) -> Vec<&'s Resource> {
    if quirks.case_sensitive {
        let exact = |_: &str| true;
        return store.iter(kind).filter(|r| f.is_none_or(|f| f.matches(&r.doc, &exact))).collect();
    }
    let matches = |r: &&Resource| f.is_none_or(|f| f.matches(&r.doc, &default_case_exact));
    match f.and_then(|f| indexed(f, kind)) {
        // The filter is just the indexed comparison: the index answers it exactly.
        // (It folds names with `to_lowercase`, which is what the evaluator's
        // case-insensitive `eq` does too: ASCII lowercasing of an ASCII string
        // is the same thing.)
        Some(name) if matches!(f, Some(Filter::Compare(..))) => store.find_by_name(kind, name).into_iter().collect(),
        Some(name) => store.find_by_name(kind, name).into_iter().filter(matches).collect(),
        None => store.iter(kind).filter(matches).collect(),
    }
}

/// Runs a list/search over `kinds` and returns the ListResponse (borrowing the store).
pub(crate) fn run<'s>(
    store: &'s Store,
    kinds: &[Kind],
    q: &ListQuery,
    base: &'s str,
    numeric_ids: bool,
    quirks: ListQuirks,
) -> ListResponse<'s> {
    let mut hits: Vec<(Kind, &Resource)> = Vec::new();
    for &kind in kinds {
        hits.extend(candidates(store, kind, q.filter.as_ref(), quirks).into_iter().map(|r| (kind, r)));
    }
    if let Some(path) = &q.sort_by {
        let exact = default_case_exact(&path.key());
        let mut keyed: Vec<(Option<Value>, (Kind, &Resource))> =
            hits.into_iter().map(|h| (sort_key(&h.1.doc, path), h)).collect();
        keyed.sort_by(|a, b| compare_keys(a.0.as_ref(), b.0.as_ref(), exact, q.descending));
        hits = keyed.into_iter().map(|(_, h)| h).collect();
    }
    let total = hits.len();
    let whole = q.projection.is_empty();
    let start = if quirks.ignore_start_index { 1 } else { q.start };
    let page: Vec<Item<'s>> = hits
        .into_iter()
        .skip(start - 1)
        .take(q.count)
        .map(|(kind, r)| {
            if whole {
                Item::Resource(Rendered { kind, r, base, numeric_ids, cache: true })
            } else {
                Item::Value(project(store.render(kind, r, base, numeric_ids), &q.projection))
            }
        })
        .collect();
    ListResponse { resources: page, start_index: q.start, total_results: total }
}
