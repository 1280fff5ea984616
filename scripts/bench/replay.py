#!/usr/bin/env python3
"""Extract a jcsim run's per-user requests (the userName lookups and user
creates of its last step, the bulk bind) from events.jsonl into a replay file for wrk
(scripts/bench/replay.lua): one request a line, METHOD TAB PATH TAB BODY, with
the marker {{P}} where each replay pass puts a prefix into the userName, so
that every pass creates new users and its lookups miss, as the run's did.

Usage: replay.py EVENTS_JSONL OUT_FILE  (prints the number of requests)
"""
import json
import sys

events, out = sys.argv[1], sys.argv[2]
exchanges = [ev for ev in map(json.loads, open(events, encoding="utf-8")) if ev.get("type") == "exchange"]
bulk_step = max(ev["step"] for ev in exchanges)
n = 0
with open(out, "w", encoding="utf-8") as w:
    for ev in exchanges:
        if ev["step"] != bulk_step or ev["event"] not in ("user_lookup_provision", "user_create_provision"):
            continue
        req = ev["request"]
        path = "/" + req["url"].split("/", 3)[3]
        body = ""
        if req["method"] == "GET":
            # userName eq "<name>", percent-encoded: the prefix goes after the quote.
            if "%22" not in path:
                continue
            path = path.replace("%22", "%22{{P}}", 1)
        else:
            b = req["body"]
            if not isinstance(b, dict) or "userName" not in b:
                continue
            b["userName"] = "{{P}}" + b["userName"]
            body = json.dumps(b, ensure_ascii=False, separators=(",", ":"))
        w.write(f"{req['method']}\t{path}\t{body}\n")
        n += 1
print(n)
