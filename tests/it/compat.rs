//! `jcsim compat` against embedded-SP quirks built for each verdict class:
//! every knob robust on a bug-free SP; `at risk` when one removal form is
//! refused, when PATCH replace is ignored, or when only PUT works; `broken`
//! when no form works.

use jcsim::compat::{self, CompatOptions};
use jcsim::record::{CompatVerdict, Exit, FormOutcome};

async fn run(quirks: &[&str]) -> (compat::CompatRun, tempfile::TempDir) {
    let out = tempfile::tempdir().unwrap();
    let opts = CompatOptions {
        out_dir: out.path().to_path_buf(),
        quirks: quirks.iter().map(|q| q.to_string()).collect(),
        seed: 1,
        ..CompatOptions::default()
    };
    (compat::run(&opts).await.unwrap(), out)
}

fn row<'a>(ran: &'a compat::CompatRun, knob: &str) -> &'a jcsim::record::KnobCompat {
    ran.matrix.knobs.iter().find(|k| k.knob == knob).unwrap_or_else(|| panic!("no row for {knob}"))
}

fn outcome(ran: &compat::CompatRun, knob: &str, form: &str) -> FormOutcome {
    row(ran, knob).forms.iter().find(|f| f.form == form).unwrap().outcome
}

#[tokio::test]
async fn a_bug_free_sp_is_robust_for_every_knob() {
    let (ran, _out) = run(&[]).await;
    assert_eq!(ran.exit, Exit::Pass);
    assert_eq!(ran.matrix.knobs.len(), 12, "every wire knob");
    for k in &ran.matrix.knobs {
        assert_eq!(k.verdict, CompatVerdict::Robust, "{k:?}");
        assert!(k.forms.len() >= 2, "{}: every plausible form is tried", k.knob);
    }
    let patch_per_attribute = row(&ran, "update_method").forms.iter().find(|f| f.form == "patch_per_attribute");
    assert!(patch_per_attribute.is_some_and(|f| !f.steps.is_empty()), "the third update form is exercised");
}

#[tokio::test]
async fn one_refused_removal_form_is_at_risk() {
    let (ran, _out) = run(&["only_member_removal=filter_path"]).await;
    assert_eq!(ran.exit, Exit::Fail);
    assert_eq!(outcome(&ran, "member_removal", "value_array"), FormOutcome::Rejected);
    assert_eq!(outcome(&ran, "member_removal", "filter_path"), FormOutcome::Accepted);
    let mr = row(&ran, "member_removal");
    assert_eq!((mr.verdict, mr.status.as_str()), (CompatVerdict::AtRisk, "unknown"));
    assert!(mr.summary.contains("default `value_array` does not work; `filter_path` does"), "{}", mr.summary);
    let (ran, _out) = run(&["only_member_removal=value_array"]).await;
    assert_eq!(outcome(&ran, "member_removal", "filter_path"), FormOutcome::Rejected);
    assert_eq!(row(&ran, "member_removal").verdict, CompatVerdict::AtRisk);
}

#[tokio::test]
async fn an_sp_that_requires_group_members_puts_the_omitted_key_at_risk() {
    let (ran, _out) = run(&["require_group_members"]).await;
    assert_eq!(outcome(&ran, "empty_group_members", "omit"), FormOutcome::Rejected);
    assert_eq!(outcome(&ran, "empty_group_members", "empty_array"), FormOutcome::Accepted);
    assert_eq!(row(&ran, "empty_group_members").verdict, CompatVerdict::AtRisk);
    // A group with members is untouched; `then_add` creates it empty first.
    assert_eq!(outcome(&ran, "group_create", "with_members"), FormOutcome::Accepted);
    assert_eq!(outcome(&ran, "group_create", "then_add"), FormOutcome::Rejected);
}

#[tokio::test]
async fn an_ignored_removal_form_is_at_risk() {
    let (ran, _out) = run(&["ignore_member_remove=value_array"]).await;
    assert_eq!(outcome(&ran, "member_removal", "value_array"), FormOutcome::Ignored);
    assert_eq!(outcome(&ran, "member_removal", "filter_path"), FormOutcome::Accepted);
    assert_eq!(row(&ran, "member_removal").verdict, CompatVerdict::AtRisk);
}

