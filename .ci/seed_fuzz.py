#!/usr/bin/env python3
"""Seeds a fresh `concord-server` for the fuzzers (stdlib Python 3): 50 changes with fixed ids (10 events, the first
`event/0193f6c2-6e00-7000-8000-1a2b3c4d5e6f`, the example id of openapi.yaml), then waits for the server's snapshot at
seq 50 (serve it with --snapshot-every 50). The fuzzers then reach real events, a real snapshot file and its Range
requests instead of 404s.

Usage: seed_fuzz.py HOST PORT TOKEN AUTHOR
"""
import json, sys, time, urllib.request

host, port, token, author = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
base = f"http://{host}:{port}"
EXAMPLE = "0193f6c2-6e00-7000-8000-1a2b3c4d5e6f"


def uuid(n):
    return EXAMPLE if n == 0 else f"0193f6c2-6e00-7000-8000-{n:012x}"


changes = []
for e in range(10):
    event = "event/" + uuid(1000 + e if e else 0)
    for f, (field, value) in enumerate([
        ("doc", "document/3f9a1c0d5e7b2a46"), ("title", f"Seeded drill {e}"), ("type", "COOPERATE"),
        ("date", "2025-07-11"), ("location", "international waters"),
    ]):
        changes.append({
            "id": uuid(1 + e * 5 + f), "entity": event, "field": field, "op": "set", "value": value,
            "supersedes": [], "hlc": f"1752300000000:{e * 5 + f:04d}", "author": author,
            "replica": "6d1f1e0e-0000-4000-8000-00000000aaaa", "schema": 1,
        })
request = urllib.request.Request(
    base + "/v1/changes", data=json.dumps({"replica": "6d1f1e0e-0000-4000-8000-00000000aaaa", "changes": changes}).encode(),
    headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"}, method="POST")
with urllib.request.urlopen(request, timeout=30) as response:
    answer = json.load(response)
if answer.get("cursor") != 50:
    sys.exit(f"seed_fuzz: expected the seed at seq 1-50, the server answered {answer}")
deadline = time.time() + 60
while time.time() < deadline:
    try:
        manifest = urllib.request.Request(base + "/v1/snapshot", headers={"Authorization": "Bearer " + token})
        with urllib.request.urlopen(manifest, timeout=10) as response:
            if json.load(response).get("seq") == 50:
                print("seed_fuzz: 50 changes and a snapshot at seq 50")
                sys.exit(0)
    except urllib.error.HTTPError:
        pass
    time.sleep(0.2)
sys.exit("seed_fuzz: the server made no snapshot at seq 50 within 60 s (serve with --snapshot-every 50)")
