// The console demo flow in real headless Chromium (Debian's package; no
// browser download). Env: JCSIM_URL, JCSIM_SP_TOKEN, SHOTS (screenshot dir).
import { chromium } from "playwright-core";

const base = process.env.JCSIM_URL;
const spToken = process.env.JCSIM_SP_TOKEN;
const shots = process.env.SHOTS;
const secondSp = process.env.SECOND_SP_URL;
const secondToken = process.env.SECOND_SP_TOKEN;
const XSS = '</script><script>document.title="pwned"</script>';

function assert(cond, msg) {
  if (!cond) throw new Error("assertion failed: " + msg);
}

async function shot(page, name) {
  await page.screenshot({ path: `${shots}/${name}.png`, fullPage: true });
  console.log(`  screenshot ${shots}/${name}.png`);
}

async function banner(page, expected) {
  const text = await page.locator("#banner .banner-title").innerText();
  assert(text.includes(expected), `banner "${text}" should contain "${expected}"`);
  console.log(`  banner: ${text}`);
}

async function second(path) {
  const r = await fetch(`${secondSp}${path}`, { headers: { Authorization: `Bearer ${secondToken}` } });
  assert(r.ok, `second SP: GET ${path} -> ${r.status}`);
  return r.json();
}

async function sp(path) {
  const r = await fetch(`${base}/sp/scim/v2${path}`, { headers: { Authorization: `Bearer ${spToken}` } });
  assert(r.ok, `GET ${path} -> ${r.status}`);
  return r.json();
}

// Text boxes (one rect per line of each text node) inside each visible table
// row, list item and Insights row; two boxes from different elements must
// not overlap. Returns "where: a / b" descriptions of the overlaps.
async function overlaps(page) {
  return page.evaluate(() => {
    const found = [];
    const visible = (e) => {
      const r = e.getBoundingClientRect();
      const s = getComputedStyle(e);
      return r.width > 0 && r.height > 0 && s.visibility !== "hidden" && s.display !== "none";
    };
    for (const row of document.querySelectorAll("tr, li, .ex-h, .tstep-h")) {
      if (!visible(row)) continue;
      const boxes = [];
      const walker = document.createTreeWalker(row, NodeFilter.SHOW_TEXT);
      for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        if (!n.textContent.trim() || !visible(n.parentElement)) continue;
        const range = document.createRange();
        range.selectNodeContents(n);
        // Clipped text (overflow hidden) is drawn only inside its element.
        const clip = n.parentElement.getBoundingClientRect();
        for (const r of range.getClientRects()) {
          const box = {
            left: Math.max(r.left, clip.left), right: Math.min(r.right, clip.right),
            top: Math.max(r.top, clip.top), bottom: Math.min(r.bottom, clip.bottom),
          };
          if (box.right - box.left > 0.5 && box.bottom - box.top > 0.5) boxes.push({ el: n.parentElement, text: n.textContent.trim().slice(0, 40), ...box });
        }
      }
      for (let i = 0; i < boxes.length; i++) {
        for (let j = i + 1; j < boxes.length; j++) {
          const a = boxes[i], b = boxes[j];
          if (a.el === b.el || a.el.contains(b.el) || b.el.contains(a.el)) continue;
          const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
          const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
          if (w > 1 && h > 1) found.push(`${row.tagName.toLowerCase()}.${row.className}: "${a.text}" / "${b.text}"`);
        }
      }
    }
    return found;
  });
}

