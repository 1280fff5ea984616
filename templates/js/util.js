// util.js: data access and DOM helpers. Everything from the run is data:
// it reaches the page only through textContent and attribute setters.
const DATA = JSON.parse(document.getElementById("jc-data").textContent);
let DETAILS = null;
/** Exchange details, parsed on first use (the largest part of the page). */
function details() {
  if (DETAILS === null) {
    const node = document.getElementById("jc-details");
    DETAILS = JSON.parse(node.textContent);
    node.textContent = "";
  }
  return DETAILS;
}
// Row fields, see view.rs XRow.
const X_ID = 0, X_STEP = 1, X_EV = 2, X_LABEL = 3, X_ATTEMPT = 4, X_METHOD = 5, X_PATH = 6,
  X_STATUS = 7, X_START = 8, X_DUR = 9, X_ERR = 10, X_FLAGS = 11;
// Row flags, see view.rs FLAG_*.
const F_FAILING_CHECK = 1, F_WARNING = 2, F_REFUSAL = 4, F_UNJUDGED = 8, F_FAILED = 16;
// The cleanup phase (shown after the steps, never judged) and every part with rows.
const CLEANUP = DATA.cleanup || null;
const PHASES = CLEANUP ? DATA.steps.concat([CLEANUP]) : DATA.steps;

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined && text !== null) e.textContent = String(text);
  return e;
}
function add(parent, ...kids) {
  for (const k of kids) if (k) parent.appendChild(k);
  return parent;
}
function fmtMs(ms) {
  if (ms < 1) return ms.toFixed(2) + " ms";
  if (ms < 100) return ms.toFixed(1) + " ms";
  if (ms < 10000) return Math.round(ms) + " ms";
  if (ms < 120000) return (ms / 1000).toFixed(1) + " s";
  const s = Math.round(ms / 1000);
  return Math.floor(s / 60) + " min " + (s % 60) + " s";
}
function statusClass(status) {
  return status ? Math.floor(status / 100) + "xx" : "none";
}
/** A failing check points here, or it failed on its own terms (an error
 * status, no response, or a refusal probe that was not refused). Rows of the
 * cleanup phase, which is not judged, carry neither flag. */
function isFailure(row) {
  return (row[X_FLAGS] & (F_FAILED | F_FAILING_CHECK)) !== 0;
}
/** Meant to be refused and refused: a 4xx that is a success. */
function isExpectedRefusal(row) {
  return (row[X_FLAGS] & F_REFUSAL) !== 0 && statusClass(row[X_STATUS]) === "4xx";
}
/** The colour of the row's bar (a CLASS_COLOR key): grey for the cleanup
 * phase, green for an expected refusal, else the status class. */
function barClass(row) {
  return row[X_FLAGS] & F_UNJUDGED ? "unj" : isExpectedRefusal(row) ? "2xx" : statusClass(row[X_STATUS]);
}
/** Step and check verdicts that count as trouble (skipped and cleanup do not). */
function isTrouble(v) {
  return v === "fail" || v === "warn" || v === "incomplete";
}
function toast(msg) {
  const t = document.getElementById("toast");
  t.textContent = msg;
  t.classList.add("show");
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => t.classList.remove("show"), 1600);
}
function copyText(text, what) {
  const done = () => toast(what + " copied");
  const fallback = () => {
    const ta = el("textarea");
    ta.value = text;
    ta.style.position = "fixed";
    ta.style.opacity = "0";
    document.body.appendChild(ta);
    ta.select();
    try { document.execCommand("copy"); done(); } catch (e) { toast("Copy failed: select the text instead"); }
    ta.remove();
  };
  if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(text).then(done, fallback);
  else fallback();
}

/** Pretty JSON with syntax colours, built from text nodes and spans. */
const JSON_TOKEN = /("(?:\\.|[^"\\])*")(\s*:)?|\b(?:true|false|null)\b|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g;
function jsonBlock(value) {
  const pre = el("pre", "json");
  const text = typeof value === "string" ? value : JSON.stringify(value, null, 2);
  if (text.length > 200000) { pre.textContent = text; return pre; }
  let last = 0, m;
  JSON_TOKEN.lastIndex = 0;
  const frag = document.createDocumentFragment();
  while ((m = JSON_TOKEN.exec(text)) !== null) {
    if (m.index > last) frag.appendChild(document.createTextNode(text.slice(last, m.index)));
    let cls = "jn";
    if (m[1] !== undefined) cls = m[2] ? "jk" : "js";
    else if (m[0] === "true" || m[0] === "false" || m[0] === "null") cls = "jb";
    frag.appendChild(el("span", cls, m[1] !== undefined ? m[1] : m[0]));
    if (m[2]) frag.appendChild(document.createTextNode(m[2]));
    last = JSON_TOKEN.lastIndex;
  }
  if (last < text.length) frag.appendChild(document.createTextNode(text.slice(last)));
  pre.appendChild(frag);
  return pre;
}

/** `/Users?filter=userName%20eq%20%22a%22` → `/Users?filter=userName eq "a"` (display only). */
function readablePath(p) {
  if (p.indexOf("%") < 0) return p;
  try { return decodeURIComponent(p); } catch (e) { return p; }
}
/** POSIX shell single-quoting. */
function shq(s) {
  return "'" + String(s).replace(/'/g, "'\\''") + "'";
}
/** A header argument; redacted credentials become "$SCIM_TOKEN". */
function headerArg(name, value) {
  const full = name + ": " + value;
  if (!full.includes("[REDACTED]")) return shq(full);
  return full.split("[REDACTED]").map((p) => (p ? shq(p) : "")).join('"$SCIM_TOKEN"');
}
/** The exchange as a curl command (set SCIM_TOKEN in the shell first). */
function curlFor(row, d) {
  const parts = ["curl -sS -i -X " + row[X_METHOD] + " " + shq(d[0])];
  for (const [n, v] of d[1] || []) parts.push("-H " + headerArg(n, v));
  if (d[2] !== null && d[2] !== undefined) parts.push("--data-raw " + shq(JSON.stringify(d[2])));
  return parts.join(" \\\n  ");
}
