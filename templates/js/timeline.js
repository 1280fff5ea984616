// timeline.js: filters, chunked rendering of the step → event → exchange →
// check timeline, the run overview axis and deep links (#x-<id>, #s-<n>).
const STEP_BY_INDEX = new Map(PHASES.map((s) => [s.i, s]));
function stepOf(row) { return STEP_BY_INDEX.get(row[X_STEP]); }
const ROW_BY_ID = new Map();
DATA.x.forEach((r, i) => ROW_BY_ID.set(r[X_ID], i));
const CLASSES = ["2xx", "3xx", "4xx", "5xx", "none"];
// Status class colours (the filter chips), plus `unj`: see barClass().
const CLASS_COLOR = { "2xx": "#10a37f", "3xx": "#2f6fe4", "4xx": "#d98a04", "5xx": "#e0384b", none: "#5b6675", unj: "#9aa5b1" };
const SLOW = (() => {
  const d = DATA.x.map((r) => r[X_DUR]).sort((a, b) => a - b);
  return Math.max(250, 4 * (d.length ? d[d.length >> 1] : 0));
})();
const F = { fail: false, step: "", ev: "", cls: new Set(CLASSES), q: "", scale: "step" };
const TL = document.getElementById("timeline");
const ROW_EL = new Map();
const CHUNK = 200;
let TEXT = null;
let P = null;
let cur = null;
let sentinel = null;

function rowText(i) {
  if (TEXT === null) {
    TEXT = DATA.x.map((r) => ("#" + r[X_ID] + " " + r[X_METHOD] + " " + r[X_PATH] + " " + (r[X_STATUS] || "no response " + (r[X_ERR] || "")) + " " + r[X_LABEL] + " " + DATA.events[r[X_EV]]).toLowerCase());
  }
  return TEXT[i];
}

/** Which steps, exchanges and checks the current filters show. */
function plan() {
  const q = F.q.trim().toLowerCase();
  const ev = F.ev === "" ? -1 : Number(F.ev);
  const only = F.step === "" ? -1 : Number(F.step);
  const allCls = F.cls.size === CLASSES.length;
  const narrowing = F.fail || ev >= 0 || !allCls || q !== "";
  const items = [];
  const visible = new Set();
  for (const s of PHASES) {
    if (only >= 0 && s.i !== only) continue;
    const stepHit = q !== "" && (s.t.toLowerCase().includes(q) || (s.r || "").toLowerCase().includes(q));
    const xs = [];
    for (let i = s.x0; i < s.x1; i++) {
      const r = DATA.x[i];
      if (ev >= 0 && r[X_EV] !== ev) continue;
      if (!allCls && !F.cls.has(statusClass(r[X_STATUS]))) continue;
      if (F.fail && !isFailure(r) && !(r[X_FLAGS] & F_WARNING)) continue;
      if (q !== "" && !stepHit && !rowText(i).includes(q)) continue;
      xs.push(i);
      visible.add(i);
    }
    const ids = ev >= 0 || !allCls ? new Set(xs.map((i) => DATA.x[i][X_ID])) : null;
    const cs = s.c.filter((c) => (!F.fail || isTrouble(c.v)) &&
      (ids === null || (c.x !== null && ids.has(c.x))) &&
      (q === "" || stepHit || [c.id, c.m, c.admin, c.fix].join(" ").toLowerCase().includes(q)));
    const failedStep = isTrouble(s.v);
    if (!narrowing || xs.length || cs.length || stepHit || (F.fail && failedStep && ev < 0 && allCls && q === "")) {
      items.push({ s, xs, cs });
    }
  }
  return { items, visible };
}

function reset() {
  P = plan();
  TL.textContent = "";
  ROW_EL.clear();
  cur = { k: 0, pos: -1, box: null, list: null, g: null, gev: -1 };
  sentinel = null;
  if (!P.items.length) {
    const e = el("div", "empty", "Nothing matches the filters. ");
    const b = el("button", "btn", "Clear filters");
    b.type = "button";
    b.dataset.clear = "1";
    TL.appendChild(add(e, b));
  }
  renderMore(CHUNK);
  const n = P.visible.size, all = DATA.x.length;
  document.getElementById("f-count").textContent = n === all ? all + " exchanges" : "showing " + n + " of " + all + " exchanges";
}

