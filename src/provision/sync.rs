//! Sync: after every directory change JumpCloud brings the SP in line [C].
//! Order: user creates and updates; group deletes, creates, renames and
//! membership; user deletes; then deprovisioning of users no longer covered.

use super::body;
use super::{Behaviour, GroupUpdateMethod, Insight, LinkedGroup, LinkedUser, Method, Provisioner, ScimOp, Transport};
use super::{DeprovisionMethod, GroupCreate, OnUnbind, UserLookup};
use super::{SentBody, UpdateMethod, UserDelete, UserDeleteGroups, first_resource, resource_id, send_ok};
use crate::check::Finding;
use crate::directory::{Directory, Group, JcId, User, UserState};
use crate::scim::filter_string;

/// What one user needs from a sync.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Job {
    /// Lookup, then create or link and update.
    Provision,
    /// Update if what was last sent differs; `active` as given.
    Refresh(bool),
}

/// The outcome of one user's job: the link to keep (if any) and a failure.
type JobResult = (Option<LinkedUser>, Option<Finding>);

impl Provisioner {
    /// Bring the SP in line with the directory. Does nothing while Identity
    /// Management is inactive. Failures of one user or group do not stop the others.
    pub async fn sync<T: Transport>(&mut self, dir: &Directory, t: &T) -> Vec<Finding> {
        self.follow_app(dir);
        let mut findings = Vec::new();
        if !dir.app.active {
            return findings;
        }
        let bound_ids = dir.bound_user_ids();
        // Decided from ids and states: users are built one job at a time.
        let jobs: Vec<(usize, Job)> = dir
            .users
            .entries()
            .filter_map(|e| {
                let bound = bound_ids.contains(e.id.as_str());
                let linked = self.users.contains_key(e.id.as_str());
                if !linked && bound && e.state == UserState::Activated {
                    Some((e.pos, Job::Provision))
                } else if linked && body::desired_active_state(e.state, e.password_expired, bound) {
                    Some((e.pos, Job::Refresh(true)))
                } else {
                    None
                }
            })
            .collect();
        self.run_jobs(dir, jobs, t, &mut findings).await;
        // Linked users deleted from the directory: found once, used twice.
        let present = dir.users.id_index();
        let gone: Vec<JcId> = self.users.keys().filter(|id| !present.contains(id)).cloned().collect();
        if dir.app.group_management {
            self.sync_groups(dir, &gone, t, &mut findings).await;
        }
        // After the groups (which they leave first with `user_delete_groups: remove_first`).
        self.sync_deleted_users(dir, gone, t, &mut findings).await;
        if self.behaviour.on_unbind == OnUnbind::Delete {
            self.delete_unbound_users(dir, &bound_ids, t, &mut findings).await;
        }
        let jobs: Vec<(usize, Job)> = dir
            .users
            .entries()
            .filter(|e| {
                let bound = bound_ids.contains(e.id.as_str());
                !body::desired_active_state(e.state, e.password_expired, bound)
                    && self.users.contains_key(e.id.as_str())
            })
            .map(|e| (e.pos, Job::Refresh(false)))
            .collect();
        self.run_jobs(dir, jobs, t, &mut findings).await;
        findings
    }

    /// Take the application's attribute exclusions: the app owns them, the
    /// bodies read them from the behaviour.
    pub(super) fn follow_app(&mut self, dir: &Directory) {
        if self.behaviour.excluded != dir.app.exclude_attributes {
            self.behaviour.excluded.clone_from(&dir.app.exclude_attributes);
        }
    }

