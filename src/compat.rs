//! `jcsim compat`: for every knob whose request form is not confirmed and
//! that changes what goes on the wire ([`crate::knobs::wire_knobs`]), send
//! each plausible form on its own freshly created (and, at an external SP,
//! namespaced and cleaned-up) users and groups, read the result back, and
//! judge each form `accepted`, `ignored`, `rejected` or `not exercised`.
//!
//! The run is recorded like `jcsim run` records a scenario (one step per
//! admin action, `events.jsonl`), with the matrix as a `compat` event that
//! the report shows at the top. Form probing (`compat-risk`) is off: each
//! form's own answer is the point.

use crate::client::Client;
use crate::directory::Directory;
use crate::engine::{EngineError, Namespace, Session, StepSummary, TargetOverride};
use crate::knobs::{Behaviour, Knob};
use crate::provision::Provisioner;
use crate::record::{CompatMatrix, CompatVerdict, Event, FormCompat, FormOutcome, KnobCompat, Verdict};
use crate::record::{Exit, Redactor};
use crate::rules::{CheckId, RuleId};
use std::path::PathBuf;

/// Options of `jcsim compat`.
#[derive(Debug, Clone, Default)]
pub struct CompatOptions {
    /// Parent directory of the run directory.
    pub out_dir: PathBuf,
    /// The SP under test; `None`: the embedded SP with `quirks`.
    pub target: Option<TargetOverride>,
    /// Quirks of the embedded SP.
    pub quirks: Vec<String>,
    /// Knobs that are not tried (timeouts, retries, …) come from here.
    pub behaviour: Behaviour,
    pub seed: u64,
    pub namespace: Namespace,
    /// Delete what was created at an external SP at the end.
    pub cleanup: bool,
    pub cancel: crate::engine::Cancel,
}

/// The outcome: the run directory (render it with `report::write_outputs`)
/// and the matrix.
#[derive(Debug)]
pub struct CompatRun {
    pub(crate) dir: PathBuf,
    pub matrix: CompatMatrix,
    pub exit: Exit,
}

/// How one knob is exercised: steps that set the stage, the step whose
/// requests take the knob's form, and whether a read-back follows.
/// `{a}`, `{b}` and `{g}` are the probe's two users and its group.
struct Probe {
    setup: &'static [&'static str],
    exercise: &'static str,
    read_back: bool,
    /// JumpCloud forgets its links after the setup (a new app meeting users
    /// that already exist at the SP), so the exercise must find them.
    relink: bool,
    /// The rules that judge the form: what the exercise is meant to change.
    /// Anything else the read-back finds is an SP defect elsewhere.
    judged: &'static [RuleId],
}

const USER_READBACK: &[RuleId] =
    &[RuleId::ReadbackUser, RuleId::ReadbackMissing, RuleId::ReadbackActive, RuleId::EchoActive];

fn probe(knob: &str) -> Option<Probe> {
    let p = |setup, exercise, judged| Some(Probe { setup, exercise, read_back: true, relink: false, judged });
    match knob {
        "test_connection" => Some(Probe { read_back: false, ..p(&[], "test_connection", &[])? }),
        "username_from" => p(&[], "bind_user: {a}", USER_READBACK),
        "update_method" => p(
            &["bind_user: {a}"],
            "update_user: { user: {a}, set: { lastname: Changed, job_title: Probe } }",
            USER_READBACK,
        ),
        "member_removal" => p(
            &["bind_user: {a}", "bind_user: {b}", "bind_group: \"{g}\""],
            "remove_from_group: { user: {b}, group: \"{g}\" }",
            &[RuleId::ReadbackMembers, RuleId::EchoMembers],
        ),
        "group_update_method" => p(
            &["bind_group: \"{g}\""],
            "rename_group: { group: \"{g}\", to: \"{g} renamed\" }",
            &[RuleId::ReadbackGroupName, RuleId::EchoGroupName],
        ),
        "content_type" => p(&[], "bind_user: {a}", USER_READBACK),
        "user_delete" => p(&["bind_user: {a}"], "delete_user: {a}", &[RuleId::DeleteThen404, RuleId::ReadbackActive]),
        "user_lookup" => Some(Probe {
            relink: true,
            ..p(&["bind_user: {a}"], "update_user: { user: {a}, set: { job_title: Found } }", USER_READBACK)?
        }),
        "deprovision_method" => {
            p(&["bind_user: {a}"], "suspend_user: {a}", &[RuleId::ReadbackActive, RuleId::EchoActive])
        }
        "on_unbind" => p(
            &["bind_user: {a}"],
            "unbind_user: {a}",
            &[RuleId::DeleteThen404, RuleId::ReadbackActive, RuleId::EchoActive, RuleId::ReadbackMissing],
        ),
        // The activation's test group is the body without members.
        "empty_group_members" => Some(Probe { read_back: false, ..p(&[], "activate", &[])? }),
        "group_create" => p(
            &["bind_user: {a}", "bind_user: {b}"],
            "bind_group: \"{g}\"",
            &[RuleId::ReadbackMembers, RuleId::EchoMembers, RuleId::CreateDropsMembers],
        ),
        _ => None,
    }
}

