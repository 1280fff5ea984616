//! The built-in suite: the repository's `scenarios/`, compiled into the
//! binary at build time, so an installed `jcsim` can test an SP with no files.

use std::path::Path;

include!(concat!(env!("OUT_DIR"), "/builtin_scenarios.rs"));

/// The prefix naming a built-in scenario in reports (`builtin:lifecycle/02-activate.yaml`).
pub(crate) const PREFIX: &str = "builtin:";

/// The built-in scenarios a `builtin:` name selects, in suite order. Any
/// name the output prints works: `builtin:lifecycle/05-bind-group.yaml`,
/// the repository path `builtin:scenarios/lifecycle/05-bind-group.yaml`, a
/// folder (`builtin:lifecycle`, `builtin:lifecycle/`), the file without its
/// extension, or `builtin:` alone for the whole suite.
pub(crate) fn select(name: &str) -> Result<Vec<(&'static str, &'static str)>, String> {
    let path = name.strip_prefix(PREFIX).unwrap_or(name).trim().trim_start_matches("./").trim_matches('/');
    let path = path.strip_prefix("scenarios").filter(|p| p.is_empty() || p.starts_with('/')).unwrap_or(path);
    let path = path.trim_matches('/');
    if path.is_empty() {
        return Ok(FILES.to_vec());
    }
    let files: Vec<_> = FILES
        .iter()
        .filter(|(p, _)| {
            *p == path
                || p.strip_suffix(".yaml").or_else(|| p.strip_suffix(".yml")) == Some(path)
                || p.strip_prefix(path).is_some_and(|rest| rest.starts_with('/'))
        })
        .copied()
        .collect();
    if !files.is_empty() {
        return Ok(files);
    }
    let mut names: Vec<&str> = FILES.iter().map(|(p, _)| *p).collect();
    names.extend(FILES.iter().filter_map(|(p, _)| p.split_once('/').map(|(d, _)| d)));
    let hint = crate::suggest::suggest(path, names.iter().copied())
        .map(|s| format!("; did you mean `{PREFIX}{s}`?"))
        .unwrap_or_else(|| "; `jcsim scenarios list` shows the suite".to_string());
    Err(format!("no built-in scenario or folder `{PREFIX}{path}`{hint}"))
}

/// Write every built-in scenario below `dir`, as `dir/<path>`. Existing files
/// are left alone unless `force`; returns the paths written.
pub(crate) fn export(dir: &Path, force: bool) -> std::io::Result<Vec<std::path::PathBuf>> {
    if !force {
        let clashes: Vec<String> =
            FILES.iter().map(|(p, _)| dir.join(p)).filter(|p| p.exists()).map(|p| p.display().to_string()).collect();
        if !clashes.is_empty() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                format!("{} already exist(s), e.g. {} (use --force to overwrite)", clashes.len(), clashes[0]),
            ));
        }
    }
    let mut written = Vec::new();
    for (p, text) in FILES {
        let dest = dir.join(p);
        if let Some(parent) = dest.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&dest, text)?;
        written.push(dest);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_suite_is_the_scenarios_directory_lifecycle_first() {
        let on_disk =
            crate::scenario::collect_files(&[Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios")]).unwrap();
        assert_eq!(FILES.len(), on_disk.len(), "every file of scenarios/ is built in");
        for (p, text) in FILES {
            let disk =
                std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios").join(p)).unwrap();
            assert_eq!(*text, disk, "{p} is the file's text");
        }
        let firsts: Vec<bool> = FILES.iter().map(|(p, _)| p.starts_with("lifecycle/")).collect();
        assert!(firsts.windows(2).all(|w| w[0] >= w[1]), "lifecycle scenarios come first");
        let all = crate::lint::builtin().unwrap();
        assert!(all[0].source.file.starts_with("builtin:lifecycle/"));
    }

    #[test]
    fn a_builtin_name_may_be_any_form_the_output_prints() {
        let one = |n: &str| select(n).unwrap().iter().map(|(p, _)| *p).collect::<Vec<_>>();
        let bind = vec!["lifecycle/05-bind-group.yaml"];
        for n in [
            "builtin:lifecycle/05-bind-group.yaml",
            "builtin:scenarios/lifecycle/05-bind-group.yaml",
            "builtin:lifecycle/05-bind-group",
            "lifecycle/05-bind-group.yaml",
        ] {
            assert_eq!(one(n), bind, "{n}");
        }
        let lifecycle = one("builtin:lifecycle");
        assert!(lifecycle.len() > 5 && lifecycle.iter().all(|p| p.starts_with("lifecycle/")), "{lifecycle:?}");
        assert_eq!(one("builtin:scenarios/lifecycle/"), lifecycle);
        assert_eq!(one("builtin:").len(), FILES.len());
        assert_eq!(one("builtin:scenarios").len(), FILES.len());
        let err = select("builtin:lifecycle/05-bind-gruop.yaml").unwrap_err();
        assert!(err.contains("did you mean `builtin:lifecycle/05-bind-group.yaml`"), "{err}");
        assert!(select("builtin:life").is_err(), "a folder name is matched whole");
    }

    #[test]
    fn export_writes_editable_files_and_refuses_to_overwrite() {
        let dir = tempfile::tempdir().unwrap();
        let written = export(dir.path(), false).unwrap();
        assert_eq!(written.len(), FILES.len());
        assert!(crate::lint::load_file(&written[0]).is_ok());
        let err = export(dir.path(), false).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::AlreadyExists);
        assert!(export(dir.path(), true).is_ok());
    }
}