/** Append up to `budget` rows, or until `until()` holds. */
function renderMore(budget, until) {
  const items = P.items;
  while (cur.k < items.length && (budget > 0 || (until && !until()))) {
    const it = items[cur.k];
    if (cur.pos < 0) { startStep(it); cur.pos = 0; budget--; }
    if (cur.pos < it.xs.length) { appendRow(it, cur.pos++); budget--; continue; }
    if (it.cs.length) {
      const cl = el("div", "checks");
      for (const c of it.cs) cl.appendChild(checkEl(c, true));
      cur.box.appendChild(cl);
      budget -= it.cs.length;
    }
    cur.k++;
    cur.pos = -1;
    cur.g = null;
  }
  if (sentinel) sentinel.remove();
  if (cur.k < items.length) {
    sentinel = el("button", "btn more", "Show more");
    sentinel.type = "button";
    sentinel.dataset.more = "1";
    TL.appendChild(sentinel);
    OBSERVER.observe(sentinel);
  } else {
    sentinel = null;
    tail();
  }
}
const OBSERVER = new IntersectionObserver((entries) => {
  for (const e of entries) if (e.isIntersecting && e.target === sentinel) renderMore(CHUNK);
}, { rootMargin: "1200px 0px" });

function tail() {
  if (TL.querySelector(".tail")) return;
  if (DATA.not_run > 0) TL.appendChild(el("div", "tail", DATA.not_run + " more step" + (DATA.not_run === 1 ? "" : "s") + " of the scenario did not run."));
  if (document.body.classList.contains("run-incomplete")) {
    TL.appendChild(el("div", "tail incomplete", "The record ends here: the run did not finish (no run_finished event)."));
  }
}

function stepScale(s) {
  if (F.scale === "run") return [0, Math.max(DATA.dur, 1)];
  let hi = s.at + s.d;
  for (let i = s.x0; i < s.x1; i++) hi = Math.max(hi, DATA.x[i][X_START] + DATA.x[i][X_DUR]);
  return [s.at, Math.max(hi, s.at + 1)];
}

/** The section id of a step (`s-3`) or of the cleanup phase (`cleanup`). */
function sectionId(s) {
  return s === CLEANUP ? "cleanup" : "s-" + (s.i + 1);
}
const PILL = { skip: "skipped", info: "not judged" };

function startStep(it) {
  const s = it.s;
  const cleanup = s === CLEANUP;
  const sec = el("section", "step v-" + s.v + (cleanup ? " phase" : ""));
  sec.id = sectionId(s);
  sec.dataset.i = s.i;
  const box = el("div", "sbox");
  const sh = el("div", "sh");
  const n = s.x1 - s.x0;
  const shown = it.xs.length === n ? "" : " (" + it.xs.length + " shown)";
  if (cleanup) add(sh, el("h2", null, "cleanup"), el("span", "src", s.t.replace(/^cleanup:\s*/, "")));
  else add(sh, el("span", "sn", s.i + 1 + "."), el("h2", null, s.t), el("span", "src", DATA.file + ":" + s.ln));
  add(sh,
    el("span", "pill v-" + s.v, cleanup ? PILL.info : PILL[s.v] || s.v),
    el("span", "sd", fmtMs(s.d) + " · " + n + " exchange" + (n === 1 ? "" : "s") + shown));
  add(box, sh);
  if (cleanup) box.appendChild(el("div", "phase-note", "After the scenario: deletes what this run created at the SP. Shown, never judged: it changes no verdict or count."));
  if (s.r) box.appendChild(el("div", "reason", (s.v === "skip" ? "Skipped: " : "") + s.r));
  const list = el("div", "xs");
  if (it.xs.length) {
    const ax = el("div", "x xa");
    for (let i = 0; i < 6; i++) ax.appendChild(el("span"));
    ax.lastChild.className = "muted";
    ax.lastChild.textContent = "latency";
    ax.appendChild(el("span", "axis"));
    const g = el("div", "g");
    add(g, el("div", "gh muted", "Directory Insights event"), add(el("div", "gr"), ax));
    list.appendChild(g);
    setAxis(ax.lastChild, s);
  }
  box.appendChild(list);
  add(sec, el("span", "sdot"), box);
  TL.appendChild(sec);
  cur.box = box;
  cur.list = list;
  cur.step = s;
}

function setAxis(axis, s) {
  const [lo, hi] = stepScale(s);
  axis.textContent = "";
  add(axis, el("span", null, "+" + fmtMs(lo)), el("span", null, "+" + fmtMs(hi)));
}