/// The step kind (`remove_from_group`) whose requests take a knob's form in
/// its probe (`jcsim readiness` files the knob under that step's capability).
pub(crate) fn exercise_step(knob: &str) -> Option<&'static str> {
    let p = probe(knob)?;
    Some(p.exercise.split(':').next().unwrap_or(p.exercise).trim())
}

/// The knobs `jcsim compat` tries, in table order.
pub(crate) fn knobs() -> Vec<&'static Knob> {
    crate::knobs::wire_knobs().filter(|k| probe(k.name).is_some()).collect()
}

/// The probe's scenario: two users, one group holding both, and the steps.
fn probe_yaml(n: usize, knob: &Knob, form: &str, p: &Probe) -> String {
    let (a, b, g) = (format!("cmp{n}a"), format!("cmp{n}b"), format!("compat {} {form}", knob.name));
    let fill = |s: &str| s.replace("{a}", &a).replace("{b}", &b).replace("{g}", &g);
    let mut steps: Vec<String> = p.setup.iter().map(|s| fill(s)).collect();
    steps.push(fill(p.exercise));
    if p.read_back {
        steps.push("verify".into());
    }
    let steps: String = steps.iter().map(|s| format!("  - {s}\n")).collect();
    format!(
        "name: \"compat {knob} = {form}\"\n\
         directory:\n  users:\n\
         \x20   - {{ username: {a}, email: {a}@example.com, firstname: Ada, lastname: Probe{n} }}\n\
         \x20   - {{ username: {b}, email: {b}@example.com, firstname: Bo, lastname: Probe{n} }}\n\
         \x20 groups:\n    - {{ name: \"{g}\", members: [{a}, {b}] }}\n\
         app: {{ test_user_email: cmp{n}t@example.com, group_management: true }}\n\
         steps:\n{steps}",
        knob = knob.name
    )
}

