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
use crate::knobs::{Behaviour, Knob, KnobId};
use crate::provision::Provisioner;
use crate::record::{CompatMatrix, CompatVerdict, Event, FormCompat, FormOutcome, KnobCompat, Verdict};
use crate::record::{Exit, Redactor};
use crate::rules::{CheckId, RuleId};
use crate::scenario::{Action, AppSpec, DirectorySpec, Embedded, GroupSpec, Membership, Rename, Scenario};
use crate::scenario::{SourceInfo, Step, Target, UpdateUser, UserSpec};
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
struct Probe {
    setup: Vec<Action>,
    exercise: Action,
    read_back: bool,
    /// JumpCloud forgets its links after the setup (a new app meeting users
    /// that already exist at the SP), so the exercise must find them.
    relink: bool,
    /// The rules that judge the form: what the exercise is meant to change.
    /// Anything else the read-back finds is an SP defect elsewhere.
    judged: &'static [RuleId],
}

impl Probe {
    /// Steps in all: the setup, the exercise, the read-back.
    fn steps(&self) -> usize {
        self.setup.len() + 1 + usize::from(self.read_back)
    }
}

/// A probe's two users (`a`, `b`) and its group (`g`, holding both).
struct Names {
    a: String,
    b: String,
    g: String,
}

const USER_READBACK: &[RuleId] =
    &[RuleId::ReadbackUser, RuleId::ReadbackMissing, RuleId::ReadbackActive, RuleId::EchoActive];

/// How `knob` is exercised on the probe's users and group; `None` for a
/// knob whose form does not change what goes on the wire.
fn probe(knob: KnobId, n: &Names) -> Option<Probe> {
    let p = |setup, exercise, judged| Some(Probe { setup, exercise, read_back: true, relink: false, judged });
    let bind_user = |u: &String| Action::BindUser(u.clone());
    let bind_group = || Action::BindGroup(n.g.clone());
    let update = |set: UserSpec| Action::UpdateUser(Box::new(UpdateUser { user: n.a.clone(), set }));
    let text = |s: &str| Some(s.to_string());
    match knob {
        KnobId::TestConnection => Some(Probe { read_back: false, ..p(vec![], Action::TestConnection, &[])? }),
        KnobId::UsernameFrom | KnobId::ContentType => p(vec![], bind_user(&n.a), USER_READBACK),
        KnobId::UpdateMethod => p(
            vec![bind_user(&n.a)],
            update(UserSpec { lastname: text("Changed"), job_title: text("Probe"), ..UserSpec::default() }),
            USER_READBACK,
        ),
        KnobId::MemberRemoval => p(
            vec![bind_user(&n.a), bind_user(&n.b), bind_group()],
            Action::RemoveFromGroup(Membership { user: n.b.clone(), group: n.g.clone() }),
            &[RuleId::ReadbackMembers, RuleId::EchoMembers],
        ),
        KnobId::GroupUpdateMethod => p(
            vec![bind_group()],
            Action::RenameGroup(Rename { group: n.g.clone(), to: format!("{} renamed", n.g) }),
            &[RuleId::ReadbackGroupName, RuleId::EchoGroupName],
        ),
        KnobId::UserDelete => {
            p(vec![bind_user(&n.a)], Action::DeleteUser(n.a.clone()), &[RuleId::DeleteThen404, RuleId::ReadbackActive])
        }
        KnobId::UserLookup => Some(Probe {
            relink: true,
            ..p(
                vec![bind_user(&n.a)],
                update(UserSpec { job_title: text("Found"), ..UserSpec::default() }),
                USER_READBACK,
            )?
        }),
        KnobId::DeprovisionMethod => {
            p(vec![bind_user(&n.a)], Action::SuspendUser(n.a.clone()), &[RuleId::ReadbackActive, RuleId::EchoActive])
        }
        KnobId::OnUnbind => p(
            vec![bind_user(&n.a)],
            Action::UnbindUser(n.a.clone()),
            &[RuleId::DeleteThen404, RuleId::ReadbackActive, RuleId::EchoActive, RuleId::ReadbackMissing],
        ),
        // The activation's test group is the body without members.
        KnobId::EmptyGroupMembers => {
            Some(Probe { read_back: false, ..p(vec![], Action::Activate { test_user_email: None }, &[])? })
        }
        KnobId::GroupCreate => p(
            vec![bind_user(&n.a), bind_user(&n.b)],
            bind_group(),
            &[RuleId::ReadbackMembers, RuleId::EchoMembers, RuleId::CreateDropsMembers],
        ),
        _ => None,
    }
}

/// The step kind (`remove_from_group`) whose requests take a knob's form in
/// its probe (`jcsim readiness` files the knob under that step's capability).
pub(crate) fn exercise_step(knob: &str) -> Option<&'static str> {
    let k = crate::knobs::KNOBS.iter().find(|k| k.name == knob)?;
    Some(probe(k.id, &Names::new(0, k, ""))?.exercise.name())
}