async function noOverlap(page, where) {
  const found = await overlaps(page);
  assert(found.length === 0, `${where}: overlapping text: ${found.slice(0, 5).join("; ")}`);
}

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
});
const problems = [];
try {
  const page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
  page.on("console", (m) => { if (m.type() === "error") problems.push(m.text()); });
  page.on("pageerror", (e) => problems.push(String(e)));

  console.log("1. home");
  await page.goto(base + "/");
  assert((await page.title()).includes("Get started"), "home title");
  await shot(page, "01-home");

  console.log("2. users");
  await page.click("#nav-users");
  for (let i = 0; i < 3; i++) {
    await page.click("#generate-user");
    await banner(page, "User created");
  }
  assert((await page.locator("#users-table tbody tr").count()) === 3, "3 users");
  await shot(page, "02-users");
  await page.goto(base + "/users/new?fake=1");
  await shot(page, "03-user-form");

  console.log("3. group with two members");
  await page.click("#nav-groups");
  await page.fill("#group-name", "Engineering");
  await page.click("#create-group");
  await banner(page, "User group created");
  // An XSS payload as a group name must stay text everywhere.
  await page.fill("#group-name", XSS);
  await page.click("#create-group");
  await banner(page, "User group created");
  assert((await page.title()) !== "pwned", "XSS payload executed on the groups page");
  assert((await page.locator("#groups-table").innerText()).includes(XSS), "payload shown as text");
  await page.click("#groups-table >> text=Engineering");
  for (let i = 0; i < 2; i++) {
    await page.click("#add-member");
    await banner(page, "Member added");
  }
  assert((await page.locator("#members-table tbody tr").count()) === 2, "2 members");
  await shot(page, "04-group");
  const groupUrl = page.url();

  console.log("4. custom SAML app + Identity Management");
  await page.click("#nav-apps");
  await shot(page, "05-apps-empty");
  await page.click("#create-app");
  await banner(page, "Application saved");
  assert((await page.inputValue("#base_url")).endsWith("/sp/scim/v2"), "Base URL pre-filled");
  assert((await page.inputValue("#token_key")) === "", "token never echoed");
  await page.fill("#token_key", spToken);
  await page.check("#group_management");
  await page.click("#tab-sso");
  await shot(page, "06-app-sso");
  await page.click("#tab-identity");
  await page.fill("#token_key", spToken);
  await page.check("#group_management");
  await page.click("#test-connection");
  await banner(page, "Connection successful");
  assert(!(await page.content()).includes(spToken), "token appears in the page");
  await shot(page, "07-im-test-connection");

  console.log("5. presenter mode: Activate shows the plan first");
  await page.check("#presenter-toggle");
  await page.click("#activate");
  await page.waitForSelector("#plan-dialog[open]");
  const plan = await page.locator("#plan-list").innerText();
  assert(plan.includes("POST /Users") && plan.includes("DELETE /Users/{new-1}") && plan.includes("POST /Groups"), "activate plan: " + plan);
  await shot(page, "08-activate-plan");
  await page.click("#plan-confirm");
  await page.waitForLoadState("load");
  await banner(page, "Identity Management activated");
  await page.uncheck("#presenter-toggle");
  await shot(page, "09-im-active");

  console.log("6. bind the group");
  await page.click("#tab-groups");
  await page.click('#app-groups-table button[data-group="Engineering"]');
  await banner(page, "bound to the application");
  await shot(page, "10-app-groups");
  await page.click("#tab-users");
  await shot(page, "11-app-users");

  console.log("7. rename the group");
  await page.goto(groupUrl);
  await page.fill("#rename", "Platform");
  await page.click("#rename-group");
  await banner(page, "User group renamed");

  console.log("8. suspend a member");
  const member = await page.locator("#members-table tbody tr").first().locator("td").nth(1).innerText();
  await page.click("#nav-users");
  await page.click(`#users-table tr:has-text("${member}") a`);
  await page.selectOption("#state", "SUSPENDED");
  await page.click("#save-state");
  await banner(page, "User suspended");
  await shot(page, "12-user-suspended");

  console.log("9. deactivate");
  await page.goto(base + "/apps/app?tab=identity");
  await page.click("#actions-menu > summary");
  await page.click("#deactivate");
  await banner(page, "Identity Management deactivated");

  console.log("10. Directory Insights");
  await page.click("#nav-insights");
  const wanted = ["user_create_provision", "group_create_provision", "group_update_provision", "user_deprovision", "user_lookup_provision", "test_connection"];
  for (const w of wanted) {
    await page.waitForSelector(`#timeline .ex[data-event="${w}"]`, { timeout: 10000 });
  }
  const tl = await page.locator("#timeline").innerText();
  assert(tl.includes("rename_group") && tl.includes("suspend_user") && tl.includes("deactivate_app"), "step titles in timeline");
  assert(!tl.includes(spToken), "token in timeline");
  const head = await page.locator('#timeline .ex[data-event="user_create_provision"] .ex-h').first().innerText();
  assert(/\d\d:\d\d:\d\d\.\d{3}/.test(head), "a wall-clock time on each event: " + head);
  assert(/\d+\.\d ms/.test(head), "latency to a tenth of a millisecond: " + head);
  assert(head.includes("initiator: JumpCloud"), "the initiator: " + head);
  await shot(page, "13-insights");
  await page.locator('#timeline .ex[data-event="group_create_provision"] .ex-h').first().click();
  const detail = await page.locator('#timeline .ex[data-event="group_create_provision"] .ex-d').first().innerText();
  assert(detail.includes('"displayName": "Engineering"') && detail.includes("[REDACTED]"), "exchange detail: " + detail.slice(0, 300));
  await page.selectOption("#f-event", "user_deprovision");
  const shown = await page.locator("#timeline .ex:visible").count();
  const deprov = await page.locator('#timeline .ex[data-event="user_deprovision"]:visible').count();
  assert(shown > 0 && shown === deprov, "event filter");
  await shot(page, "14-insights-filtered");
  assert((await page.title()) !== "pwned", "XSS payload executed on insights");

  console.log("11. export and runs");
  await page.click("text=Export as scenario");
  const yaml = await page.locator("#export-yaml").innerText();
  assert(yaml.includes("bind_group") && yaml.includes("rename_group"), "export yaml");
  await shot(page, "15-export");
  await page.goto(base + "/runs");
  assert((await page.locator("#runs-table").innerText()).includes("live"), "live run listed");
  await shot(page, "16-runs");

  console.log("12. the embedded SP holds the expected state");
  const groups = await sp("/Groups");
  const names = groups.Resources.map((g) => g.displayName);
  assert(names.includes("Platform") && !names.includes("Engineering"), "SP groups: " + names);
  const platform = groups.Resources.find((g) => g.displayName === "Platform");
  assert(platform.members.length === 2, "Platform has 2 members at the SP");
  const users = await sp("/Users");
  assert(users.totalResults === 2, "2 users provisioned, got " + users.totalResults);
  const inactive = users.Resources.filter((u) => u.active === false);
  assert(inactive.length === 1, "one user deprovisioned (active:false)");

  console.log("13. demo kit: reset, demo org in one click");
  await page.goto(base + "/");
  await page.selectOption("#reset-what", "all");
  await page.fill("#reset-confirm", "RESET");
  await page.click("#reset-button");
  await banner(page, "Organisation and application reset");
  await page.click("#demo-org");
  await banner(page, "Demo organisation created");
  const people = await page.locator("#users-table tbody tr").count();
  assert(people === 30, "30 people, got " + people);
  await shot(page, "17-demo-org");

  console.log("14. activate on the embedded SP, bind a department");
  await page.click("#nav-apps");
  await page.click("#create-app");
  await banner(page, "Application saved");
  await page.fill("#token_key", spToken);
  await page.check("#group_management");
  await page.fill("#test_user_email", "kit-1@jumpcloud.com");
  await page.click("#activate");
  await banner(page, "Identity Management activated");
  await page.click("#tab-groups");
  const dept = await page.locator("#app-groups-table button[data-group]").first().getAttribute("data-group");
  await page.click(`#app-groups-table button[data-group="${dept}"]`);
  await banner(page, "bound to the application");
  const firstIds = (await sp("/Users")).Resources.map((u) => u.id).concat((await sp("/Groups")).Resources.map((g) => g.id));
  assert(firstIds.length > 1, "provisioned to the embedded SP");

  console.log("15. switch the Base URL to a second SP: re-activation provisions everything there");
  await page.goto(base + "/apps/app?tab=identity");
  await page.fill("#base_url", secondSp);
  await page.fill("#token_key", secondToken);
  await page.fill("#test_user_email", "kit-2@jumpcloud.com");
  await page.click("#save-im");
  await banner(page, "Identity Management activated");
  assert((await page.locator("#banner").innerText()).includes("The SP changed"), "the banner says the SP changed");
  assert(!(await page.locator("#header_name").isVisible()), "the API key header field is hidden while Bearer is selected");
  await shot(page, "18-second-sp");
  const users2 = await second("/Users");
  const groups2 = await second("/Groups");
  assert(groups2.totalResults === 1 && groups2.Resources[0].displayName === dept, "the bound group at the second SP");
  assert(users2.totalResults === groups2.Resources[0].members.length && users2.totalResults > 0, "every member at the second SP");

  console.log("16. rename; no request to the second SP carries an id of the first");
  await page.click("#nav-groups");
  await page.click(`#groups-table >> text=${dept}`);
  await page.fill("#rename", dept + " Team");
  await page.click("#rename-group");
  await banner(page, "User group renamed");
  assert((await second("/Groups")).Resources[0].displayName === dept + " Team", "the rename reached the second SP");
  const reportLink = await page.locator('#banner a[href$="/report.html"]').getAttribute("href");
  const events = await (await fetch(base + reportLink.replace("report.html", "events.jsonl"))).text();
  const host = new URL(secondSp).host;
  const toSecond = events.split("\n").filter((l) => l.includes(host));
  assert(toSecond.length > 0, "requests to the second SP are recorded");
  for (const line of toSecond) {
    for (const id of firstIds) assert(!line.includes(id), "an id of the first SP reached the second: " + id);
  }

  console.log("17. the session report, then reset");
  await page.goto(base + reportLink);
  assert((await page.content()).includes("bind_group"), "the session report shows the session's steps");
  await shot(page, "19-session-report");
  await page.goto(base + "/");
  await page.selectOption("#reset-what", "all");
  await page.fill("#reset-confirm", "RESET");
  await page.click("#reset-button");
  await banner(page, "Organisation and application reset");
  await shot(page, "20-reset");

  console.log("18. load an uploaded scenario and run its steps");
  await page.setInputFiles("#load-file", {
    name: "uploaded.yaml",
    mimeType: "text/yaml",
    buffer: Buffer.from("name: Uploaded\ndirectory:\n  users:\n    - { username: ann, email: ann@acme.com, firstname: Ann, lastname: Lee }\napp: { test_user_email: up@jumpcloud.com }\nsteps:\n  - test_connection\n"),
  });
  await page.waitForFunction(() => document.getElementById("load-yaml").value.includes("Uploaded"));
  await page.check("#load-run");
  await page.click("#load-button");
  await banner(page, "Scenario loaded: Uploaded");
  await shot(page, "21-scenario-loaded");

  console.log("19. follow a jcsim proxy capture in Directory Insights");
  const proxied = await fetch(process.env.PROXY_URL + "/Users", {
    method: "POST",
    headers: { Authorization: "Bearer " + process.env.SECOND_SP_TOKEN, "Content-Type": "application/scim+json" },
    body: JSON.stringify({ schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"], userName: "captured@acme.com" }),
  });
  assert(proxied.status === 201, "a create through the proxy: HTTP " + proxied.status);
  await page.goto(base + "/runs");
  const follow = page.locator('a[href*="/insights?run="][href*="-proxy-"]').first();
  await follow.click();
  await page.waitForSelector('#timeline .ex[data-event="user_create_provision"]', { timeout: 10000 });
  const status = await page.locator("#live-status").innerText();
  assert(status.startsWith("Following "), "the page says which run it follows: " + status);
  const captured = await page.locator("#timeline").innerText();
  assert(captured.includes("requests from") && !captured.includes(process.env.SECOND_SP_TOKEN), "the capture's step, no token");
  // A second request shows up without reloading the page.
  await fetch(process.env.PROXY_URL + "/Users?filter=" + encodeURIComponent('userName eq "captured@acme.com"'), {
    headers: { Authorization: "Bearer " + process.env.SECOND_SP_TOKEN },
  });
  await page.waitForSelector('#timeline .ex[data-event="user_lookup_provision"]', { timeout: 10000 });
  await shot(page, "22-insights-following-a-capture");

  console.log("20. every page at 1280, 1400 and 1920 px: no overlapping text in a row");
  // The check itself: a row whose two texts sit on top of each other is found.
  await page.goto(base + "/runs");
  await page.evaluate(() => {
    const tr = document.createElement("tr");
    const td = document.createElement("td");
    td.style.position = "relative";
    for (const t of ["first text", "second text"]) {
      const s = document.createElement("span");
      s.textContent = t;
      s.style.position = "absolute";
      s.style.left = "0";
      td.appendChild(s);
    }
    td.appendChild(document.createTextNode("\u00a0"));
    tr.appendChild(td);
    document.querySelector("table tbody, table").appendChild(tr);
  });
  assert((await overlaps(page)).some((o) => o.includes("first text")), "the overlap check finds two texts drawn over each other");
  await page.goto(base + "/");
  await page.click("#demo-org");
  await banner(page, "Demo organisation created");
  // The loaded scenario created the app.
  await page.goto(base + "/apps/app?tab=identity");
  await page.check("#group_management");
  await page.click("#activate");
  await banner(page, "Identity Management activated");
  await page.click("#tab-groups");
  const bound = await page.locator("#app-groups-table button[data-group]").first().getAttribute("data-group");
  await page.click(`#app-groups-table button[data-group="${bound}"]`);
  await banner(page, "bound to the application");
  await page.click("#nav-groups");
  await page.click(`#groups-table >> text=${bound}`);
  const boundUrl = page.url();
  const pages = ["/", "/users", "/groups", boundUrl.replace(base, ""), "/apps", "/apps/app?tab=identity", "/apps/app?tab=groups",
    "/apps/app?tab=users", "/apps/app?tab=sso", "/insights", "/runs", "/settings/api", "/export"];
  for (const width of [1280, 1400, 1920]) {
    await page.setViewportSize({ width, height: 900 });
    for (const path of pages) {
      await page.goto(base + path);
      if (path === "/insights") await page.waitForSelector('#timeline .ex[data-event="user_create_provision"]', { timeout: 10000 });
      await noOverlap(page, `${path} at ${width} px`);
    }
    await page.goto(base + "/insights");
    await page.waitForSelector('#timeline .ex[data-event="group_create_provision"]', { timeout: 10000 });
    await page.screenshot({ path: `${shots}/23-insights-${width}.png` });
  }
  await page.setViewportSize({ width: 1360, height: 900 });

  console.log("21. reset -> switch -> load -> run, three times: Test Connection green after each");
  for (let round = 1; round <= 3; round++) {
    await page.goto(base + "/");
    await page.selectOption("#reset-what", "all");
    await page.fill("#reset-confirm", "RESET");
    await page.click("#reset-button");
    await banner(page, "Organisation and application reset");
    await page.click("#nav-apps");
    await page.click("#create-app");
    await banner(page, "Application saved");
    await page.click("#test-connection");
    await banner(page, "Connection successful");
    // Switch to the second SP, then back with one click.
    await page.fill("#base_url", secondSp);
    await page.fill("#token_key", secondToken);
    await page.click("#test-connection");
    await banner(page, "Connection successful");
    await page.click("#use-builtin");
    await banner(page, "Application saved");
    await page.click("#test-connection");
    await banner(page, "Connection successful");
    // Load a scenario while another SP's token is typed: the embedded SP's comes back with its URL.
    await page.fill("#base_url", secondSp);
    await page.fill("#token_key", secondToken);
    await page.click("#save-im");
    await banner(page, "Application saved");
    await page.goto(base + "/");
    await page.selectOption("#load-builtin", "lifecycle/05-bind-group.yaml");
    await page.check("#load-run");
    await page.click("#load-button");
    await banner(page, "Scenario loaded");
    assert(await page.locator("#banner.error").count() === 0, "no red banner after a clean run: " + await page.locator("#banner").innerText());
    await page.goto(base + "/apps/app?tab=identity");
    await page.click("#test-connection");
    await banner(page, "Connection successful");
  }
  await shot(page, "24-after-rounds");

  const csp = problems.filter((p) => /Content Security Policy|Refused/.test(p));
  assert(csp.length === 0, "CSP violations: " + csp.join("; "));
  console.log("console e2e: PASS");
} finally {
  await browser.close();
}