/// Run every probe against the target and record the run.
/// Long on purpose: the probe loop (per knob, per form: setup in the default
/// forms, the switch to the form under test, exercise, read-back, judging)
/// shares one session and one record between its stages.
pub async fn run(opts: &CompatOptions) -> Result<CompatRun, EngineError> {
    let quirks: Vec<String> = opts.quirks.iter().map(|q| serde_json::Value::from(q.as_str()).to_string()).collect();
    let base_text = format!(
        "name: Request forms JumpCloud may send\ntarget: {{ embedded: {{ quirks: [{}] }} }}\nsteps: [verify]\n",
        quirks.join(", ")
    );
    let base = crate::scenario::parse_str(&base_text, "compat")
        .and_then(|p| p.finish(Vec::new()))
        .map_err(|e| EngineError::Setup(e.to_string()))?;
    let target = crate::engine::resolve_target(&base, opts.target.as_ref(), opts.seed).await?;
    let external = target.kind == "external";
    let tag = if external { opts.namespace.tag() } else { None };

    let mut redactor = Redactor::new().target_query(&target.base_url);
    if let Some(c) = &target.credentials {
        redactor = redactor.header(c.header_name()).secret(c.secret());
    }
    // `<UTC timestamp>-compat-<4 hex>`.
    let (run, recorder) = crate::engine::Run::open(&opts.out_dir, "compat", redactor)?;
    let client = |b: &Behaviour| {
        Client::new(crate::engine::client_config(b, &target)).map_err(|e| EngineError::Setup(e.to_string()))
    };
    let dir = Directory::from_scenario(&base, opts.seed).map_err(|e| EngineError::Setup(e.to_string()))?;
    let mut session =
        Session::new(dir, Provisioner::new(opts.behaviour.clone(), opts.seed), client(&opts.behaviour)?, recorder);
    session.cancel = opts.cancel.clone();
    session.track_created = external && opts.cleanup;
    session.namespace = tag.clone();
    session.probe_forms = false;

    let knobs = knobs();
    let planned: usize = knobs
        .iter()
        .filter_map(|k| probe(k.name).map(|p| (k, p)))
        .map(|(k, p)| k.forms.len() * (p.setup.len() + 1 + usize::from(p.read_back)))
        .sum();
    let header = crate::engine::RunHeader {
        scenario: base.name.clone(),
        file: "compat".into(),
        target: target.base_url.clone(),
        target_kind: target.kind.to_string(),
        seed: opts.seed,
        behaviour: opts.behaviour.describe(),
        steps: planned,
        namespace: tag.as_ref().map(|t| t.as_str().to_string()),
        insecure: target.tls.insecure,
    };
    run.start(session.recorder(), header)?;

    let mut matrix = CompatMatrix::default();
    let mut results: Vec<StepSummary> = Vec::new();
    let mut n = 0;
    for knob in &knobs {
        let Some(p) = probe(knob.name) else { continue };
        let mut forms = Vec::new();
        for form in knob.forms {
            n += 1;
            if opts.cancel.is_cancelled() {
                forms.push(FormCompat {
                    form: form.to_string(),
                    outcome: FormOutcome::NotExercised,
                    detail: Some("interrupted".into()),
                    steps: Vec::new(),
                });
                continue;
            }
            let behaviour = opts
                .behaviour
                .with_override(&format!("{}={form}", knob.name))
                .map_err(|e| EngineError::Setup(format!("knob table: {e}")))?;
            // The setup sends the default forms: only the exercise sends the one under test.
            let setup_behaviour = opts.behaviour.clone();
            let text = probe_yaml(n, knob, form, &p);
            let mut scenario = crate::lint::load_str(&text, "compat")
                .map_err(|e| EngineError::Setup(format!("probe scenario: {e}")))?;
            if let Some(t) = &tag {
                scenario = crate::scenario::namespace::apply(&scenario, t);
            }
            // A seed per probe: JumpCloud ids (sent as externalId) never repeat.
            let seed = opts.seed.wrapping_add(n as u64);
            session.dir = Directory::from_scenario(&scenario, seed).map_err(|e| EngineError::Setup(e.to_string()))?;
            // Activation is not what is tried: the integration starts active.
            session.dir.app.active = true;
            session.prov = Provisioner::new(setup_behaviour.clone(), seed);
            session.set_client(client(&setup_behaviour)?);
            let mut ran = Vec::new();
            for (i, step) in scenario.steps.iter().enumerate() {
                if i == p.setup.len() {
                    if p.relink {
                        session.prov = Provisioner::new(behaviour.clone(), seed);
                    } else {
                        session.prov.behaviour = behaviour.clone();
                    }
                    session.set_client(client(&behaviour)?);
                }
                let done = session.step(step).await?.0;
                let blocked = i < p.setup.len() && blocking(&done).is_some();
                ran.push(done);
                if blocked {
                    break;
                }
            }
            let first = ran.first().map(|s| s.index);
            let (setup, rest) = ran.split_at(p.setup.len().min(ran.len()));
            let judged = classify(setup, rest.first(), rest.get(1), p.judged);
            let (outcome, detail) = (judged.outcome, judged.detail);
            for d in judged.defects {
                match matrix.defects.iter_mut().find(|x| x.rule == d.id) {
                    Some(x) => x.count += 1,
                    None => matrix.defects.push(crate::record::CompatDefect {
                        rule: d.id,
                        message: d.message.clone(),
                        during: format!("{}={form}", knob.name),
                        count: 1,
                    }),
                }
            }
            forms.push(FormCompat {
                form: form.to_string(),
                outcome,
                detail,
                steps: first.map_or_else(Vec::new, |f| (f..f + ran.len()).collect()),
            });
            results.extend(ran);
        }
        let (verdict, summary) = verdict(&forms);
        matrix.knobs.push(KnobCompat {
            knob: knob.name.to_string(),
            status: knob.status.as_str().to_string(),
            default: knob.forms.first().copied().unwrap_or_default().to_string(),
            verdict,
            summary,
            forms,
        });
    }
    if session.track_created {
        session.cleanup().await?;
    }
    // An SP defect met around the forms fails the command too: it is a bug.
    let robust = matrix.knobs.iter().all(|k| k.verdict == CompatVerdict::Robust) && matrix.defects.is_empty();
    let exit = if opts.cancel.is_cancelled() {
        Exit::Interrupted
    } else if robust {
        Exit::Pass
    } else {
        Exit::Fail
    };
    session.record(Event::Compat(matrix.clone()))?;
    let count = |v: Verdict| results.iter().filter(|s| s.verdict == v).count();
    let cancelled = opts.cancel.is_cancelled();
    let end = crate::engine::RunEnd {
        passed: count(Verdict::Pass) + count(Verdict::Warn),
        failed: count(Verdict::Fail),
        skipped: planned.saturating_sub(results.len()),
        stop_reason: cancelled.then(|| "interrupted (SIGINT/SIGTERM)".to_string()),
        interrupted: cancelled,
        exit,
    };
    run.finish(session.recorder(), end)?;
    drop(session);
    target.shutdown().await;
    Ok(CompatRun { dir: run.dir().to_path_buf(), matrix, exit })
}

