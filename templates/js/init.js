// init.js: toolbar controls, the run overview canvas, keyboard and start-up.
function initControls() {
  const stepSel = document.getElementById("f-step");
  for (const s of PHASES) stepSel.appendChild(new Option(s === CLEANUP ? "cleanup (not judged)" : s.i + 1 + ". " + s.t, String(s.i)));
  const evSel = document.getElementById("f-ev");
  const evCount = DATA.events.map(() => 0);
  const clsCount = {};
  for (const r of DATA.x) {
    evCount[r[X_EV]]++;
    const c = statusClass(r[X_STATUS]);
    clsCount[c] = (clsCount[c] || 0) + 1;
  }
  DATA.events.forEach((name, i) => evSel.appendChild(new Option(name + " (" + evCount[i] + ")", String(i))));
  const chips = document.getElementById("f-cls");
  for (const c of CLASSES) {
    const b = el("button", "on");
    b.type = "button";
    b.dataset.cls = c;
    const dot = el("i");
    dot.style.background = CLASS_COLOR[c];
    add(b, dot, document.createTextNode((c === "none" ? "no response" : c) + " " + (clsCount[c] || 0)));
    chips.appendChild(b);
  }
  chips.addEventListener("click", (e) => {
    const b = e.target.closest("button");
    if (!b) return;
    b.classList.toggle("on");
    if (F.cls.has(b.dataset.cls)) F.cls.delete(b.dataset.cls); else F.cls.add(b.dataset.cls);
    reset();
  });
  document.getElementById("f-fail").addEventListener("change", (e) => { F.fail = e.target.checked; reset(); });
  stepSel.addEventListener("change", () => { F.step = stepSel.value; reset(); });
  evSel.addEventListener("change", () => { F.ev = evSel.value; reset(); });
  const q = document.getElementById("f-q");
  let timer = 0;
  q.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => { F.q = q.value; reset(); }, 150);
  });
  document.getElementById("f-scale").addEventListener("click", (e) => {
    const b = e.target.closest("button");
    if (!b) return;
    F.scale = b.dataset.scale;
    for (const o of document.querySelectorAll("#f-scale button")) o.classList.toggle("on", o === b);
    for (const [xi, row] of ROW_EL) placeBar(row.querySelector(".wf i"), DATA.x[xi]);
    for (const sec of TL.querySelectorAll("section.step")) {
      const s = STEP_BY_INDEX.get(Number(sec.dataset.i));
      const axis = sec.querySelector(".axis");
      if (s && axis) setAxis(axis, s);
    }
  });
  TL.addEventListener("click", (e) => {
    const t = e.target;
    const act = t.closest("button[data-act]");
    if (act) { detailAction(act.dataset.act, Number(act.closest(".xd").dataset.i)); return; }
    if (t.closest("button[data-more]")) { renderMore(CHUNK); return; }
    if (t.closest("button[data-clear]")) { clearFilters(); return; }
    if (t.closest("a") || t.closest(".xd")) return;
    const row = t.closest(".x[data-i]");
    if (row && getSelection().isCollapsed) toggle(Number(row.dataset.i));
  });
  TL.addEventListener("keydown", (e) => {
    const row = e.target.closest && e.target.closest(".x[data-i]");
    if (row && (e.key === "Enter" || e.key === " ")) { e.preventDefault(); toggle(Number(row.dataset.i)); }
  });
  document.addEventListener("keydown", (e) => {
    const typing = /^(INPUT|SELECT|TEXTAREA)$/.test(document.activeElement.tagName);
    if (e.key === "/" && !typing) { e.preventDefault(); q.focus(); q.select(); }
    else if (e.key === "Escape" && document.activeElement === q) { q.value = ""; F.q = ""; reset(); q.blur(); }
    else if (e.key === "f" && !typing && !e.ctrlKey && !e.metaKey) {
      const box = document.getElementById("f-fail");
      box.checked = !box.checked;
      F.fail = box.checked;
      reset();
    }
  });
  window.addEventListener("hashchange", openHash);
}

