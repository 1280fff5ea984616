// Browser checks for report.html; run by scripts/browser.sh with the artifact dir.
"use strict";
const fs = require("fs");
const path = require("path");
const { chromium } = require("playwright-core");

const out = process.argv[2];
const failures = [];
const numbers = {};
function check(ok, what) {
  console.log((ok ? "  ok   " : "  FAIL ") + what);
  if (!ok) failures.push(what);
}
const url = (p) => "file://" + path.resolve(out, p);
const ready = (page) => page.waitForFunction(() => document.documentElement.dataset.ready === "1", null, { timeout: 15000 });

async function guarded(browser) {
  const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
  page.on("dialog", (d) => { failures.push("a dialog opened: " + d.message()); d.dismiss(); });
  page.on("pageerror", (e) => failures.push("page error: " + e.message));
  return page;
}

async function noInjection(page, when) {
  const r = await page.evaluate(() => ({
    title: document.title,
    injected: document.querySelectorAll("img, svg, iframe, object, embed, body script:not([id]):not([nonce])").length,
    scripts: document.scripts.length,
    pwned: document.title.includes("pwned") && !document.title.includes("<"),
  }));
  check(!r.pwned && r.title.startsWith("FAIL · Synthetic load</script>"), `${when}: document.title unchanged (${JSON.stringify(r.title.slice(0, 40))}…)`);
  check(r.injected === 0 && r.scripts === 3, `${when}: no injected element (img/svg/script: ${r.injected}, scripts: ${r.scripts})`);
}

async function xss(browser) {
  console.log("XSS fixture: " + url("xss/report.html"));
  const page = await guarded(browser);
  await page.goto(url("xss/report.html"));
  await ready(page);
  await noInjection(page, "on load");
  const h1 = await page.textContent("h1");
  check(h1.includes('</script><script>document.title="pwned"</script>'), "payload shown as text in the header");
  await page.screenshot({ path: path.join(out, "xss-top.png") });

  // Expand an exchange whose response body carries a displayName payload.
  const row = page.locator("#x-6"); // create user0: its displayName carries a payload
  await row.click();
  await page.waitForSelector(".xd .json");
  const body = await page.textContent(".xd");
  check(/<img src=x onerror|<\/script><script>/.test(body), "expanded exchange shows the payload body as text");
  check((await page.locator(".xd .hdrs").count()) === 2, "expanded exchange shows request and response headers");
  const curl = await page.locator(".xd details pre").textContent();
  check(curl.includes('"$SCIM_TOKEN"') && !curl.includes("REDACTED"), "copy-as-curl uses $SCIM_TOKEN");
  await noInjection(page, "after expanding");
  await row.scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(out, "xss-expanded.png") });

  // Failures only.
  const all = await page.locator(".x[data-i]").count();
  await page.click("label.tgl");
  await page.waitForFunction(() => document.getElementById("f-count").textContent.startsWith("showing"));
  const rows = await page.$$eval(".x[data-i]", (els) => els.map((e) => e.className));
  check(rows.length > 0 && rows.length < all && rows.every((c) => /\bbad\b|\bwarnx\b/.test(c)), `failures filter keeps only failing exchanges (${rows.length} of ${all} rendered)`);
  const failedChecks = await page.$$eval(".ck", (els) => els.map((e) => e.className));
  check(failedChecks.length > 0 && failedChecks.every((c) => !c.includes("v-pass")), "failures filter keeps failing checks");
  await page.screenshot({ path: path.join(out, "xss-failures.png") });
  const firstBad = await page.getAttribute(".x.bad", "id");
  await page.click("label.tgl");

  // Event filter and search.
  const ev = await page.$eval("#f-ev", (s) => [...s.options].find((o) => o.text.startsWith("user_create_provision ")).value);
  await page.selectOption("#f-ev", ev);
  const evs = await page.$$eval(".g .ev", (els) => [...new Set(els.map((e) => e.textContent))]);
  check(evs.length === 1 && evs[0] === "user_create_provision", "event filter: " + evs.join(","));
  await page.selectOption("#f-ev", "");
  await page.fill("#f-q", "user7@");
  await page.waitForFunction(() => document.getElementById("f-count").textContent.startsWith("showing"));
  const hits = await page.$$eval(".x[data-i] .lbl", (els) => els.map((e) => e.textContent));
  check(hits.length > 0 && hits.every((t) => t.includes("user7@")), `text search (${hits.length} rows)`);
  await page.fill("#f-q", "");

  // Deep link to a failing exchange: opened and scrolled into view on load.
  const deep = await guarded(browser);
  await deep.goto(url("xss/report.html") + "#" + firstBad);
  await ready(deep);
  const state = await deep.evaluate((id) => {
    const r = document.getElementById(id);
    const b = r && r.getBoundingClientRect();
    return { open: !!r && r.classList.contains("open") && r.nextElementSibling.classList.contains("xd"), visible: !!b && b.top >= 0 && b.bottom <= innerHeight };
  }, firstBad);
  check(state.open && state.visible, `deep link #${firstBad} opens and scrolls to the exchange`);
  await deep.screenshot({ path: path.join(out, "xss-deeplink.png") });
  await noInjection(deep, "deep link");
  await deep.close();
  await page.close();
}