/// Findings that mean "the SP answered 2xx but did not do it".
const DRIFT: &[RuleId] = &[
    RuleId::EchoActive,
    RuleId::EchoGroupName,
    RuleId::EchoMembers,
    RuleId::ReadbackMissing,
    RuleId::ReadbackActive,
    RuleId::ReadbackUser,
    RuleId::ReadbackGroupName,
    RuleId::ReadbackMembers,
    RuleId::DeleteThen404,
    RuleId::CreateDropsMembers,
];

fn is_drift(id: CheckId) -> bool {
    matches!(id, CheckId::Rule(r) if DRIFT.contains(&r))
}

/// `id` is one of `rules`.
fn is_one_of(id: CheckId, rules: &[RuleId]) -> bool {
    matches!(id, CheckId::Rule(r) if rules.contains(&r))
}

/// How one form fared, and the SP defects met around it.
struct Judged {
    outcome: FormOutcome,
    detail: Option<String>,
    /// Errors that say nothing about the form (another request's defect).
    defects: Vec<crate::record::Check>,
}

/// One form's outcome from its steps: the setup, the exercise, the
/// read-back. Only the exercise's own answers and the read-back rules in
/// `judged` decide it; a failed setup leaves it untested, with the reason.
fn classify(
    setup: &[StepSummary],
    exercise: Option<&StepSummary>,
    read_back: Option<&StepSummary>,
    judged: &[RuleId],
) -> Judged {
    let errors = |s: &StepSummary| s.checks.iter().filter(|c| c.verdict == Verdict::Fail).cloned().collect::<Vec<_>>();
    let mut defects: Vec<crate::record::Check> = setup.iter().flat_map(errors).collect();
    if let Some((s, why)) = setup.iter().find_map(|s| blocking(s).map(|why| (s, why))) {
        return Judged {
            outcome: FormOutcome::NotExercised,
            detail: Some(format!("untested: setup step {} (`{}`) failed: {why}", s.index + 1, s.title)),
            defects,
        };
    }
    let Some(exercise) = exercise else {
        return Judged { outcome: FormOutcome::NotExercised, detail: Some("not run".into()), defects };
    };
    if exercise.exchanges == 0 && exercise.verdict != Verdict::Fail {
        let why = "untested: the setup left nothing for the form to change (see the SP defects above)";
        return Judged { outcome: FormOutcome::NotExercised, detail: Some(why.into()), defects };
    }
    let (mut outcome, mut detail) = (FormOutcome::Accepted, None);
    // Errors only: a warning (an optional attribute the SP does not store)
    // says nothing about the form.
    for c in errors(exercise) {
        if outcome != FormOutcome::Accepted {
            break;
        }
        if is_drift(c.id) && !is_one_of(c.id, judged) {
            defects.push(c);
            continue;
        }
        // A create refused with 409 after a lookup: the lookup answered but
        // did not find the user that exists.
        let missed = c.message.starts_with("create user") && c.message.contains("HTTP 409");
        outcome = if is_drift(c.id) || missed { FormOutcome::Ignored } else { FormOutcome::Rejected };
        detail = Some(if missed {
            format!("the lookup in this form found nothing, so the create that followed met a conflict: {}", c.message)
        } else {
            c.message
        });
    }
    if let Some(r) = read_back {
        for c in r.checks.iter().filter(|c| c.verdict == Verdict::Fail) {
            if !is_one_of(c.id, judged) {
                defects.push(c.clone());
            } else if outcome == FormOutcome::Accepted {
                (outcome, detail) = (FormOutcome::Ignored, Some(c.message.clone()));
            }
        }
    }
    Judged { outcome, detail, defects }
}