    /// Run per-user jobs, up to `concurrency` users at a time. Each user's
    /// own requests stay in order; a slow user holds up no one else (a slot
    /// frees as soon as any job ends); results are applied in directory order.
    async fn run_jobs<T: Transport>(
        &mut self,
        dir: &Directory,
        jobs: Vec<(usize, Job)>,
        t: &T,
        findings: &mut Vec<Finding>,
    ) {
        use futures_util::StreamExt;
        use futures_util::stream::FuturesUnordered;
        // A plain loop over a FuturesUnordered (no closures returning futures),
        // so the future stays Send for axum handlers.
        let limit = self.behaviour.concurrency.max(1);
        let (behaviour, users) = (&self.behaviour, &mut self.users);
        let mut running = FuturesUnordered::new();
        // Results that finished ahead of an earlier job: applied once every
        // job before them has ended. Results are applied as they can be:
        // holding them all until the end would double the memory of a large bind.
        let mut ahead = Ordered::default();
        let mut seq = 0;
        for (pos, job) in jobs {
            let Some(user) = dir.users.at(pos) else {
                continue;
            };
            let link = users.get(&user.id).cloned();
            running.push(user_job(seq, behaviour, user, link, job, t));
            seq += 1;
            if running.len() >= limit
                && let Some(r) = running.next().await
            {
                ahead.apply(r, users, findings);
            }
        }
        while let Some(r) = running.next().await {
            ahead.apply(r, users, findings);
        }
    }

    /// Update one user now (used when Identity Management is deactivated).
    pub(super) async fn update_user<T: Transport>(&mut self, user: &User, active: bool, t: &T) -> Result<(), Finding> {
        let Some(link) = self.users.get(&user.id).cloned() else {
            return Ok(());
        };
        let link = update(&self.behaviour, user, link, active, t).await?;
        self.users.insert(user.id.clone(), link);
        Ok(())
    }

    /// `on_unbind: delete`: a linked user no longer bound gets `DELETE
    /// /Users/{id}` and is unlinked; one the SP keeps stays linked, and the
    /// deprovisioning that follows makes it inactive.
    async fn delete_unbound_users<T: Transport>(
        &mut self,
        dir: &Directory,
        bound_ids: &std::collections::HashSet<&str>,
        t: &T,
        findings: &mut Vec<Finding>,
    ) {
        let unbound: Vec<JcId> = dir
            .users
            .entries()
            .filter(|e| !bound_ids.contains(e.id.as_str()) && self.users.contains_key(e.id.as_str()))
            .map(|e| e.id)
            .collect();
        for jc_id in unbound {
            let Some(link) = self.users.get(&jc_id) else {
                continue;
            };
            let sp_id = link.sp_id.clone();
            let user_name = link.sent.user_name().map_or_else(|| sp_id.clone(), str::to_string);
            let path = format!("/Users/{sp_id}");
            let what = format!("delete unbound user {user_name}");
            let op = ScimOp::new(Insight::UserDelete, Method::Delete, &path, &what);
            match super::send_ok(t, op, &what).await {
                Ok(_) => {
                    self.users.remove(&jc_id);
                    self.deleted_users.push(sp_id.clone());
                    // The SP removes a deleted user from its groups (RFC 7643 §4.2).
                    for g in self.groups.values_mut() {
                        g.members.retain(|m| *m != sp_id);
                    }
                }
                Err(f) => findings.push(f),
            }
        }
    }

    async fn sync_deleted_users<T: Transport>(
        &mut self,
        dir: &Directory,
        gone: Vec<JcId>,
        t: &T,
        findings: &mut Vec<Finding>,
    ) {
        for jc_id in gone {
            let Some(link) = self.users.remove(&jc_id) else {
                continue;
            };
            let path = format!("/Users/{}", link.sp_id);
            let user_name = link.sent.user_name().map_or_else(|| link.sp_id.clone(), str::to_string);
            // The user's last representation, inactive: rebuilt from the
            // deleted user (JumpCloud keeps it until deprovisioned).
            let op_for = |form: UserDelete| match form {
                UserDelete::Delete => {
                    ScimOp::new(Insight::UserDelete, Method::Delete, &path, format!("delete {user_name}"))
                }
                UserDelete::Deactivate => {
                    let sent = match dir.deleted_user(&jc_id) {
                        Some(user) => body::user(user, &self.behaviour, false, Some(&link.sp_id)),
                        None => body::deleted_user(&user_name, &link.sp_id),
                    };
                    ScimOp::new(
                        Insight::UserDeprovision,
                        Method::Put,
                        &path,
                        format!("deactivate deleted user {user_name}"),
                    )
                    .body(sent)
                }
            };
            let what = match self.behaviour.user_delete {
                UserDelete::Delete => format!("delete user {user_name}"),
                UserDelete::Deactivate => format!("deactivate user {user_name}"),
            };
            let b = &self.behaviour;
            let result = super::probe::send_form(t, b, op_for(b.user_delete), &what, |form| Some(op_for(form)))
                .await
                .map(|(_, other)| other.unwrap_or(b.user_delete) == UserDelete::Delete);
            match result {
                Ok(true) => {
                    self.deleted_users.push(link.sp_id.clone());
                    // The SP removes a deleted user from its groups (RFC 7643 §4.2: members are references).
                    for g in self.groups.values_mut() {
                        g.members.retain(|m| *m != link.sp_id);
                    }
                }
                Ok(false) => {}
                Err(f) => findings.push(f),
            }
        }
    }

