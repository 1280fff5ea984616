//! Golden files: compare output with a committed file, print where they
//! differ, and rewrite the file with `UPDATE_GOLDEN=1`. Shared by the unit
//! tests (`#[path]`) and `tests/it`.

use std::path::Path;

/// Compare `actual` with the file at `path`; `UPDATE_GOLDEN=1` rewrites it.
pub fn check(path: &Path, actual: &str) {
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(path)
        .unwrap_or_else(|_| panic!("missing golden file {} (run with UPDATE_GOLDEN=1)", path.display()));
    if expected != actual {
        panic!("golden file {} differs (UPDATE_GOLDEN=1 to accept):\n{}", path.display(), diff(&expected, actual));
    }
}

/// The lines around the first difference: `-` the golden file, `+` the output.
pub fn diff(expected: &str, actual: &str) -> String {
    let e: Vec<&str> = expected.lines().collect();
    let a: Vec<&str> = actual.lines().collect();
    let first = e.iter().zip(&a).position(|(x, y)| x != y).unwrap_or(e.len().min(a.len()));
    // The first line both agree on again after the difference, if any.
    let (mut end_e, mut end_a) = (e.len(), a.len());
    'search: for i in first..e.len() {
        for j in first..a.len() {
            if e[i] == a[j] && e[i..].iter().zip(&a[j..]).take(3).all(|(x, y)| x == y) {
                (end_e, end_a) = (i, j);
                break 'search;
            }
        }
    }
    let from = first.saturating_sub(3);
    let mut out = format!("@@ line {} @@\n", first + 1);
    for line in &e[from..first] {
        out.push_str(&format!("  {line}\n"));
    }
    for line in e[first..end_e].iter().take(40) {
        out.push_str(&format!("- {line}\n"));
    }
    for line in a[first..end_a].iter().take(40) {
        out.push_str(&format!("+ {line}\n"));
    }
    for line in e[end_e..].iter().take(3) {
        out.push_str(&format!("  {line}\n"));
    }
    if expected.len() != actual.len() && expected.trim_end() == actual.trim_end() {
        out.push_str("(only trailing whitespace differs)\n");
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_diff_shows_the_changed_lines_with_context() {
        let d = super::diff("a\nb\nc\nd\ne\nf\n", "a\nb\nX\nd\ne\nf\n");
        assert!(d.starts_with("@@ line 3 @@\n  a\n  b\n- c\n+ X\n  d\n"), "{d}");
        let d = super::diff("a\nb\n", "a\nb\nc\n");
        assert!(d.contains("+ c"), "{d}");
    }
}