async function big(browser) {
  const events = fs.statSync(path.join(out, "big/events.jsonl")).size;
  const html = fs.statSync(path.join(out, "big/report.html")).size;
  numbers.events_bytes = events;
  numbers.html_bytes = html;
  numbers.size_ratio = +(html / events).toFixed(3);
  console.log("20k run: " + url("big/report.html"));
  check(html <= 1.5 * events, `size ratio ${numbers.size_ratio} <= 1.5 (report.html ${html} B, events.jsonl ${events} B)`);
  const times = [];
  for (let i = 0; i < 3; i++) {
    const page = await guarded(browser);
    await page.goto(url("big/report.html"), { waitUntil: "load" });
    await ready(page);
    const t = await page.evaluate(() => window.jcsimReady);
    const t0 = Date.now();
    await page.click(".x[data-i]");
    await page.waitForSelector(".xd .json");
    const expand = Date.now() - t0;
    times.push({ interactive_ms: Math.round(t), first_expand_ms: expand });
    if (i === 0) {
      await page.screenshot({ path: path.join(out, "big-top.png") });
      const before = await page.locator(".x[data-i]").count();
      for (let k = 0; k < 4; k++) { await page.mouse.wheel(0, 20000); await page.waitForTimeout(150); }
      const after = await page.locator(".x[data-i]").count();
      check(after > before, `scrolling renders more rows (${before} → ${after})`);
      await page.screenshot({ path: path.join(out, "big-scrolled.png") });
    }
    await page.close();
  }
  const sorted = times.map((t) => t.interactive_ms).sort((a, b) => a - b);
  numbers.interactive_ms = times.map((t) => t.interactive_ms);
  numbers.interactive_median_ms = sorted[1];
  numbers.first_expand_ms = times.map((t) => t.first_expand_ms);
  check(sorted[1] < 2000, `20k exchanges interactive in ${sorted[1]} ms (median of ${sorted.join(", ")}) < 2000 ms`);
}

async function index(browser) {
  const page = await guarded(browser);
  await page.goto(url("index.html"));
  const links = await page.$$eval("a[href$='report.html']", (a) => a.map((e) => e.getAttribute("href")));
  check(links.length === 2 && links.every((h) => !h.startsWith("/")), "index links each run relatively: " + links.join(", "));
  check((await page.locator("img, svg, script").count()) === 0, "index: no injected element");
  await page.screenshot({ path: path.join(out, "index.png"), fullPage: true });
  await page.close();
}

// readiness.html (jcsim readiness --quirk ignore_rename): renders offline
// with no script, shows one capability not ready, and every link to an
// exchange opens that exchange in the scenario's report.
async function readiness(browser) {
  const dir = fs.readdirSync(path.join(out, "readiness")).find((d) => fs.existsSync(path.join(out, "readiness", d, "readiness.html")));
  if (!dir) return check(false, "readiness.html written");
  const rel = path.join("readiness", dir);
  const page = await guarded(browser);
  const offsite = [];
  page.on("request", (r) => { if (!r.url().startsWith("file://") && !r.url().startsWith("data:")) offsite.push(r.url()); });
  await page.goto(url(path.join(rel, "readiness.html")));
  check((await page.locator("script").count()) === 0, "readiness: no script");
  check(offsite.length === 0, "readiness: renders offline (no request off the machine: " + offsite.join(", ") + ")");
  check((await page.textContent("#verdict")).trim() === "not ready", "readiness: verdict not ready");
  check((await page.textContent("#cap-group_management .v")).trim() === "not ready", "readiness: Group management not ready");
  check((await page.locator(".cap .v-ready").count()) === 5, "readiness: five capabilities ready");
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.screenshot({ path: path.join(out, "readiness.png") });
  await page.screenshot({ path: path.join(out, "readiness-full.png"), fullPage: true });
  const links = await page.$$eval("a.exchange", (a) => a.map((e) => e.getAttribute("href")));
  check(links.length > 0, `readiness: ${links.length} links to exchanges`);
  for (const href of links) {
    const [file, hash] = href.split("#");
    const deep = await guarded(browser);
    await deep.goto(url(path.join(rel, file)) + "#" + hash);
    await ready(deep);
    const open = await deep.evaluate((id) => {
      const r = document.getElementById(id);
      if (!r) return false;
      if (id.startsWith("s-")) return true;
      return r.classList.contains("open") && r.nextElementSibling.classList.contains("xd");
    }, hash);
    check(open, `readiness: ${href} opens its exchange`);
    await deep.close();
  }
  await page.close();
}

(async () => {
  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
  try {
    await xss(browser);
    await big(browser);
    await index(browser);
    await readiness(browser);
  } catch (e) {
    failures.push("exception: " + (e && e.stack ? e.stack : e));
  } finally {
    await browser.close();
  }
  fs.writeFileSync(path.join(out, "numbers.json"), JSON.stringify(numbers, null, 2) + "\n");
  console.log("numbers: " + JSON.stringify(numbers));
  console.log("screenshots: " + fs.readdirSync(out).filter((f) => f.endsWith(".png")).map((f) => path.join(out, f)).join(" "));
  if (failures.length) {
    console.log("\nbrowser checks FAILED:\n  " + failures.join("\n  "));
    process.exit(1);
  }
  console.log("browser checks passed");
})();