    /// `gone_users`: linked users deleted from the directory.
    async fn sync_groups<T: Transport>(
        &mut self,
        dir: &Directory,
        gone_users: &[JcId],
        t: &T,
        findings: &mut Vec<Finding>,
    ) {
        // Groups deleted in JumpCloud [C].
        let gone: Vec<JcId> = self.groups.keys().filter(|id| dir.group_by_id(id).is_none()).cloned().collect();
        for jc_id in gone {
            let Some(link) = self.groups.remove(&jc_id) else {
                continue;
            };
            let label = format!("delete group {}", link.display_name);
            let op = ScimOp::new(Insight::GroupDelete, Method::Delete, format!("/Groups/{}", link.sp_id), &label);
            match send_ok(t, op, &label).await {
                Ok(_) => self.deleted_groups.push(link.sp_id),
                Err(f) => findings.push(f),
            }
        }
        // Members whose user was deleted in JumpCloud: left to the DELETE
        // unless `user_delete_groups: remove_first`.
        let leaving: std::collections::HashSet<String> =
            match (self.behaviour.user_delete, self.behaviour.user_delete_groups) {
                (UserDelete::Delete, UserDeleteGroups::None) => {
                    gone_users.iter().filter_map(|id| self.users.get(id)).map(|l| l.sp_id.clone()).collect()
                }
                _ => std::collections::HashSet::new(),
            };
        let bound: Vec<&Group> = dir.bound_groups().collect();
        for group in bound {
            let result = match self.groups.get(&group.id) {
                None => {
                    let members: Vec<String> =
                        group.members.iter().filter_map(|m| self.sp_user_id(m).map(str::to_string)).collect();
                    if members.is_empty() {
                        Ok(()) // empty groups are not created [C]
                    } else {
                        self.provision_group(group, members, t).await
                    }
                }
                Some(link) => match self.group_change(group, link, &leaving) {
                    Some(change) => self.update_group(group, change, t).await,
                    None => Ok(()),
                },
            };
            if let Err(f) = result {
                findings.push(f);
            }
        }
    }

    /// What a linked group needs, worked out from borrowed state: a group of
    /// 100,000 members is not copied to find that one joined. `None`: nothing.
    /// `leaving`: SP ids of deleted users, whose removal the DELETE does.
    fn group_change(
        &self,
        group: &Group,
        link: &LinkedGroup,
        leaving: &std::collections::HashSet<String>,
    ) -> Option<GroupChange> {
        let in_directory: Vec<&str> = group.members.iter().filter_map(|m| self.sp_user_id(m)).collect();
        // A leaving member still counts as a member for the diff: its DELETE removes it.
        let mut members = in_directory.clone();
        if !leaving.is_empty() {
            let wanted: std::collections::HashSet<&str> = members.iter().copied().collect();
            let stays = |m: &&str| leaving.contains(*m) && !wanted.contains(m);
            members.extend(link.members.iter().map(String::as_str).filter(stays));
        }
        let renamed = link.display_name != group.name;
        let unchanged = members.len() == link.members.len() && members.iter().zip(&link.members).all(|(a, b)| a == b);
        if unchanged && !renamed {
            return None;
        }
        let (added, removed) = if unchanged {
            (Vec::new(), Vec::new())
        } else {
            // Sets, not Vec::contains: groups can hold tens of thousands of members.
            let had: std::collections::HashSet<&str> = link.members.iter().map(String::as_str).collect();
            let wanted: std::collections::HashSet<&str> = members.iter().copied().collect();
            (
                members.iter().filter(|m| !had.contains(*m)).map(|m| m.to_string()).collect::<Vec<_>>(),
                link.members.iter().filter(|m| !wanted.contains(m.as_str())).cloned().collect::<Vec<_>>(),
            )
        };
        if !renamed && added.is_empty() && removed.is_empty() {
            return None;
        }
        let put = self.behaviour.group_update_method == GroupUpdateMethod::Put;
        Some(GroupChange {
            sp_id: link.sp_id.clone(),
            old_name: link.display_name.clone(),
            renamed,
            added,
            removed,
            all: put.then(|| in_directory.iter().map(|m| m.to_string()).collect()),
        })
    }

