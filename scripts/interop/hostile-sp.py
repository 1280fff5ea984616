"""A hostile SCIM SP for scripts/interop.sh (stdlib only).

It holds resources a careless cleanup would delete:
- tagged names whose ids are not plain path segments (`../Groups/g-real`,
  `u-ceo#frag`, `u-cfo?x=1`, `u-ceo/../u-cfo`);
- look-alike names that are not jcsim tags (`Marketing jcs-2024`,
  `mary.jcs-admin`, `eve+jcs-1@example.com`) and a tag only on a secondary
  email;
and it upserts: `POST /Users` for an existing externalId or email answers
200 with the existing user's id, as some SPs do.

Ids are decoded from one path segment. Usage: hostile-sp.py PORT TOKEN.
"""
import json
import sys
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT, TOKEN = int(sys.argv[1]), sys.argv[2]
LIST = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
store = {}


def add(coll, rid, **attrs):
    store[rid] = (coll, dict(attrs, id=rid))


# Untagged, pre-existing: must survive everything.
add("Users", "u-ceo", userName="ceo@example.com", externalId="ext-ceo", emails=[{"value": "ceo@example.com"}])
add("Users", "u-cfo", userName="cfo@example.com", emails=[{"value": "cfo@example.com"}])
add("Users", "u-mary", userName="mary.jcs-admin")
add("Users", "u-eve", userName="eve+jcs-1@example.com")
add("Users", "u-dave", userName="dave", emails=[{"value": "dave"}, {"value": "dave.jcs-abcdef@example.com"}])
add("Groups", "g-real", displayName="Marketing jcs-2024")
# Tagged, with hostile ids: deleted only as one encoded segment.
add("Users", "../Groups/g-real", userName="x.jcs-aaaaaa")
add("Users", "u-ceo#frag", userName="y.jcs-bbbbbb")
add("Users", "u-ceo?x=1", userName="z.jcs-cccccc")
add("Users", "u-ceo/../u-cfo", userName="w.jcs-dddddd")


class H(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def reply(self, status, body=None):
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        if body is not None:
            self.send_header("Content-Type", "application/scim+json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def route(self):
        if self.headers.get("Authorization") != "Bearer " + TOKEN:
            self.reply(401, {"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "status": "401"})
            return None
        raw = self.path.split("?", 1)[0]
        parts = raw.split("/scim/v2/", 1)[-1].split("/", 1)
        rid = urllib.parse.unquote(parts[1]) if len(parts) > 1 else None
        return parts[0], rid

    def do_GET(self):
        r = self.route()
        if r is None:
            return
        coll, rid = r
        if rid is None:
            q = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
            items = [v for c, v in store.values() if c == coll]
            flt = q.get("filter", [""])[0]
            if " eq " in flt:
                attr, val = flt.split(" eq ", 1)
                val = val.strip('"')
                items = [v for v in items if str(v.get(attr, "")).lower() == val.lower()]
            start = int(q.get("startIndex", ["1"])[0])
            count = int(q.get("count", ["100"])[0])
            page = items[start - 1 : start - 1 + count]
            self.reply(200, {"schemas": [LIST], "totalResults": len(items), "startIndex": start,
                             "itemsPerPage": len(page), "Resources": page})
        elif rid in store and store[rid][0] == coll:
            self.reply(200, store[rid][1])
        else:
            self.reply(404, {"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "status": "404"})

    def body(self):
        n = int(self.headers.get("Content-Length", "0"))
        return json.loads(self.rfile.read(n) or b"{}")

    def do_POST(self):
        r = self.route()
        if r is None:
            return
        coll, _ = r
        b = self.body()
        emails = {e.get("value") for e in b.get("emails") or []}
        if coll == "Users":
            for c, v in list(store.values()):
                if c == "Users" and (v.get("externalId") == b.get("externalId") or emails & {v.get("userName")}):
                    self.reply(200, v)  # upsert: an existing user, answered 200
                    return
            # Every new user also "matches" the CEO: the upsert jcsim must not delete.
            if b.get("userName", "").startswith("upsert"):
                self.reply(200, store["u-ceo"][1])
                return
        rid = "n-%d" % len(store)
        add(coll, rid, **{k: v for k, v in b.items() if k != "schemas"})
        self.reply(201, store[rid][1])

    def do_PUT(self):
        r = self.route()
        if r is None:
            return
        coll, rid = r
        if rid not in store:
            return self.reply(404, {"status": "404"})
        add(coll, rid, **{k: v for k, v in self.body().items() if k not in ("schemas", "id")})
        self.reply(200, store[rid][1])

    do_PATCH = do_PUT

    def do_DELETE(self):
        r = self.route()
        if r is None:
            return
        coll, rid = r
        if rid in store and store[rid][0] == coll:
            del store[rid]
            self.reply(204)
        else:
            self.reply(404, {"status": "404"})


ThreadingHTTPServer(("127.0.0.1", PORT), H).serve_forever()