/// The knobs `jcsim compat` tries, in table order.
pub(crate) fn knobs() -> Vec<&'static Knob> {
    crate::knobs::wire_knobs().filter(|k| probe(k.id, &Names::new(0, k, "")).is_some()).collect()
}

impl Names {
    /// The names of probe `n`, which tries `form` of `knob`.
    fn new(n: usize, knob: &Knob, form: &str) -> Names {
        Names { a: format!("cmp{n}a"), b: format!("cmp{n}b"), g: format!("compat {} {form}", knob.name) }
    }
}

/// The line of a probe's first step, and the column of every step, as
/// `jcsim compat` has always recorded them (the probes were once YAML files
/// whose `steps:` list started there).
const FIRST_STEP: (usize, usize) = (10, 5);

/// A scenario of `steps` on `directory`, as if loaded from the file `compat`.
fn scenario(
    name: String,
    target: Option<Target>,
    directory: DirectorySpec,
    app: AppSpec,
    steps: Vec<Action>,
) -> Scenario {
    let steps = steps
        .into_iter()
        .enumerate()
        .map(|(i, action)| Step { action, expect: None, line: FIRST_STEP.0 + i, col: FIRST_STEP.1 })
        .collect();
    Scenario {
        name,
        description: None,
        target,
        behaviour: Behaviour::default(),
        seed: None,
        directory,
        app,
        steps,
        waive: Vec::new(),
        source: SourceInfo { file: "compat".to_string() },
        namespace: None,
    }
}

/// Probe `n`'s scenario: two users, one group holding both, the app with
/// group management, then the setup, the exercise and the read-back.
fn probe_scenario(n: usize, knob: &Knob, form: &str, names: &Names, p: &Probe) -> Scenario {
    let user = |username: &String, firstname: &str| UserSpec {
        username: Some(username.clone()),
        email: Some(format!("{username}@example.com")),
        firstname: Some(firstname.to_string()),
        lastname: Some(format!("Probe{n}")),
        ..UserSpec::default()
    };
    let directory = DirectorySpec {
        users: vec![user(&names.a, "Ada"), user(&names.b, "Bo")],
        groups: vec![GroupSpec { name: names.g.clone(), members: vec![names.a.clone(), names.b.clone()] }],
        ..DirectorySpec::default()
    };
    let app = AppSpec { test_user_email: format!("cmp{n}t@example.com"), group_management: true, ..AppSpec::default() };
    let mut steps = p.setup.clone();
    steps.push(p.exercise.clone());
    if p.read_back {
        steps.push(Action::Verify(Default::default()));
    }
    scenario(format!("compat {} = {form}", knob.name), None, directory, app, steps)
}