    /// Take over a same-name SP group [C] or create the group [I].
    async fn provision_group<T: Transport>(
        &mut self,
        group: &Group,
        members: Vec<String>,
        t: &T,
    ) -> Result<(), Finding> {
        let what = format!("look up group {}", group.name);
        let lookup = ScimOp::new(Insight::GroupLookup, Method::Get, "/Groups", format!("look up group {}", group.name))
            .query("filter", &format!("displayName eq {}", filter_string(&group.name)));
        let reply = send_ok(t, lookup, &what).await?;
        match first_resource(&reply, &what)? {
            Some(existing) => {
                let found = super::Reply { body: Some(existing.clone()), ..reply };
                let sp_id = resource_id(&found, &what)?;
                let present: Vec<String> = member_ids(&existing);
                let link = LinkedGroup { sp_id, display_name: group.name.clone(), members: present, members_by: None };
                let change = self.group_change(group, &link, &std::collections::HashSet::new());
                self.groups.insert(group.id.clone(), link);
                match change {
                    Some(change) => self.update_group(group, change, t).await,
                    None => Ok(()),
                }
            }
            None => {
                let label = format!("create group {}", group.name);
                let then_add = self.behaviour.group_create == GroupCreate::ThenAdd;
                let first: &[String] = if then_add { &[] } else { &members };
                let again =
                    ScimOp::new(Insight::GroupLookup, Method::Get, "/Groups", format!("look up group {}", group.name))
                        .query("filter", &format!("displayName eq {}", filter_string(&group.name)));
                let b = &self.behaviour;
                let (reply, note) = super::create_group(t, b, (&group.name, first), &label, again, &label).await?;
                if let Some(note) = note {
                    t.note(note);
                }
                let sp_id = resource_id(&reply, &label)?;
                let path = format!("/Groups/{sp_id}");
                let by = super::written_by("POST", "/Groups", &label, reply.exchange);
                self.groups.insert(
                    group.id.clone(),
                    LinkedGroup {
                        sp_id,
                        display_name: group.name.clone(),
                        members: first.to_vec(),
                        members_by: Some(by),
                    },
                );
                let dropped = dropped_members(&reply, first);
                if !dropped.is_empty() {
                    // Blame the create, at the step that sent it.
                    return Err(self
                        .create_dropped_members(group, &path, &dropped, first.len(), reply.exchange, t)
                        .await);
                }
                if then_add {
                    // `group_create: then_add`: the members follow in a PATCH.
                    let label = format!("add {} member(s) to {}", members.len(), group.name);
                    let op = ScimOp::new(Insight::GroupUpdate, Method::Patch, &path, &label)
                        .body_text(body::add_members(&members));
                    let reply = send_ok(t, op, &label).await?;
                    if let Some(link) = self.groups.get_mut(&group.id) {
                        link.members = members;
                        link.members_by = Some(super::written_by("PATCH", &path, &label, reply.exchange));
                    }
                }
                Ok(())
            }
        }
    }

