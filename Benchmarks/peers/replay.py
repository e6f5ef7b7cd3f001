#!/usr/bin/env python3
"""Concord's changes replayed into Yrs (pycrdt) and Loro: apply rate, bytes a new replica receives, join cost.

Every change of a Concord server database is replayed in `seq` order into nested maps, one transaction (Yrs) or
commit (Loro) per change:

    entities (root map) -> entity id (map) -> field:
        op "set"            the value under the field key (register)
        op "add" / "remove" a nested map element -> true / the element deleted (set)
        op "append"         a nested list, the value appended (list)

Then the state a new replica receives is exported to a file and a fresh process (its peak RSS is its own) joins:
it reads the file and applies it to an empty doc. A raw SQLite insert baseline of as many rows runs in the same
process first, so the rates can be given as ratios. See README.md.
"""
import argparse
import hashlib
import json
import os
import platform
import sqlite3
import subprocess
import sys
import tempfile
import time
import zlib
from importlib.metadata import version


def rss_mb(key):
    """VmHWM (peak) or VmRSS (current) of this process, in MB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024


def digest(entities):
    """A fingerprint of the replayed content (entities as plain dicts and lists), equal across peers."""
    return hashlib.sha256(json.dumps(entities, sort_keys=True).encode()).hexdigest()[:16]


def load(db, limit):
    """The first `limit` changes (all when None) as (id, entity, field, op, value), in seq order."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    changes = []
    for (body,) in conn.execute("SELECT body FROM change ORDER BY seq LIMIT ?", (limit or -1,)):
        c = json.loads(body)
        changes.append((c["id"], c["entity"], c["field"], c["op"], c["value"]))
    conn.close()
    return changes


def replay_plain(changes):
    """The expected content, replayed into Python dicts by the same rules."""
    entities = {}
    for _, entity, field, op, value in changes:
        fields = entities.setdefault(entity, {})
        if op == "set":
            fields[field] = value
        elif op == "add":
            fields.setdefault(field, {})[value] = True
        elif op == "remove":
            fields.setdefault(field, {}).pop(value, None)
        else:  # append
            fields.setdefault(field, []).append(value)
    return entities


def replay_yrs(changes, updates=None):
    """The changes as local edits of a new doc, and the seconds the edits took (setup and imports untimed).

    With `updates`, each transaction's update is appended to it."""
    import pycrdt as Y

    doc = Y.Doc()
    root = doc.get("entities", type=Y.Map)
    # kept in a local, so it lives until the replay returns
    subscription = updates is not None and doc.observe(lambda event: updates.append(event.update))
    start = time.perf_counter()
    for _, entity, field, op, value in changes:
        with doc.transaction():
            if entity in root:
                fields = root[entity]
            else:
                fields = root[entity] = Y.Map()  # the prelim map is integrated by the assignment
            if op == "set":
                fields[field] = value
                continue
            if field not in fields:
                fields[field] = Y.Array() if op == "append" else Y.Map()
            if op == "add":
                fields[field][value] = True
            elif op == "remove":
                fields[field].pop(value, None)  # an element already removed (494 of 1M changes) is left alone
            else:
                fields[field].append(value)
    return doc, time.perf_counter() - start


def replay_loro(changes, updates=None):
    """As replay_yrs; Loro emits no update for a commit that changes nothing (a key set to its current value)."""
    from loro import LoroDoc, LoroList, LoroMap

    doc = LoroDoc()
    root = doc.get_map("entities")
    # kept in a local, so it lives until the replay returns; the callback returns True to stay subscribed
    subscription = updates is not None and doc.subscribe_local_update(lambda update: updates.append(update) or True)
    start = time.perf_counter()
    for _, entity, field, op, value in changes:
        fields = root.get_or_create_container(entity, LoroMap())
        if op == "set":
            fields.insert(field, value)
        elif op == "add":
            fields.get_or_create_container(field, LoroMap()).insert(value, True)
        elif op == "remove":
            fields.get_or_create_container(field, LoroMap()).delete(value)  # records a delete even if absent
        else:
            fields.get_or_create_container(field, LoroList()).push(value)
        doc.commit()
    return doc, time.perf_counter() - start


def exports_yrs(doc):
    """What a new replica receives: the whole document as one update (encode_state_as_update from an empty state)."""
    return {"update": doc.get_update}


def exports_loro(doc):
    """A full snapshot (state + history) and a shallow snapshot at the current frontiers (state, no history)."""
    from loro import ExportMode

    return {
        "snapshot": lambda: doc.export(ExportMode.Snapshot()),
        "shallow_snapshot": lambda: doc.export(ExportMode.ShallowSnapshot(doc.oplog_frontiers)),
    }


def empty_doc(peer):
    """A new, empty doc of the peer as (apply bytes received, read the whole content into Python objects)."""
    if peer == "yrs":
        import pycrdt as Y

        doc = Y.Doc()
        return doc.apply_update, lambda: doc.get("entities", type=Y.Map).to_py()
    from loro import LoroDoc

    doc = LoroDoc()
    return doc.import_, lambda: doc.get_deep_value()["entities"]


def apply_remote(peer, updates):
    """Seconds a second replica takes to apply the changes one by one, as the updates the first one emitted."""
    apply, _ = empty_doc(peer)
    start = time.perf_counter()
    for update in updates:
        apply(update)
    return time.perf_counter() - start


