// detail.js: the expanded view of one exchange and the check list.
function headersTable(headers) {
  const t = el("table", "hdrs");
  for (const [n, v] of headers || []) {
    const tr = el("tr");
    add(tr, el("td", null, n), el("td", null, v));
    t.appendChild(tr);
  }
  if (!headers || !headers.length) add(t, add(el("tr"), el("td", "muted", "(none)")));
  return t;
}

function side(title, headers, body, text, empty) {
  const col = el("div", "xd-col");
  add(col, el("h4", null, title), headersTable(headers));
  if (body !== null && body !== undefined) add(col, jsonBlock(body));
  else if (text !== null && text !== undefined) add(col, jsonBlock(String(text)));
  else add(col, el("div", "muted", empty));
  return col;
}

function renderDetail(xi) {
  const row = DATA.x[xi];
  const d = details()[xi];
  const box = el("div", "xd");
  box.dataset.i = xi;
  const bar = el("div", "xd-bar");
  const curl = el("button", "btn", "Copy as cURL");
  curl.type = "button";
  curl.dataset.act = "curl";
  curl.title = "The token is left as $SCIM_TOKEN: export SCIM_TOKEN=… first";
  const link = el("button", "btn", "Copy link");
  link.type = "button";
  link.dataset.act = "link";
  const resp = el("button", "btn", "Copy response");
  resp.type = "button";
  resp.dataset.act = "resp";
  add(bar, el("span", "xd-url", row[X_METHOD] + " " + d[0]), curl, resp, link);
  box.appendChild(bar);
  const meta = el("div", "xd-meta");
  const step = stepOf(row);
  add(meta,
    el("span", null, "#" + row[X_ID]),
    el("span", null, "event " + DATA.events[row[X_EV]]),
    el("span", null, row[X_LABEL]),
    el("span", null, row[X_ATTEMPT] > 1 ? "attempt " + row[X_ATTEMPT] + " (retry)" : "attempt 1"),
    el("span", null, "sent at +" + fmtMs(row[X_START]) + " · took " + fmtMs(row[X_DUR])),
    step === CLEANUP ? el("span", null, "cleanup phase (not judged)") :
      step ? el("span", null, "step " + (step.i + 1) + " · " + DATA.file + ":" + step.ln) : null);
  box.appendChild(meta);
  if (d[6]) box.appendChild(el("div", "xd-err", "No response: " + d[6]));
  if (isExpectedRefusal(row)) box.appendChild(el("div", "xd-ok", "Expected " + row[X_STATUS] + ": this request was meant to be refused (a 4xx is its success)."));
  const related = [];
  for (const s of PHASES) for (const c of s.c) if (c.x === row[X_ID]) related.push(c);
  if (related.length) {
    const cl = el("div", "checks");
    for (const c of related) cl.appendChild(checkEl(c, false));
    box.appendChild(cl);
  }
  const cols = el("div", "xd-cols");
  add(cols,
    side("Request", d[1], d[2], null, "no body"),
    d[3] === null ? side("Response", [], null, null, "no response") :
      side("Response " + row[X_STATUS], d[3], d[4], d[5], "empty body"));
  box.appendChild(cols);
  const more = el("details");
  add(more, el("summary", null, "cURL"), el("pre", "json", curlFor(row, d)));
  box.appendChild(more);
  return box;
}

function detailAction(act, xi) {
  const row = DATA.x[xi];
  const d = details()[xi];
  if (act === "curl") copyText(curlFor(row, d), "cURL");
  else if (act === "resp") copyText(d[4] !== null ? JSON.stringify(d[4], null, 2) : (d[5] || ""), "Response");
  else if (act === "link") {
    const url = location.href.split("#")[0] + "#x-" + row[X_ID];
    copyText(url, "Link");
  }
}

const MARK = { pass: "✓", fail: "✕", warn: "!", skip: "–", info: "i" };
function checkEl(c, withLink) {
  const e = el("div", "ck v-" + c.v);
  const head = el("div");
  add(head, el("span", "cid", c.id), el("span", "cm", c.m));
  add(e, el("span", "ci", MARK[c.v] || "?"), head);
  if (c.admin) {
    const a = el("div", "cx admin");
    add(a, el("b", null, "JumpCloud admin sees"), document.createTextNode(c.admin));
    e.appendChild(a);
  }
  if (c.fix) {
    const f = el("div", "cx");
    add(f, el("b", null, "Fix"), document.createTextNode(c.fix));
    e.appendChild(f);
  }
  if (withLink && c.x !== null && c.x !== undefined) {
    const l = el("div", "cx");
    const a = el("a", null, "exchange #" + c.x);
    a.href = "#x-" + c.x;
    add(l, el("b", null, "About"), a);
    e.appendChild(l);
  }
  if (c.diff) {
    const pre = el("div", "diff");
    pre.setAttribute("aria-label", "expected (−) versus actual (+)");
    for (const [op, line] of c.diff) {
      const ln = el("div", op === "-" ? "dl" : op === "+" ? "da" : "ds");
      add(ln, el("span", "dm", op === " " ? "" : op === "-" ? "−" : "+"), document.createTextNode(line));
      pre.appendChild(ln);
    }
    const legend = el("div", "cx muted", "− expected (what JumpCloud sent) · + actual (what the SP returned)");
    add(e, legend, pre);
  }
  return e;
}