/// Why a failed setup step stops its probe, or `None` when it does not: a
/// group create that dropped its members is a defect of its own (reported
/// once), and the probe goes on with the members jcsim then added.
fn blocking(s: &StepSummary) -> Option<String> {
    if s.verdict != Verdict::Fail {
        return None;
    }
    let errs: Vec<&crate::record::Check> = s.checks.iter().filter(|c| c.verdict == Verdict::Fail).collect();
    let repaired = |c: &&crate::record::Check| {
        c.id == CheckId::Rule(RuleId::CreateDropsMembers) && c.message.contains(TAKES_THEN_ADD)
    };
    if !errs.is_empty() && errs.iter().all(repaired) {
        return None;
    }
    Some(errs.first().map_or_else(|| s.reason.clone().unwrap_or_default(), |c| format!("{}: {}", c.id, c.message)))
}

use crate::provision::TAKES_THEN_ADD;

/// A knob's verdict from its forms (the default first).
fn verdict(forms: &[FormCompat]) -> (CompatVerdict, String) {
    let names = |o: fn(FormOutcome) -> bool| -> Vec<String> {
        forms.iter().filter(|f| o(f.outcome)).map(|f| format!("`{}`", f.form)).collect()
    };
    let works = names(|o| o == FormOutcome::Accepted);
    let fails = names(|o| matches!(o, FormOutcome::Rejected | FormOutcome::Ignored));
    let untried = names(|o| o == FormOutcome::NotExercised);
    let default_works = forms.first().is_some_and(|f| f.outcome == FormOutcome::Accepted);
    let untried_note = if untried.is_empty() { String::new() } else { format!("; untested: {}", untried.join(", ")) };
    if works.is_empty() && fails.is_empty() {
        return (CompatVerdict::NotExercised, "no form could be judged".to_string());
    }
    if fails.is_empty() && untried.is_empty() {
        return (CompatVerdict::Robust, "every form works".to_string());
    }
    if works.is_empty() {
        return (CompatVerdict::Broken, format!("no form works: {}{untried_note}", fails.join(", ")));
    }
    let default = forms.first().map_or("", |f| f.form.as_str());
    let list = |v: &[String]| match v {
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
        [] => String::new(),
    };
    let summary = if default_works {
        format!(
            "the default `{default}` works; {} {}{untried_note}",
            list(&fails),
            if fails.len() == 1 { "does not" } else { "do not" }
        )
    } else {
        format!(
            "the default `{default}` does not work; {} {}{untried_note}",
            list(&works),
            if works.len() == 1 { "does" } else { "do" }
        )
    };
    (CompatVerdict::AtRisk, summary)
}

/// The matrix as `jcsim compat --format json` prints it:
/// `{"knobs": {"member_removal": {"value_array": "rejected", …, "status": …, "verdict": …}}}`.
pub(crate) fn matrix_json(m: &CompatMatrix, exit: Exit, run_dir: &std::path::Path) -> serde_json::Value {
    let mut knobs = serde_json::Map::new();
    for k in &m.knobs {
        let mut row = serde_json::Map::new();
        for f in &k.forms {
            row.insert(f.form.clone(), f.outcome.as_str().into());
        }
        row.insert("status".into(), k.status.clone().into());
        row.insert("default".into(), k.default.clone().into());
        row.insert("verdict".into(), k.verdict.as_str().into());
        row.insert("summary".into(), k.summary.clone().into());
        let details: serde_json::Map<String, serde_json::Value> =
            k.forms.iter().filter_map(|f| f.detail.clone().map(|d| (f.form.clone(), d.into()))).collect();
        if !details.is_empty() {
            row.insert("details".into(), details.into());
        }
        knobs.insert(k.knob.clone(), row.into());
    }
    serde_json::json!({
        "knobs": knobs,
        "defects": m.defects,
        "exit_code": exit.code(),
        "run_dir": run_dir.display().to_string(),
    })
}