#[tokio::test]
async fn ignored_patch_replace_is_at_risk_with_the_forms_ignored() {
    let (ran, _out) = run(&["ignore_patch_replace"]).await;
    assert_eq!(outcome(&ran, "update_method", "put"), FormOutcome::Accepted);
    assert_eq!(outcome(&ran, "update_method", "patch"), FormOutcome::Ignored);
    assert_eq!(outcome(&ran, "update_method", "patch_per_attribute"), FormOutcome::Ignored);
    let um = row(&ran, "update_method");
    assert_eq!(um.verdict, CompatVerdict::AtRisk);
    assert!(um.forms[1].detail.as_deref().unwrap().contains("displayName"), "{:?}", um.forms[1]);
    assert_eq!(row(&ran, "member_removal").verdict, CompatVerdict::Robust, "groups are untouched");
}

#[tokio::test]
async fn an_sp_that_takes_only_put_breaks_member_removal() {
    let (ran, _out) = run(&["no_patch"]).await;
    assert_eq!(row(&ran, "member_removal").verdict, CompatVerdict::Broken);
    assert_eq!(outcome(&ran, "group_update_method", "patch"), FormOutcome::Rejected);
    assert_eq!(outcome(&ran, "group_update_method", "put"), FormOutcome::Accepted);
    assert_eq!(row(&ran, "group_update_method").verdict, CompatVerdict::AtRisk);
    assert_eq!(row(&ran, "user_delete").verdict, CompatVerdict::Robust);
}

#[tokio::test]
async fn a_failed_setup_leaves_the_form_not_exercised() {
    // Every user create is refused: nothing that needs a user can be tried.
    let (ran, _out) = run(&["domain_allowlist=nowhere.test"]).await;
    assert_eq!(outcome(&ran, "member_removal", "value_array"), FormOutcome::NotExercised);
    assert_eq!(row(&ran, "member_removal").verdict, CompatVerdict::NotExercised);
    assert_eq!(outcome(&ran, "username_from", "email"), FormOutcome::Rejected, "the create is the exercise");
    assert_eq!(row(&ran, "test_connection").verdict, CompatVerdict::Robust);
    assert_eq!(ran.exit, Exit::Fail);
}

/// A lookup that misses by case is the verify probe's defect, not any
/// form's: every knob stays robust, the defect is listed once, exit 1.
#[tokio::test]
async fn a_case_sensitive_filter_is_one_defect_not_a_broken_knob() {
    let (ran, _out) = run(&["case_sensitive_filter"]).await;
    for k in &ran.matrix.knobs {
        assert_eq!(k.verdict, CompatVerdict::Robust, "{k:?}");
    }
    let rules: Vec<&str> = ran.matrix.defects.iter().map(|d| d.rule.as_str()).collect();
    assert_eq!(rules, vec!["filter-case-insensitive"]);
    assert!(ran.matrix.defects[0].count > 1, "met by many probes, listed once");
    assert_eq!(ran.exit, Exit::Fail, "a defect is still a bug");
}

/// A create that drops members judges only `group_create`: the removal
/// forms are tried on the members jcsim then added, and work.
#[tokio::test]
async fn a_create_that_drops_members_judges_only_group_create() {
    let (ran, _out) = run(&["create_group_drops_members"]).await;
    assert_eq!(outcome(&ran, "group_create", "with_members"), FormOutcome::Ignored);
    assert_eq!(outcome(&ran, "group_create", "then_add"), FormOutcome::Accepted);
    for knob in ["member_removal", "group_update_method"] {
        assert_eq!(row(&ran, knob).verdict, CompatVerdict::Robust, "{:?}", row(&ran, knob));
    }
    assert!(ran.matrix.defects.iter().any(|d| d.rule.as_str() == "create-drops-members"), "{:?}", ran.matrix.defects);
}

#[tokio::test]
async fn an_sp_without_user_delete_puts_delete_on_unbind_at_risk() {
    let (ran, _out) = run(&["no_user_delete"]).await;
    assert_eq!(outcome(&ran, "on_unbind", "deactivate"), FormOutcome::Accepted);
    assert_eq!(outcome(&ran, "on_unbind", "delete"), FormOutcome::Rejected);
    assert_eq!(row(&ran, "on_unbind").verdict, CompatVerdict::AtRisk);
    assert_eq!(outcome(&ran, "group_update_method", "patch_value"), FormOutcome::Accepted);
}