    /// A `POST /Groups` answered without members it carried: the create's
    /// finding, naming the `group_create` knob and whether the SP takes the
    /// members in the other form (a PATCH add after the create, sent as a
    /// probe). When it does, the model follows the SP, as `compat-risk` does.
    async fn create_dropped_members<T: Transport>(
        &mut self,
        group: &Group,
        path: &str,
        dropped: &[String],
        sent: usize,
        exchange: u64,
        t: &T,
    ) -> Finding {
        let label = format!("probe group_create=then_add: add {} member(s) to {}", dropped.len(), group.name);
        let mut probe =
            ScimOp::new(Insight::GroupUpdate, Method::Patch, path, &label).body_text(body::add_members(dropped));
        probe.expects_refusal = true;
        probe.probe = true;
        let other = match t.send(probe).await {
            Ok(r) if r.is_success() => {
                if let Some(link) = self.groups.get_mut(&group.id) {
                    link.members.retain(|m| !dropped.contains(m));
                    link.members.extend(dropped.iter().cloned());
                    link.members_by = Some(super::written_by("PATCH", path, &label, r.exchange));
                }
                super::TAKES_THEN_ADD.to_string()
            }
            Ok(r) => {
                if let Some(link) = self.groups.get_mut(&group.id) {
                    link.members.retain(|m| !dropped.contains(m));
                }
                format!("a PATCH add after the create (`group_create: then_add`) was refused too (HTTP {})", r.status)
            }
            Err(f) => format!("a PATCH add after the create (`group_create: then_add`) got no answer ({})", f.kind),
        };
        crate::check::finding(
            crate::check::RuleId::CreateDropsMembers,
            format!(
                "create group {}: POST /Groups carried {sent} member(s), the SP's answer lacks {} of them \
                 (knob `group_create: with_members`); {other}",
                group.name,
                dropped.len()
            ),
        )
        .exchange(exchange)
    }

    /// Send a linked group's change; the link follows each request that succeeds.
    async fn update_group<T: Transport>(&mut self, group: &Group, change: GroupChange, t: &T) -> Result<(), Finding> {
        let path = format!("/Groups/{}", change.sp_id);
        if let Some(all) = change.all {
            let label = format!("update group {}", group.name);
            let op = ScimOp::new(Insight::GroupUpdate, Method::Put, &path, &label).body_text(body::group_put(
                &change.sp_id,
                &group.name,
                &all,
                self.behaviour.empty_group_members,
            ));
            // A pure rename says the same as a PATCH replace of `displayName`.
            let pure_rename = change.renamed && change.added.is_empty() && change.removed.is_empty();
            let (reply, form) = super::probe::send_form(t, &self.behaviour, op, &label, |form| {
                pure_rename.then_some(())?;
                let patch = body::rename_patch(&group.name, form)?;
                Some(ScimOp::new(Insight::GroupUpdate, Method::Patch, &path, &label).body(patch))
            })
            .await?;
            if let Some(link) = self.groups.get_mut(&group.id) {
                link.display_name = group.name.clone();
                link.members = all;
                let method = if form.is_some() { "PATCH" } else { "PUT" };
                link.members_by = Some(super::written_by(method, &path, &label, reply.exchange));
            }
            return Ok(());
        }
        if change.renamed {
            let label = format!("rename group {} to {}", change.old_name, group.name);
            // `put` sends the whole group above (`change.all`); here a PATCH form.
            let patch = body::rename_patch(&group.name, self.behaviour.group_update_method)
                .unwrap_or_else(|| body::rename(&group.name));
            let op = ScimOp::new(Insight::GroupUpdate, Method::Patch, &path, &label).body(patch);
            // Only a pure rename has a PUT form that says the same thing.
            let members = self.groups.get(&group.id).map(|l| l.members.clone()).unwrap_or_default();
            let put = (change.added.is_empty() && change.removed.is_empty())
                .then(|| body::group_put(&change.sp_id, &group.name, &members, self.behaviour.empty_group_members));
            super::probe::send_form(t, &self.behaviour, op, &label, |form| {
                match body::rename_patch(&group.name, form) {
                    Some(patch) => Some(ScimOp::new(Insight::GroupUpdate, Method::Patch, &path, &label).body(patch)),
                    None => Some(ScimOp::new(Insight::GroupUpdate, Method::Put, &path, &label).body_text(put.clone()?)),
                }
            })
            .await?;
            if let Some(link) = self.groups.get_mut(&group.id) {
                link.display_name = group.name.clone();
            }
        }
        if !change.added.is_empty() {
            let label = format!("add {} member(s) to {}", change.added.len(), group.name);
            let op = ScimOp::new(Insight::GroupUpdate, Method::Patch, &path, &label)
                .body_text(body::add_members(&change.added));
            let reply = send_ok(t, op, &label).await?;
            if let Some(link) = self.groups.get_mut(&group.id) {
                link.members.extend(change.added);
                link.members_by = Some(super::written_by("PATCH", &path, &label, reply.exchange));
            }
        }
        if !change.removed.is_empty() {
            let label = format!("remove {} member(s) from {}", change.removed.len(), group.name);
            let op = ScimOp::new(Insight::GroupUpdate, Method::Patch, &path, &label)
                .body(body::remove_members(&change.removed, self.behaviour.member_removal));
            let removed = &change.removed;
            let (reply, _) = super::probe::send_form(t, &self.behaviour, op, &label, |form| {
                Some(
                    ScimOp::new(Insight::GroupUpdate, Method::Patch, &path, &label)
                        .body(body::remove_members(removed, form)),
                )
            })
            .await?;
            if let Some(link) = self.groups.get_mut(&group.id) {
                let gone: std::collections::HashSet<&String> = change.removed.iter().collect();
                link.members.retain(|m| !gone.contains(m));
                link.members_by = Some(super::written_by("PATCH", &path, &label, reply.exchange));
            }
        }
        Ok(())
    }
}

