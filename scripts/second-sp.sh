#!/usr/bin/env bash
# A second SCIM 2.0 service provider for interop, independent of python-scim:
# SCIMMY (npm `scimmy`, the SCIM protocol engine: schemas, filters, PatchOp,
# ListResponse, errors) served by `scimmy-routers` (its Express routers), with
# a small in-memory store written below. Each start is empty. Loopback only.
#
#   scripts/second-sp.sh install DIR            npm-install pinned versions into DIR (idempotent)
#   scripts/second-sp.sh start DIR PORT TOKEN   serve http://127.0.0.1:PORT/scim/v2 in the foreground,
#                                               requiring "Authorization: Bearer TOKEN" on every endpoint
#   scripts/second-sp.sh base PORT              print the SCIM base URL (no trailing slash)
#
# The store's own rules (what SCIMMY leaves to the application): ids are UUIDs;
# userName is unique, compared case-insensitively (409 uniqueness); Group
# displayName is not unique; a group member must be an existing User or Group
# (400 invalidValue); members form a set, always shown (possibly []); deleting
# a User or Group removes it from every group; a User's read-only `groups` is
# computed from memberships; filters compare strings case-insensitively except
# id, externalId and meta (SCIMMY's own Filter.match is case-exact). Top-level
# nulls in a POST/PUT body are dropped before SCIMMY sees them (RFC 7643 2.5;
# stock SCIMMY answers 400 to JumpCloud's `"emails": null`); set
# SECOND_SP_STOCK_NULLS=1 when starting to keep SCIMMY's stock behaviour.
set -euo pipefail

SCIMMY_VERSION=1.3.5
ROUTERS_VERSION=1.3.2
EXPRESS_VERSION=4.22.3

usage() {
  echo "usage: $0 install DIR | start DIR PORT TOKEN | base PORT" >&2
  exit 2
}

need_node() {
  command -v node >/dev/null && command -v npm >/dev/null || {
    echo "second-sp: node and npm are required (Node >= 18)" >&2
    exit 1
  }
}

write_glue() { # DIR
  cat >"$1/package.json" <<JSON
{
  "name": "jcsim-second-sp",
  "private": true,
  "type": "module",
  "dependencies": {
    "express": "$EXPRESS_VERSION",
    "scimmy": "$SCIMMY_VERSION",
    "scimmy-routers": "$ROUTERS_VERSION"
  }
}
JSON
  cat >"$1/server.mjs" <<'JS'
// Written by jcsim scripts/second-sp.sh. In-memory SCIM 2.0 SP on SCIMMY.
// Usage: SECOND_SP_TOKEN=... node server.mjs PORT   (listens on 127.0.0.1 only)
import {randomUUID} from "node:crypto";
import express from "express";
import SCIMMY from "scimmy";
import SCIMMYRouters from "scimmy-routers";

const port = Number(process.argv[2]);
const token = process.env.SECOND_SP_TOKEN;
if (!port || !token) { console.error("usage: SECOND_SP_TOKEN=T node server.mjs PORT"); process.exit(2); }

const users = new Map(), groups = new Map();
const clone = (v) => JSON.parse(JSON.stringify(v));
const fail = (status, scimType, msg) => { throw new SCIMMY.Types.Error(status, scimType, msg); };
const stamp = (prev) => { const now = new Date().toISOString(); return {created: prev?.meta?.created ?? now, lastModified: now}; };

// The read-only User.groups attribute, computed from group memberships.
const withGroups = (u) => {
  const gs = [...groups.values()].filter((g) => (g.members ?? []).some((m) => m.value === u.id))
    .map((g) => ({value: g.id, display: g.displayName, $ref: `Groups/${g.id}`, type: "direct"}));
  return gs.length ? {...u, groups: gs} : u;
};

// RFC 7644 3.4.2.2: string comparisons follow the attribute's caseExact, but
// SCIMMY's Filter.match is always case-exact; so match lowercased copies,
// leaving the caseExact attributes (id, externalId, meta, $ref) as they are.
const EXACT = new Set(["id", "externalid", "meta", "$ref"]);
const fold = (v) => typeof v === "string" ? v.toLowerCase() : Array.isArray(v) ? v.map(fold)
  : v instanceof Object ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, EXACT.has(k.toLowerCase()) ? x : fold(x)])) : v;
const match = (filter, all) => {
  const hits = new Set(new SCIMMY.Types.Filter(fold([...filter])).match(all.map(fold)).map((r) => r.id));
  return all.filter((r) => hits.has(r.id));
};