const ORDER = DATA.x.map((r, i) => i).sort((a, b) => DATA.x[a][X_START] - DATA.x[b][X_START]);
function nearest(t) {
  let lo = 0, hi = ORDER.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (DATA.x[ORDER[mid]][X_START] + DATA.x[ORDER[mid]][X_DUR] < t) lo = mid + 1; else hi = mid;
  }
  return ORDER.length ? ORDER[lo] : -1;
}

function drawOverview() {
  const cv = document.getElementById("ov");
  const w = cv.clientWidth || 800, h = 72, dpr = window.devicePixelRatio || 1;
  cv.width = Math.round(w * dpr);
  cv.height = Math.round(h * dpr);
  const ctx = cv.getContext("2d");
  ctx.scale(dpr, dpr);
  const T = Math.max(DATA.dur, 1);
  PHASES.forEach((s, k) => {
    const x0 = (s.at / T) * w, x1 = ((s.at + s.d) / T) * w;
    ctx.fillStyle = k % 2 ? "rgba(20,184,166,0.07)" : "rgba(20,184,166,0.14)";
    ctx.fillRect(x0, 0, Math.max(1, x1 - x0), h);
    if (isTrouble(s.v)) {
      ctx.fillStyle = s.v === "fail" ? "#e0384b" : "#d98a04";
      ctx.fillRect(x0, 0, Math.max(2, x1 - x0), 3);
    }
  });
  let maxD = 1;
  for (const r of DATA.x) maxD = Math.max(maxD, r[X_DUR]);
  const scale = Math.log1p(maxD);
  const draw = (r) => {
    const x = (r[X_START] / T) * w;
    const bw = Math.max(1, (r[X_DUR] / T) * w);
    const bh = 6 + (h - 12) * (Math.log1p(r[X_DUR]) / scale);
    ctx.fillStyle = CLASS_COLOR[barClass(r)];
    ctx.fillRect(x, h - bh, bw, bh);
  };
  for (const r of DATA.x) if (!isFailure(r)) draw(r);
  for (const r of DATA.x) if (isFailure(r)) draw(r);
  const axis = document.getElementById("ov-axis");
  axis.textContent = "";
  for (let k = 0; k <= 4; k++) {
    const s = el("span", null, k === 0 ? "0" : "+" + fmtMs((T * k) / 4));
    s.style.left = k * 25 + "%";
    if (k === 0) s.style.transform = "none";
    if (k === 4) s.style.transform = "translateX(-100%)";
    axis.appendChild(s);
  }
}

function initOverview() {
  const cv = document.getElementById("ov");
  const info = document.getElementById("ov-info");
  const defaultInfo = info.textContent;
  const at = (e) => nearest((e.offsetX / cv.clientWidth) * Math.max(DATA.dur, 1));
  cv.addEventListener("mousemove", (e) => {
    const xi = at(e);
    if (xi < 0) return;
    const r = DATA.x[xi];
    info.textContent = "#" + r[X_ID] + " " + r[X_METHOD] + " " + r[X_PATH] + " → " + (r[X_STATUS] || "no response") + " · " + fmtMs(r[X_DUR]) + " · " + DATA.events[r[X_EV]];
  });
  cv.addEventListener("mouseleave", () => { info.textContent = defaultInfo; });
  cv.addEventListener("click", (e) => {
    const xi = at(e);
    if (xi < 0) return;
    const hash = "#x-" + DATA.x[xi][X_ID];
    if (location.hash === hash) reveal(xi); else location.hash = hash;
  });
  let resize = 0;
  window.addEventListener("resize", () => { clearTimeout(resize); resize = setTimeout(drawOverview, 100); });
  drawOverview();
}

initControls();
reset();
initOverview();
if (location.hash) openHash();
document.documentElement.dataset.ready = "1";
window.jcsimReady = performance.now();
(window.requestIdleCallback || ((f) => setTimeout(f, 200)))(() => details());
