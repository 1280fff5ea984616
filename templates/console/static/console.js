// jcsim console: presenter-mode request plans and the live Directory Insights
// timeline. Data is only ever written with textContent (no HTML parsing of data).
// A path as an admin reads it: percent-encoding decoded (a filter shows
// `userName eq "…"`, not `userName%20eq%20%22…`); left as is if malformed.
function readable(path) {
  try { return decodeURIComponent(path); } catch (e) { return path; }
}
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="csrf-token"]');
  var csrf = meta ? meta.getAttribute("content") : "";

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  // ---- banners ----
  document.querySelectorAll(".banner-close").forEach(function (b) {
    b.addEventListener("click", function () { b.parentElement.remove(); });
  });

  // ---- presenter mode ----
  var KEY = "jcsim.presenter";
  var toggle = document.getElementById("presenter-toggle");
  function presenter() { try { return localStorage.getItem(KEY) === "1"; } catch (e) { return false; } }
  if (toggle) {
    toggle.checked = presenter();
    toggle.addEventListener("change", function () {
      try { localStorage.setItem(KEY, toggle.checked ? "1" : "0"); } catch (e) { /* private mode */ }
    });
  }

  var dialog = document.getElementById("plan-dialog");
  var pending = null;

  function showPlan(form, url) {
    var body = new URLSearchParams(new FormData(form));
    var sep = url.indexOf("?") >= 0 ? "&" : "?";
    return fetch(url + sep + "preview=1", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/x-www-form-urlencoded", "X-CSRF-Token": csrf },
      body: body.toString()
    }).then(function (r) {
      if (!r.ok) throw new Error("HTTP " + r.status);
      return r.json();
    }).then(function (data) {
      var list = document.getElementById("plan-list");
      list.textContent = "";
      document.getElementById("plan-action").textContent = data.title || "";
      (data.plan || []).forEach(function (p) {
        var li = el("li");
        li.appendChild(el("span", "ev", p.event));
        li.appendChild(document.createTextNode(p.method + " " + readable(p.path)));
        li.title = p.label || "";
        list.appendChild(li);
      });
      document.getElementById("plan-empty").hidden = (data.plan || []).length > 0;
      pending = { form: form, url: url };
      if (dialog && dialog.showModal) dialog.showModal();
    });
  }

  if (dialog) {
    document.getElementById("plan-cancel").addEventListener("click", function () { pending = null; dialog.close(); });
    document.getElementById("plan-confirm").addEventListener("click", function () {
      if (!pending) return;
      var p = pending;
      pending = null;
      dialog.close();
      p.form.setAttribute("action", p.url);
      HTMLFormElement.prototype.submit.call(p.form);
    });
  }

  document.querySelectorAll("form.act").forEach(function (form) {
    form.addEventListener("submit", function (ev) {
      if (!presenter()) return;
      ev.preventDefault();
      var sub = ev.submitter;
      var url = (sub && sub.getAttribute("formaction")) || form.getAttribute("action");
      showPlan(form, url).catch(function () { HTMLFormElement.prototype.submit.call(form); });
    });
  });

  document.querySelectorAll(".js-preview").forEach(function (b) {
    b.addEventListener("click", function () {
      var form = document.getElementById(b.getAttribute("data-form"));
      if (form) showPlan(form, b.getAttribute("data-action")).catch(function () {});
    });
  });

  // ---- Identity Management: the header name only matters for an API key ----
  var authType = document.getElementById("auth_type");
  var headerField = document.getElementById("header_name_field");
  if (authType && headerField) {
    authType.addEventListener("change", function () { headerField.hidden = authType.value !== "api_key"; });
  }

  // ---- Load a scenario: an uploaded file is read into the YAML box ----
  var loadFile = document.getElementById("load-file");
  var loadYaml = document.getElementById("load-yaml");
  if (loadFile && loadYaml) {
    loadFile.addEventListener("change", function () {
      var f = loadFile.files && loadFile.files[0];
      if (!f) return;
      f.text().then(function (t) {
        loadYaml.value = t;
        document.getElementById("load-builtin").value = "";
      });
    });
  }

  // ---- API Settings: copy the key to the clipboard without showing it ----
  var copyKey = document.getElementById("copy-api-key");
  if (copyKey) {
    copyKey.addEventListener("click", function () {
      var status = document.getElementById("copy-status");
      fetch("/settings/api/copy", {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/x-www-form-urlencoded", "X-CSRF-Token": csrf },
        body: ""
      }).then(function (r) {
        if (!r.ok) throw new Error("HTTP " + r.status);
        return r.json();
      }).then(function (data) {
        return navigator.clipboard.writeText(data.key);
      }).then(function () {
        status.textContent = "Copied.";
      }).catch(function () {
        status.textContent = "Could not copy (the clipboard needs http://127.0.0.1 or localhost).";
      });
    });
  }

  // ---- Directory Insights ----
  var timeline = document.getElementById("timeline");
  if (!timeline) return;
  var next = 0;
  var runStart = null;
  var steps = {};
  var fEvent = document.getElementById("f-event");
  var fText = document.getElementById("f-text");
  var fFailed = document.getElementById("f-failed");
  var live = document.getElementById("live-status");

  function pretty(v) {
    if (v === null || v === undefined) return "";
    try { return JSON.stringify(v, null, 2); } catch (e) { return String(v); }
  }

  function headersText(h) {
    return (h || []).map(function (kv) { return kv[0] + ": " + kv[1]; }).join("\n");
  }

  function section(parent, title, text) {
    if (!text) return;
    parent.appendChild(el("h4", null, title));
    parent.appendChild(el("pre", "code", text));
  }

  function stepBlock(i) {
    if (steps[i]) return steps[i];
    var box = el("section", "tstep");
    box.dataset.step = i;
    var head = el("div", "tstep-h");
    var num = el("span", "badge", "#" + (Number(i) + 1));
    var title = el("span", "t", "step " + i);
    var verdict = el("span", "badge", "running");
    head.appendChild(num); head.appendChild(title); head.appendChild(verdict);
    var body = el("div", "tstep-b");
    var checks = el("div", "checks");
    box.appendChild(head); box.appendChild(body); box.appendChild(checks);
    timeline.insertBefore(box, timeline.firstChild);
    steps[i] = { box: box, title: title, verdict: verdict, body: body, checks: checks };
    return steps[i];
  }

  function addExchange(x) {
    var s = stepBlock(x.step);
    // Requests of an identity source to JumpCloud's SCIM API form their own lane.
    var inbound = x.event.indexOf("inbound_") === 0;
    var row = el("div", inbound ? "ex inbound" : "ex");
    var status = x.response ? x.response.status : (x.error ? x.error.kind : "—");
    var ok = x.response && x.response.status < 400;
    row.dataset.event = x.event;
    row.dataset.failed = ok ? "0" : "1";
    row.dataset.search = (x.event + " " + x.label + " " + x.request.method + " " + x.request.url + " " + status).toLowerCase();
    var h = el("button", "ex-h");
    h.type = "button";
    // When (wall clock, from the run's start), what, who started it.
    var at = runStart !== null && x.timing ? new Date(runStart + x.timing.start_ms) : null;
    h.appendChild(el("time", "muted small", at ? at.toLocaleTimeString([], { hour12: false }) + "." + String(at.getMilliseconds()).padStart(3, "0") : ""));
    var ev = el("span", "ev", x.event);
    ev.title = x.event;
    h.appendChild(ev);
    // Who sent it: JumpCloud, an identity source (to JumpCloud's SCIM API),
    // or jcsim itself (its read-back, probes, raw requests and cleanup).
    var who = inbound ? "identity source" : (x.event.indexOf("jcsim_") === 0 ? "jcsim" : "JumpCloud");
    var initiator = el("span", "who muted small", "initiator: " + who);
    if (inbound) initiator.title = "identity source → JumpCloud";
    h.appendChild(initiator);
    h.appendChild(el("span", "m", x.request.method));
    h.appendChild(el("span", "st " + (ok ? "ok" : "bad"), status));
    var path = readable(x.request.url.replace(/^https?:\/\/[^/]+/, ""));
    var p = el("span", "p", path);
    p.title = x.label;
    h.appendChild(p);
    h.appendChild(el("span", "muted small", (x.timing ? x.timing.duration_ms.toFixed(1) : "0.0") + " ms"));
    var d = el("div", "ex-d");
    d.hidden = true;
    h.addEventListener("click", function () {
      if (d.childNodes.length === 0) {
        d.appendChild(el("div", "muted", x.label + (x.attempt > 1 ? " (attempt " + x.attempt + ")" : "")));
        section(d, "Request", x.request.method + " " + x.request.url + "\n" + headersText(x.request.headers));
        section(d, "Request body", pretty(x.request.body));
        if (x.response) {
          section(d, "Response", "HTTP " + x.response.status + "\n" + headersText(x.response.headers));
          section(d, "Response body", x.response.body !== null && x.response.body !== undefined ? pretty(x.response.body) : (x.response.body_text || ""));
        }
        if (x.error) section(d, "No response", x.error.kind + ": " + x.error.message);
      }
      d.hidden = !d.hidden;
    });
    row.appendChild(h);
    row.appendChild(d);
    s.body.appendChild(row);
  }

  function handle(e) {
    switch (e.type) {
      case "run_started": {
        var t = Date.parse(e.started_at);
        runStart = isNaN(t) ? null : t;
        break;
      }
      case "step_started": {
        var s = stepBlock(e.step);
        s.title.textContent = e.title;
        break;
      }
      case "exchange": addExchange(e); break;
      case "check": {
        if (e.verdict === "pass") break;
        var c = stepBlock(e.step);
        var line = el("div", e.verdict, (e.verdict === "fail" ? "✗ " : "⚠ ") + e.message);
        if (e.admin_sees) line.appendChild(el("div", "muted small", "What the admin would see: " + e.admin_sees));
        if (e.fix) line.appendChild(el("div", "muted small", "Fix: " + e.fix));
        c.checks.appendChild(line);
        break;
      }
      case "step_finished": {
        var f = stepBlock(e.step);
        f.verdict.textContent = e.verdict;
        f.verdict.className = "badge " + (e.verdict === "fail" ? "status-failed" : e.verdict === "warn" ? "status-incomplete" : "status-passed");
        if (e.verdict === "fail") f.box.classList.add("fail");
        f.box.dataset.failed = e.verdict === "fail" ? "1" : "0";
        break;
      }
      default: break;
    }
  }

  function applyFilters() {
    var ev = fEvent.value, text = fText.value.trim().toLowerCase(), failed = fFailed.checked;
    var any = false;
    Object.keys(steps).forEach(function (k) {
      var s = steps[k];
      var rows = s.body.querySelectorAll(".ex");
      var visible = 0;
      rows.forEach(function (r) {
        var show = (!ev || r.dataset.event === ev) && (!text || r.dataset.search.indexOf(text) >= 0 || s.title.textContent.toLowerCase().indexOf(text) >= 0) && (!failed || r.dataset.failed === "1" || s.box.dataset.failed === "1");
        r.hidden = !show;
        if (show) visible++;
      });
      var filtering = ev || text || failed;
      var showStep = !filtering || visible > 0 || (failed && s.box.dataset.failed === "1" && !ev && !text);
      s.box.hidden = !showStep;
      if (showStep) any = true;
    });
    document.getElementById("timeline-empty").hidden = any;
  }
  [fEvent, fText, fFailed].forEach(function (f) { f.addEventListener("input", applyFilters); f.addEventListener("change", applyFilters); });

  // `/insights?run=ID` follows another run (a `jcsim proxy` capture) instead of the session.
  var run = new URLSearchParams(window.location.search).get("run");
  var followed = run ? "&run=" + encodeURIComponent(run) : "";
  if (run) live.dataset.run = run;

  function poll() {
    fetch("/api/events?after=" + next + followed, { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) throw new Error("HTTP " + r.status); return r.json(); })
      .then(function (data) {
        (data.events || []).forEach(handle);
        next = data.next;
        applyFilters();
        live.textContent = (run ? "Following " + run + " · " : "Live · ") + "updated " + new Date().toLocaleTimeString();
      })
      .catch(function () { live.textContent = "Reconnecting…"; })
      .then(function () { setTimeout(poll, 1000); });
  }
  poll();
})();