def join_child(peer, path):
    """Run in a fresh process: apply the exported bytes to an empty doc; print the figures as JSON."""
    with open(path, "rb") as f:
        data = f.read()
    apply, read = empty_doc(peer)
    base = rss_mb("VmRSS")  # interpreter + library + the bytes read
    start = time.perf_counter()
    apply(data)
    seconds = time.perf_counter() - start
    peak = rss_mb("VmHWM")
    start = time.perf_counter()
    entities = read()  # every value read back into Python objects (Loro decodes its state lazily)
    read_seconds = time.perf_counter() - start
    print(json.dumps({
        "join_seconds": round(seconds, 3),
        "peak_rss_mb": round(peak, 1),
        "rss_before_mb": round(base, 1),
        "read_all_seconds": round(read_seconds, 3),
        "peak_rss_after_read_mb": round(rss_mb("VmHWM"), 1),
        "digest": digest(entities),
    }))


def baseline(changes, directory, body_bytes=200, batch=10_000):
    """Raw SQLite inserts of change-sized rows: one prepared statement, 10k rows a transaction, WAL, sync NORMAL."""
    conn = sqlite3.connect(os.path.join(directory, "baseline.sqlite"), isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("CREATE TABLE rows(seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, entity TEXT NOT NULL, "
                 "field TEXT NOT NULL, body TEXT NOT NULL)")
    body = "x" * body_bytes
    rows = [(i, c[0], c[1], c[2], body) for i, c in enumerate(changes, 1)]  # built before the clock starts
    start = time.perf_counter()
    for i in range(0, len(rows), batch):
        conn.execute("BEGIN")
        conn.executemany("INSERT INTO rows VALUES (?, ?, ?, ?, ?)", rows[i:i + batch])  # one cached statement
        conn.execute("COMMIT")
    seconds = time.perf_counter() - start
    conn.close()
    return {"rows": len(rows), "seconds": round(seconds, 3), "rows_per_s": round(len(rows) / seconds)}


def rates(name, count, seconds, baseline_figures):
    """`name`_seconds, _changes_per_s and _ratio (to the baseline's rows/s) of `count` changes in `seconds`."""
    rate = count / seconds
    return {f"{name}_seconds": round(seconds, 3), f"{name}_changes_per_s": round(rate),
            f"{name}_ratio": round(rate / baseline_figures["rows_per_s"], 3)}


def flat(figures, prefix=""):
    """The nested figures as (dotted.name, value) pairs, for the plain-text output."""
    for key, value in figures.items():
        if isinstance(value, dict):
            yield from flat(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", value


def log(message):
    print(message, file=sys.stderr, flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="a Concord server database (server.sqlite); opened read-only")
    parser.add_argument("--limit", type=int, help="replay only the first N changes")
    parser.add_argument("--peer", default="yrs,loro", help="comma-separated: yrs, loro")
    parser.add_argument("--json", action="store_true", help="print one JSON object with all figures")
    parser.add_argument("--join-child", nargs=2, metavar=("PEER", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.join_child:
        return join_child(*args.join_child)
    if not args.db:
        parser.error("--db is required")
    peers = {"yrs": (replay_yrs, exports_yrs), "loro": (replay_loro, exports_loro)}
    chosen = args.peer.split(",")
    if any(p not in peers for p in chosen):
        parser.error(f"--peer takes {', '.join(peers)}")

    started = time.perf_counter()
    changes = load(args.db, args.limit)
    expected = digest(replay_plain(changes))
    log(f"{len(changes)} changes loaded")
    result = {
        "date": time.strftime("%Y-%m-%d %H:%M:%S %z"),
        "machine": {"cpus": os.cpu_count(), "loadavg_at_start": os.getloadavg(), "python": platform.python_version()},
        "versions": {"pycrdt": version("pycrdt"), "loro": version("loro")},
        "changes": len(changes),
    }
    with tempfile.TemporaryDirectory() as directory:
        result["baseline"] = baseline(changes, directory)
        log(f"baseline: {result['baseline']}")
        for name in chosen:
            replay, exports = peers[name]
            doc, seconds = replay(changes)
            figures = rates("replay", len(changes), seconds, result["baseline"])
            if name == "loro":  # Loro merges a peer's consecutive commits into fewer changes by default
                figures.update(loro_changes=doc.len_changes, loro_ops=doc.len_ops)
            # A second replay capturing every change's update, then those updates applied to a fresh doc.
            updates = []
            seconds = replay(changes, updates)[1]
            figures.update(rates("replay_emitting_updates", len(changes), seconds, result["baseline"]))
            figures.update(updates=len(updates), updates_mb=round(sum(map(len, updates)) / 1e6, 1))
            figures.update(rates("remote_apply", len(changes), apply_remote(name, updates), result["baseline"]))
            del updates
            for kind, export in exports(doc).items():
                start = time.perf_counter()
                data = export()
                export_seconds = time.perf_counter() - start
                path = os.path.join(directory, f"{name}.{kind}")
                with open(path, "wb") as f:
                    f.write(data)
                child = subprocess.run([sys.executable, __file__, "--join-child", name, path],
                                       check=True, capture_output=True, text=True)
                join = json.loads(child.stdout)
                join["content_matches"] = join.pop("digest") == expected
                figures[kind] = {"bytes": len(data), "mb": round(len(data) / 1e6, 1),
                                 "gzip_mb": round(len(zlib.compress(data, 6)) / 1e6, 1),
                                 "export_seconds": round(export_seconds, 3), **join}
            del doc
            result[name] = figures
            log(f"{name}: {figures}")
    result["wall_seconds"] = round(time.perf_counter() - started, 1)
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in flat(result):
            print(f"{key:45} {value}")


if __name__ == "__main__":
    main()