/// The matrix as a terminal table, after the SP defects met outside the
/// forms under test (each once).
pub(crate) fn matrix_text(m: &CompatMatrix) -> String {
    let mut out = String::new();
    let l = crate::term::one_line;
    if !m.defects.is_empty() {
        out.push_str(&format!(
            "SP defects met outside the forms under test ({}; they judge no form):\n",
            m.defects.len()
        ));
        for d in &m.defects {
            out.push_str(&format!(
                "  {}: {} (first met in {}, {})\n",
                d.rule,
                l(&d.message),
                d.during,
                crate::term::plural(d.count as u64, "probe")
            ));
        }
        out.push('\n');
    }
    let width = m.knobs.iter().map(|k| k.knob.len()).max().unwrap_or(0).max(4);
    out.push_str(&format!("{:width$}  {:9}  {:13}  forms (default first)\n", "knob", "evidence", "verdict"));
    for k in &m.knobs {
        let forms: Vec<String> = k.forms.iter().map(|f| format!("{}: {}", f.form, f.outcome.as_str())).collect();
        out.push_str(&format!("{:width$}  {:9}  {:13}  {}\n", k.knob, k.status, k.verdict.as_str(), forms.join(", ")));
        for f in k.forms.iter().filter(|f| f.outcome != FormOutcome::Accepted) {
            if let Some(d) = &f.detail {
                out.push_str(&format!(
                    "{:width$}    {}: {}
",
                    "",
                    f.form,
                    l(d)
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(name: &str, outcome: FormOutcome) -> FormCompat {
        FormCompat { form: name.into(), outcome, detail: None, steps: Vec::new() }
    }

    #[test]
    fn verdicts_follow_the_forms() {
        use FormOutcome::*;
        let v = |fs: &[(&str, FormOutcome)]| verdict(&fs.iter().map(|(n, o)| form(n, *o)).collect::<Vec<_>>());
        assert_eq!(v(&[("a", Accepted), ("b", Accepted)]).0, CompatVerdict::Robust);
        let (at_risk, why) = v(&[("a", Rejected), ("b", Accepted)]);
        assert_eq!(at_risk, CompatVerdict::AtRisk);
        assert_eq!(why, "the default `a` does not work; `b` does");
        let (at_risk, why) = v(&[("a", Accepted), ("b", Ignored)]);
        assert_eq!(at_risk, CompatVerdict::AtRisk);
        assert_eq!(why, "the default `a` works; `b` does not");
        let (_, why) = v(&[("a", Accepted), ("b", Rejected), ("c", Ignored)]);
        assert_eq!(why, "the default `a` works; `b` and `c` do not");
        assert_eq!(v(&[("a", Rejected), ("b", Ignored)]).0, CompatVerdict::Broken);
        assert_eq!(v(&[("a", NotExercised), ("b", NotExercised)]).0, CompatVerdict::NotExercised);
        assert_eq!(v(&[("a", Accepted), ("b", NotExercised)]).0, CompatVerdict::AtRisk, "untried is not robust");
    }

    #[test]
    fn every_wire_knob_has_a_probe_and_every_probe_scenario_loads() {
        assert_eq!(knobs().len(), crate::knobs::wire_knobs().count(), "a wire knob without a probe");
        for (n, k) in knobs().iter().enumerate() {
            let p = probe(k.name).unwrap();
            for form in k.forms {
                let s = crate::lint::load_str(&probe_yaml(n, k, form, &p), "compat")
                    .unwrap_or_else(|e| panic!("{}={form}: {e}", k.name));
                assert_eq!(s.steps.len(), p.setup.len() + 1 + usize::from(p.read_back));
            }
        }
    }

    /// An SP's refusal text reaches the terminal on one line, cut, and
    /// without escape sequences, C1 controls or bidi overrides.
    #[test]
    fn the_matrix_shows_hostile_sp_text_inert() {
        let hostile =
            format!("no\n  PASS x\u{2028}PASS y\x1b[31mRED\x1b]0;t\x07\u{9b}2J\u{202E}bidi {}", "PASS ".repeat(100));
        let mut f = form("value_array", FormOutcome::Rejected);
        f.detail = Some(hostile);
        let m = CompatMatrix {
            knobs: vec![crate::record::KnobCompat {
                knob: "member_removal".into(),
                status: "inferred".into(),
                default: "value_array".into(),
                verdict: CompatVerdict::AtRisk,
                summary: "s".into(),
                forms: vec![f, form("filter_path", FormOutcome::Accepted)],
            }],
            defects: vec![crate::record::CompatDefect {
                rule: "readback-user".into(),
                message: "x\n  PASS forged\x1b[31m".into(),
                during: "update_method=put".into(),
                count: 1,
            }],
        };
        let text = matrix_text(&m);
        assert_eq!(text.lines().count(), 6, "{text}");
        assert!(!text.lines().any(|l| l.trim_start().starts_with("PASS")), "{text}");
        assert!(
            !text.chars().any(|c| (c.is_control() && c != '\n') || ('\u{202A}'..='\u{202E}').contains(&c)),
            "{text:?}"
        );
        assert!(text.contains('…'), "long text is cut: {text}");
    }
}