/// Run every probe against the target and record the run: one record, one
/// session, and per form one probe scenario ([`run_probe`]).
/// Long on purpose: the probe loop (per knob, per form: run the probe, judge
/// it, collect its SP defects) shares one session and one record with the
/// header and the footer around it.
pub async fn run(opts: &CompatOptions) -> Result<CompatRun, EngineError> {
    let embedded = Embedded { quirks: opts.quirks.clone(), emulates: None };
    let target = Target { base_url: None, auth: None, embedded: Some(embedded) };
    let base = scenario(
        "Request forms JumpCloud may send".to_string(),
        Some(target),
        DirectorySpec::default(),
        AppSpec::default(),
        vec![Action::Verify(Default::default())],
    );
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
    session.set_cancel(opts.cancel.clone());
    session.set_track_created(external && opts.cleanup);
    session.set_namespace(tag.clone());
    session.set_probe_forms(false);

    let knobs = knobs();
    let planned: usize =
        knobs.iter().filter_map(|k| probe(k.id, &Names::new(0, k, "")).map(|p| k.forms.len() * p.steps())).sum();
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
        let mut forms = Vec::new();
        for form in knob.id.forms() {
            n += 1;
            let name = form.value();
            if opts.cancel.is_cancelled() {
                forms.push(FormCompat {
                    form: name,
                    outcome: FormOutcome::NotExercised,
                    detail: Some("interrupted".into()),
                    steps: Vec::new(),
                });
                continue;
            }
            let names = Names::new(n, knob, &name);
            let Some(p) = probe(knob.id, &names) else { continue };
            let mut scenario = probe_scenario(n, knob, &name, &names, &p);
            if let Some(t) = &tag {
                scenario = crate::scenario::namespace::apply(&scenario, t);
            }
            // A seed per probe: JumpCloud ids (sent as externalId) never repeat.
            let seed = opts.seed.wrapping_add(n as u64);
            let forms_for = Forms { setup: &opts.behaviour, exercise: &opts.behaviour.clone().with(form) };
            let ran = run_probe(&mut session, &scenario, &p, seed, forms_for, &client).await?;
            let first = ran.first().map(|s| s.index);
            let (setup, rest) = ran.split_at(p.setup.len().min(ran.len()));
            let judged = classify(setup, rest.first(), rest.get(1), p.judged);
            for d in judged.defects {
                match matrix.defects.iter_mut().find(|x| x.rule == d.id) {
                    Some(x) => x.count += 1,
                    None => matrix.defects.push(crate::record::CompatDefect {
                        rule: d.id,
                        message: d.message.clone(),
                        during: format!("{}={name}", knob.name),
                        count: 1,
                    }),
                }
            }
            forms.push(FormCompat {
                form: name,
                outcome: judged.outcome,
                detail: judged.detail,
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
    if session.tracks_created() {
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

/// The behaviour a probe's setup sends (the default forms) and the one its
/// exercise and read-back send (the form under test).
#[derive(Clone, Copy)]
struct Forms<'a> {
    setup: &'a Behaviour,
    exercise: &'a Behaviour,
}

/// Run one probe's steps on a fresh directory and provisioner: the setup
/// in the default forms, then the switch to the form under test; a setup
/// step that fails in a way that blocks the probe ends it.
async fn run_probe(
    session: &mut Session,
    scenario: &Scenario,
    p: &Probe,
    seed: u64,
    forms: Forms<'_>,
    client: &impl Fn(&Behaviour) -> Result<Client, EngineError>,
) -> Result<Vec<StepSummary>, EngineError> {
    let mut dir = Directory::from_scenario(scenario, seed).map_err(|e| EngineError::Setup(e.to_string()))?;
    // Activation is not what is tried: the integration starts active.
    dir.app.active = true;
    session.replace_org(dir, Provisioner::new(forms.setup.clone(), seed));
    session.set_client(client(forms.setup)?);
    let mut ran = Vec::new();
    for (i, step) in scenario.steps.iter().enumerate() {
        if i == p.setup.len() {
            if p.relink {
                session.set_provisioner(Provisioner::new(forms.exercise.clone(), seed));
            } else {
                session.set_behaviour(forms.exercise.clone());
            }
            session.set_client(client(forms.exercise)?);
        }
        let done = session.step(step).await?.0;
        let blocked = i < p.setup.len() && blocking(&done).is_some();
        ran.push(done);
        if blocked {
            break;
        }
    }
    Ok(ran)
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
    id.is_one_of(DRIFT)
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
        if is_drift(c.id) && !c.id.is_one_of(judged) {
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
            if !c.id.is_one_of(judged) {
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

/// `jcsim compat` as readiness runs it: every form probe, against the
/// same target, into the readiness directory.
pub struct ReadinessForms;

impl crate::readiness::Forms for ReadinessForms {
    async fn run(
        &self,
        target: crate::engine::TargetOverride,
        out_dir: std::path::PathBuf,
        namespace: Namespace,
        cleanup: bool,
        cancel: crate::engine::Cancel,
    ) -> Result<(std::path::PathBuf, crate::record::CompatMatrix), String> {
        let opts = CompatOptions {
            out_dir,
            target: Some(target),
            quirks: Vec::new(),
            behaviour: Default::default(),
            seed: 1,
            namespace,
            cleanup,
            cancel,
        };
        let ran = run(&opts).await.map_err(|e| e.to_string())?;
        Ok((ran.dir, ran.matrix))
    }

    fn exercise_step(&self, knob: &str) -> Option<&'static str> {
        exercise_step(knob)
    }
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
    fn every_wire_knob_has_a_probe_and_every_probe_scenario_is_valid() {
        assert_eq!(knobs().len(), crate::knobs::wire_knobs().count(), "a wire knob without a probe");
        let spans = crate::scenario::SpanIndex::build("");
        for (n, k) in knobs().iter().enumerate() {
            for form in k.id.forms() {
                let form = form.value();
                let names = Names::new(n, k, &form);
                let p = probe(k.id, &names).unwrap();
                let s = probe_scenario(n, k, &form, &names, &p);
                assert_eq!(s.steps.len(), p.steps());
                let problems = crate::lint::lint(&s, &spans);
                assert!(problems.is_empty(), "{}={form}: {problems:?}", k.name);
                let reread = crate::lint::load_str(&as_yaml(&s), "compat").unwrap_or_else(|e| panic!("{e}"));
                for (typed, read) in s.steps.iter().zip(&reread.steps) {
                    assert_eq!(typed.action, read.action, "{}={form}", k.name);
                    assert_eq!((typed.line, typed.col), (read.line, read.col), "{}={form}", k.name);
                }
            }
        }
    }

    /// A probe scenario as the YAML file it stands for (the layout
    /// [`FIRST_STEP`] counts on); JSON is a YAML flow node.
    fn as_yaml(s: &Scenario) -> String {
        fn flow<T: serde::Serialize>(v: &T) -> String {
            serde_json::to_string(v).unwrap()
        }
        let list =
            |items: Vec<String>, indent: &str| -> String { items.iter().map(|i| format!("{indent}- {i}\n")).collect() };
        format!(
            "name: {}\ndirectory:\n  users:\n{}  groups:\n{}app: {{ test_user_email: {}, group_management: {} }}\nsteps:\n{}",
            flow(&s.name),
            list(s.directory.users.iter().map(flow).collect(), "    "),
            list(s.directory.groups.iter().map(flow).collect(), "    "),
            s.app.test_user_email,
            s.app.group_management,
            list(s.steps.iter().map(flow).collect(), "  "),
        )
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