/// The requests a linked group needs (see `group_change`).
struct GroupChange {
    sp_id: String,
    old_name: String,
    renamed: bool,
    added: Vec<String>,
    removed: Vec<String>,
    /// Every member's SP id, for a full-replace PUT (`group_update_method: put`).
    all: Option<Vec<String>>,
}

/// Job results put back in the order the jobs were started.
#[derive(Default)]
struct Ordered {
    next: usize,
    waiting: std::collections::BTreeMap<usize, (JcId, JobResult)>,
}

impl Ordered {
    fn apply(
        &mut self,
        (n, r): (usize, (JcId, JobResult)),
        users: &mut std::collections::BTreeMap<JcId, LinkedUser>,
        findings: &mut Vec<Finding>,
    ) {
        self.waiting.insert(n, r);
        while let Some(r) = self.waiting.remove(&self.next) {
            apply_job(users, findings, r);
            self.next += 1;
        }
    }
}

/// Keep a finished job's link and failure.
fn apply_job(
    users: &mut std::collections::BTreeMap<JcId, LinkedUser>,
    findings: &mut Vec<Finding>,
    (id, (link, failure)): (JcId, JobResult),
) {
    if let Some(link) = link {
        users.insert(id, link);
    }
    findings.extend(failure);
}

/// Job number `n`: its number and user id come back with its result.
async fn user_job<T: Transport>(
    n: usize,
    b: &Behaviour,
    user: std::borrow::Cow<'_, User>,
    link: Option<LinkedUser>,
    job: Job,
    t: &T,
) -> (usize, (JcId, JobResult)) {
    (n, (user.id.clone(), user_job_inner(b, &user, link, job, t).await))
}

async fn user_job_inner<T: Transport>(
    b: &Behaviour,
    user: &User,
    link: Option<LinkedUser>,
    job: Job,
    t: &T,
) -> JobResult {
    match (job, link) {
        (Job::Provision, _) => provision(b, user, t).await,
        (Job::Refresh(active), Some(link)) => {
            if link.sent.same_as(&body::user(user, b, active, None)) {
                return (None, None);
            }
            match update(b, user, link.clone(), active, t).await {
                Ok(l) => (Some(l), None),
                Err(f) => (None, Some(f)),
            }
        }
        (Job::Refresh(_), None) => (None, None),
    }
}

