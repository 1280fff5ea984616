//! Vendor profiles: a vendor's JumpCloud app settings, applied to every
//! scenario of a run (`jcsim run --profile dialpad`), so the built-in suite
//! tests an SP the way that vendor's customers configure the app.

use super::Scenario;

/// One vendor's app settings, from its JumpCloud setup guide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Profile {
    /// The `--profile` value.
    pub(crate) name: &'static str,
    /// The application's display name.
    pub(crate) app_name: &'static str,
    /// "Enable management of User Groups and Group Membership".
    pub(crate) group_management: bool,
    /// What the setting means for the run.
    pub(crate) note: &'static str,
}

/// Every profile (`--profile` accepts these names).
pub(crate) const PROFILES: &[Profile] = &[
    Profile {
        name: "dialpad",
        app_name: "Dialpad",
        group_management: false,
        note: "user provisioning only: groups are never sent, group-only steps send nothing",
    },
    Profile {
        name: "keepnet",
        app_name: "Keepnet",
        group_management: true,
        note: "user groups assigned on the app are pushed with their members",
    },
    Profile {
        name: "testmu",
        app_name: "TestMu AI",
        group_management: true,
        note: "group provisioning on: groups, membership and renames are pushed",
    },
    Profile {
        name: "workos",
        app_name: "WorkOS",
        group_management: true,
        note: "the group management toggle on, as WorkOS's guide asks",
    },
];

/// The profile called `name`.
pub(crate) fn find(name: &str) -> Result<&'static Profile, String> {
    PROFILES.iter().find(|p| p.name.eq_ignore_ascii_case(name)).ok_or_else(|| {
        let names: Vec<&str> = PROFILES.iter().map(|p| p.name).collect();
        let hint = crate::suggest::suggest(name, names.iter().copied())
            .map(|s| format!(", did you mean `{s}`?"))
            .unwrap_or_default();
        format!("unknown profile `{name}`{hint} (profiles: {})", names.join(", "))
    })
}

/// Apply a profile's app settings to a scenario. A scenario written for
/// group management on, whose steps expect something, is not meaningful with
/// it off: returns why it should be skipped instead.
pub(crate) fn apply(s: &mut Scenario, p: &Profile) -> Result<(), String> {
    if s.app.group_management && !p.group_management && s.steps.iter().any(|step| step.expect.is_some()) {
        return Err(format!("its expectations assume group management on, which the {} profile turns off", p.name));
    }
    s.app.name = p.app_name.to_string();
    s.app.group_management = p.group_management;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles_are_found_by_name_and_unknown_ones_suggest() {
        assert!(!find("Dialpad").unwrap().group_management);
        let err = find("dialpd").unwrap_err();
        assert!(err.contains("did you mean `dialpad`"), "{err}");
    }

    #[test]
    fn group_management_off_skips_scenarios_that_expect_it_on() {
        let load = |text: &str| crate::scenario::parse_str(text, "t.yaml").unwrap().finish(Vec::new()).unwrap();
        let head =
            "name: t\ndirectory: { users: [{ username: a, email: a@x.test }] }\napp: { group_management: true }\n";
        let dialpad = find("dialpad").unwrap();
        let mut plain = load(&format!("{head}steps: [activate]\n"));
        assert!(apply(&mut plain, dialpad).is_ok());
        assert!(!plain.app.group_management);
        assert_eq!(plain.app.name, "Dialpad");
        let mut expecting = load(&format!("{head}steps:\n  - activate:\n    expect: {{ outcome: fail }}\n"));
        let why = apply(&mut expecting, dialpad).unwrap_err();
        assert!(why.contains("dialpad profile turns off"), "{why}");
        assert!(apply(&mut expecting, find("workos").unwrap()).is_ok(), "on stays on");
    }

    #[test]
    fn each_profile_matches_its_vendor_scenario() {
        for p in PROFILES {
            let file = format!("vendors/{}.yaml", p.name);
            let (_, text) = crate::scenario::builtin::FILES
                .iter()
                .find(|(f, _)| *f == file)
                .unwrap_or_else(|| panic!("no bundled scenario {file}"));
            let s = crate::scenario::parse_str(text, &file).unwrap().finish(Vec::new()).unwrap();
            assert_eq!((s.app.name.as_str(), s.app.group_management), (p.app_name, p.group_management), "{file}");
        }
    }
}