// SCIMMY calls egress to read (by id or filter), ingress to create/replace
// (POST, PUT, and PATCH after it applied the operations), degress to delete.
function declare(Resource, store, unique, out, check = () => {}) {
  SCIMMY.Resources.declare(Resource)
    .egress((res) => {
      if (res.id) return store.has(res.id) ? out(store.get(res.id)) : fail(404, null, `Resource ${res.id} not found`);
      const all = [...store.values()].map(out);
      return res.filter ? match(res.filter, all) : all;
    })
    .ingress((res, instance) => {
      const prev = res.id ? store.get(res.id) : undefined;
      if (res.id && !prev) fail(404, null, `Resource ${res.id} not found`);
      const data = clone(instance);
      delete data.id; delete data.meta; delete data.groups;
      const key = String(data[unique] ?? "").toLowerCase();
      for (const other of unique ? store.values() : [])
        if (other.id !== res.id && String(other[unique]).toLowerCase() === key)
          fail(409, "uniqueness", `${unique} "${data[unique]}" is already in use`);
      check(data);
      const rec = {...data, id: prev?.id ?? randomUUID(), meta: stamp(prev)};
      store.set(rec.id, rec);
      return out(rec);
    })
    .degress((res) => {
      if (!store.delete(res.id)) fail(404, null, `Resource ${res.id} not found`);
      for (const g of groups.values()) g.members = (g.members ?? []).filter((m) => m.value !== res.id);
    });
}

declare(SCIMMY.Resources.User, users, "userName", withGroups);
// members is always an array (SCIMMY's PatchOp fails on "remove" with a value
// when the attribute is absent), and a set: adding a member twice keeps one.
declare(SCIMMY.Resources.Group, groups, null, (g) => ({...clone(g), members: g.members ?? []}), (g) => {
  g.members = [...new Map((g.members ?? []).map((m) => [m.value, m])).values()];
  for (const m of g.members) {
    if (!users.has(m.value) && !groups.has(m.value)) fail(400, "invalidValue", `member "${m.value}" does not exist`);
    m.type ??= users.has(m.value) ? "User" : "Group";
    m.display ??= users.get(m.value)?.userName ?? groups.get(m.value)?.displayName;
  }
});

const app = express();
app.disable("x-powered-by");
app.set("etag", false); // SCIMMY announces etag unsupported; keep Express from adding one
app.use((req, res, next) => {
  res.on("finish", () => console.log(`${req.method} ${req.originalUrl} -> ${res.statusCode}`));
  next();
});
// RFC 7643 section 2.5: a null value is the same as an unassigned attribute.
// Stock SCIMMY answers 400 to a POST/PUT carrying `"emails": null` (which
// JumpCloud sends); drop top-level nulls first unless SECOND_SP_STOCK_NULLS=1.
app.use("/scim/v2", express.json({type: ["application/scim+json", "application/json"], limit: "1mb"}), (req, res, next) => {
  if (process.env.SECOND_SP_STOCK_NULLS !== "1" && ["POST", "PUT"].includes(req.method) && req.body instanceof Object)
    for (const [k, v] of Object.entries(req.body)) if (v === null) delete req.body[k];
  next();
});
app.use("/scim/v2", new SCIMMYRouters({
  type: "bearer",
  docUri: "https://datatracker.ietf.org/doc/html/rfc6750",
  baseUri: () => `http://127.0.0.1:${port}`,
  handler: (req) => {
    if (req.header("Authorization") !== `Bearer ${token}`) throw new Error("Authorization failure: missing or invalid bearer token");
    return "jcsim";
  },
}));
app.use((req, res) => res.status(404).type("application/scim+json")
  .send({schemas: ["urn:ietf:params:scim:api:messages:2.0:Error"], status: "404", detail: "Endpoint Not Found"}));
const server = app.listen(port, "127.0.0.1", () => console.log(`second-sp: SCIMMY on http://127.0.0.1:${port}/scim/v2`));
server.on("error", (e) => { console.error(`second-sp: ${e.message}`); process.exit(1); });
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => { server.close(); process.exit(0); });
JS
}

installed() { # DIR: true when the pinned versions are already there
  local d=$1 p v
  for p in "scimmy:$SCIMMY_VERSION" "scimmy-routers:$ROUTERS_VERSION" "express:$EXPRESS_VERSION"; do
    v=$(node -p "require('$d/node_modules/${p%%:*}/package.json').version" 2>/dev/null) || return 1
    [ "$v" = "${p#*:}" ] || return 1
  done
}

cmd=${1:-}
case "$cmd" in
  install)
    [ $# -eq 2 ] || usage
    need_node
    mkdir -p "$2"
    dir=$(cd "$2" && pwd)
    write_glue "$dir"
    if ! installed "$dir"; then
      (cd "$dir" && npm install --no-audit --no-fund --loglevel=error --save-exact >/dev/null)
      installed "$dir" || { echo "second-sp: install into $dir did not give the pinned versions" >&2; exit 1; }
    fi
    ;;
  start)
    [ $# -eq 4 ] || usage
    need_node
    dir=$(cd "$2" && pwd)
    installed "$dir" || { echo "second-sp: not installed in $dir; run: $0 install $2" >&2; exit 1; }
    write_glue "$dir"
    SECOND_SP_TOKEN=$4 exec node "$dir/server.mjs" "$3"
    ;;
  base)
    [ $# -eq 2 ] || usage
    echo "http://127.0.0.1:$2/scim/v2"
    ;;
  *) usage ;;
esac