/// Lookup-before-create [C]: a hit links and updates the existing user, a miss creates it.
async fn provision<T: Transport>(b: &Behaviour, user: &User, t: &T) -> JobResult {
    let user_name = body::user_name(user, b);
    let lookup = |form: UserLookup| {
        let filter = match form {
            UserLookup::UserName => format!("userName eq {}", filter_string(&user_name)),
            UserLookup::Email => format!("emails[value eq {}]", filter_string(&user.email)),
            UserLookup::ExternalId => format!("externalId eq {}", filter_string(&user.id)),
        };
        ScimOp::new(Insight::UserLookup, Method::Get, "/Users", format!("look up {user_name}")).query("filter", &filter)
    };
    let what = format!("look up user {user_name}");
    let sent = super::probe::send_form(t, b, lookup(b.user_lookup), &what, |form| Some(lookup(form))).await;
    let found = match sent.and_then(|(reply, _)| Ok((first_resource(&reply, &what)?, reply))) {
        Ok(f) => f,
        Err(f) => return (None, Some(f)),
    };
    let active = body::desired_active(user, true);
    match found {
        (Some(existing), reply) => {
            let found = super::Reply { body: Some(existing), ..reply };
            let sp_id = match resource_id(&found, &what) {
                Ok(id) => id,
                Err(f) => return (None, Some(f)),
            };
            let link = LinkedUser::new(sp_id, SentBody::default(), true);
            match update(b, user, link.clone(), active, t).await {
                Ok(l) => (Some(l), None),
                Err(f) => (Some(link), Some(f)),
            }
        }
        (None, _) => {
            let what = format!("create user {user_name}");
            let full = body::user(user, b, active, None);
            let sent = SentBody::new(&full);
            let doc = keep_doc(b, &full);
            let create =
                ScimOp::new(Insight::UserCreate, Method::Post, "/Users", format!("create {user_name}")).body(full);
            let result = super::create(t, create, lookup(b.user_lookup), &what)
                .await
                .map_err(Finding::from)
                .and_then(|(reply, note)| Ok((resource_id(&reply, &what)?, note)));
            match result {
                Ok((sp_id, note)) => (Some(LinkedUser { doc, ..LinkedUser::new(sp_id, sent, active) }), note),
                Err(f) => (None, Some(f)),
            }
        }
    }
}

/// Full-replace PUT [C] (or PATCH under `update_method: patch`). Turning
/// `active` off is reported as `user_deprovision` [C].
async fn update<T: Transport>(
    b: &Behaviour,
    user: &User,
    link: LinkedUser,
    active: bool,
    t: &T,
) -> Result<LinkedUser, Finding> {
    let user_name = body::user_name(user, b);
    let (insight, label) = if link.active && !active {
        (Insight::UserDeprovision, format!("deactivate {user_name}"))
    } else {
        (Insight::UserUpdate, format!("update {user_name}"))
    };
    let path = format!("/Users/{}", link.sp_id);
    let full = body::user(user, b, active, Some(&link.sp_id));
    let op_for = |method: UpdateMethod| match method {
        UpdateMethod::Put => ScimOp::new(insight, Method::Put, &path, &label).body(full.clone()),
        UpdateMethod::Patch => ScimOp::new(insight, Method::Patch, &path, &label).body(body::user_patch(&full)),
        UpdateMethod::PatchPerAttribute => ScimOp::new(insight, Method::Patch, &path, &label)
            .body(body::user_patch_per_attribute(link.doc.as_deref(), &full)),
    };
    if link.active && !active {
        // Deprovisioning: `deprovision_method` picks the form.
        let deprovision = |form: DeprovisionMethod| match form {
            DeprovisionMethod::Update => op_for(b.update_method),
            DeprovisionMethod::PatchActive => {
                ScimOp::new(insight, Method::Patch, &path, &label).body(body::deactivate_patch())
            }
        };
        let op = deprovision(b.deprovision_method);
        super::probe::send_form(t, b, op, &label, |form| Some(deprovision(form))).await?;
    } else {
        super::probe::send_form(t, b, op_for(b.update_method), &label, |form| Some(op_for(form))).await?;
    }
    let sent = body::user(user, b, active, None);
    Ok(LinkedUser { doc: keep_doc(b, &sent), ..LinkedUser::new(link.sp_id, SentBody::new(&sent), active) })
}