function appendRow(it, pos) {
  const xi = it.xs[pos];
  const r = DATA.x[xi];
  if (cur.g === null || cur.gev !== r[X_EV]) {
    let n = 1;
    while (pos + n < it.xs.length && DATA.x[it.xs[pos + n]][X_EV] === r[X_EV]) n++;
    // Requests of an identity source to JumpCloud's SCIM API form their own lane.
    const inbound = DATA.events[r[X_EV]].startsWith("inbound_");
    const g = el("div", inbound ? "g inb" : "g");
    const gh = el("div", "gh");
    add(gh, el("span", "ev", DATA.events[r[X_EV]]), el("span", "gc", n > 1 ? "×" + n : ""));
    if (inbound) gh.appendChild(el("span", "lane", "identity source → JumpCloud"));
    const rows = el("div", "gr");
    add(g, gh, rows);
    cur.list.appendChild(g);
    cur.g = rows;
    cur.gev = r[X_EV];
  }
  const e = rowEl(xi);
  cur.g.appendChild(e);
  ROW_EL.set(xi, e);
}

function rowEl(xi) {
  const r = DATA.x[xi];
  const cls = statusClass(r[X_STATUS]);
  const e = el("div", "x" + (isFailure(r) ? " bad" : r[X_FLAGS] & F_WARNING ? " warnx" : "") + (r[X_FLAGS] & F_UNJUDGED ? " unj" : ""));
  e.id = "x-" + r[X_ID];
  e.dataset.i = xi;
  e.tabIndex = 0;
  const a = el("a", "xid", "#" + r[X_ID]);
  a.href = "#x-" + r[X_ID];
  const path = el("span", "p", readablePath(r[X_PATH]));
  path.title = r[X_PATH];
  const lbl = el("span", "lbl");
  const refused = isExpectedRefusal(r);
  if (r[X_ATTEMPT] > 1) lbl.appendChild(el("span", "rt", "retry " + r[X_ATTEMPT]));
  if (refused) lbl.appendChild(el("span", "xp", "expected 4xx"));
  lbl.appendChild(document.createTextNode(" " + r[X_LABEL]));
  const wf = el("span", "wf");
  wf.appendChild(el("i", "c" + barClass(r) + (r[X_ATTEMPT] > 1 ? " retry" : "")));
  placeBar(wf.firstChild, r);
  const badge = el("span", "b " + (refused ? "bexp" : "b" + cls), r[X_STATUS] || r[X_ERR] || "none");
  if (refused) badge.title = "expected 4xx: this request was meant to be refused, and was";
  add(e, a, el("span", "m m-" + r[X_METHOD], r[X_METHOD]), path, lbl, badge,
    el("span", "lat" + (r[X_DUR] >= SLOW ? " slow" : ""), fmtMs(r[X_DUR])), wf);
  return e;
}

function placeBar(bar, r) {
  const [lo, hi] = stepScale(stepOf(r) || { at: 0, d: DATA.dur, x0: 0, x1: 0 });
  const span = hi - lo;
  const left = Math.min(100, Math.max(0, ((r[X_START] - lo) / span) * 100));
  const width = Math.min(100 - left, Math.max(0.6, (r[X_DUR] / span) * 100));
  bar.style.left = left.toFixed(2) + "%";
  bar.style.width = width.toFixed(2) + "%";
}

function toggle(xi, open) {
  const row = ROW_EL.get(xi);
  if (!row) return;
  const next = row.nextElementSibling;
  const isOpen = next !== null && next.classList.contains("xd");
  if (isOpen && open !== true) { next.remove(); row.classList.remove("open"); }
  else if (!isOpen && open !== false) { row.after(renderDetail(xi)); row.classList.add("open"); }
}

function clearFilters() {
  F.fail = false; F.step = ""; F.ev = ""; F.q = ""; F.cls = new Set(CLASSES);
  document.getElementById("f-fail").checked = false;
  document.getElementById("f-step").value = "";
  document.getElementById("f-ev").value = "";
  document.getElementById("f-q").value = "";
  for (const b of document.querySelectorAll("#f-cls button")) b.classList.add("on");
  reset();
}

/** Open and scroll to the exchange or step named by the URL fragment. */
function openHash() {
  const hash = decodeURIComponent(location.hash);
  let m = /^#x-(\d+)$/.exec(hash);
  if (m && ROW_BY_ID.has(Number(m[1]))) { reveal(ROW_BY_ID.get(Number(m[1]))); return; }
  m = /^#(s-\d+|cleanup)$/.exec(hash);
  if (m) {
    const id = m[1];
    if (!P.items.some((it) => sectionId(it.s) === id)) clearFilters();
    renderMore(0, () => document.getElementById(id) !== null);
    const sec = document.getElementById(id);
    if (sec) sec.scrollIntoView({ block: "start" });
  }
}
function reveal(xi) {
  if (!P.visible.has(xi)) clearFilters();
  renderMore(0, () => ROW_EL.has(xi));
  toggle(xi, true);
  const row = ROW_EL.get(xi);
  if (!row) return;
  row.scrollIntoView({ block: "center" });
  row.classList.remove("flash");
  void row.offsetWidth;
  row.classList.add("flash");
}