/// The document to remember for the next update's changed paths (only
/// `update_method: patch_per_attribute` needs it).
fn keep_doc(b: &Behaviour, sent: &serde_json::Value) -> Option<Box<serde_json::Value>> {
    (b.update_method == UpdateMethod::PatchPerAttribute).then(|| Box::new(sent.clone()))
}

/// The members sent in a group create that its answer lacks. An answer
/// without a `members` attribute says nothing (RFC 7644 §3.3 lets the SP
/// return what it stores; `members` may be left out as a large attribute).
fn dropped_members(reply: &super::Reply, sent: &[String]) -> Vec<String> {
    let Some(body) = reply.body.as_ref().filter(|b| !sent.is_empty() && b.get("members").is_some()) else {
        return Vec::new();
    };
    let got: std::collections::HashSet<String> = member_ids(body).into_iter().collect();
    sent.iter().filter(|m| !got.contains(*m)).cloned().collect()
}

/// Member ids of a SCIM group representation, as strings.
pub(super) fn member_ids(group: &serde_json::Value) -> Vec<String> {
    group
        .get("members")
        .and_then(|m| m.as_array())
        .map(|items| {
            items
                .iter()
                .filter_map(|m| match m.get("value") {
                    Some(serde_json::Value::String(s)) => Some(s.clone()),
                    Some(v @ serde_json::Value::Number(_)) => Some(v.to_string()),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provision::{Fault, Reply, SentBody};
    use serde_json::{Value, json};
    use std::sync::Mutex;

    /// An SP that accepts everything and keeps the operations.
    #[derive(Default)]
    struct Capture(Mutex<Vec<ScimOp>>);

    impl Transport for Capture {
        async fn send(&self, op: ScimOp) -> Result<Reply, Fault> {
            let mut ops = self.0.lock().unwrap();
            ops.push(op);
            Ok(Reply { status: 200, body: Some(json!({})), raw: None, exchange: ops.len() as u64, location: None })
        }
    }

    /// A directory whose only user was linked to SP user `sp-1`, then deleted,
    /// under `user_delete: deactivate`; the final PUT's body.
    async fn final_put(keep_deleted_user: bool) -> (User, Value) {
        let yaml = "name: d\ndirectory:\n  users: [{ username: ann, email: ann@example.com, firstname: Ann }]\nsteps: [activate]\n";
        let mut dir = Directory::from_scenario(&crate::lint::load_str(yaml, "d.yaml").unwrap(), 1).unwrap();
        dir.app.active = true;
        let mut prov = Provisioner::new(Behaviour { user_delete: UserDelete::Deactivate, ..Behaviour::default() }, 1);
        let user = dir.delete_user("ann").unwrap();
        let sent = SentBody::new(&body::user(&user, &prov.behaviour, true, None));
        prov.users.insert(user.id.clone(), LinkedUser::new("sp-1".into(), sent, true));
        if !keep_deleted_user {
            dir.deleted.clear(); // state persisted before deleted users were kept
        }
        let t = Capture::default();
        assert!(prov.sync(&dir, &t).await.is_empty());
        let ops = t.0.into_inner().unwrap();
        assert_eq!(ops.len(), 1);
        assert_eq!((ops[0].method, ops[0].path.as_str()), (Method::Put, "/Users/sp-1"));
        assert!(prov.users.is_empty(), "the link is gone");
        (user, ops[0].body.as_ref().and_then(|b| b.to_value()).unwrap())
    }

    #[tokio::test]
    async fn a_deleted_user_is_deactivated_with_its_last_representation() {
        let (user, put) = final_put(true).await;
        assert_eq!(put, body::user(&user, &Behaviour::default(), false, Some("sp-1")));
        assert_eq!(put["name"]["givenName"], "Ann");
    }

    #[tokio::test]
    async fn without_the_deleted_user_the_final_put_carries_what_is_known() {
        let (_, put) = final_put(false).await;
        assert_eq!(put, body::deleted_user("ann@example.com", "sp-1"));
        assert_eq!(put["active"], false);
    }
}
