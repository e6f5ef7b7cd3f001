#!/usr/bin/env python3
"""Fuzzes a running `concord-server serve` with malformed HTTP/1.1 over raw TCP sockets (stdlib only).

Each case opens a new connection, sends one generated request (or a pipelined pair), half-closes the write side
and reads until EOF or a 10 s timeout. Cases are mostly byte-level mutations of valid template requests, plus
targeted ones: bad request lines, headers, Content-Length and chunking, gzip, and mutated JSON pushes.

The bar: no 5xx answer, ever; no hang (a timeout with neither an answer nor a close: the server must answer or
close); and afterwards GET /v1/health answers 200 and the server is still alive. A close without an answer (or a
reset) is acceptable for malformed input. Every case is reproducible alone: `--seed S --only N`.

Usage: fuzz_http.py HOST PORT TOKEN [--seed N] [--pid PID] [--only N]
Environment: FUZZ_HTTP_CASES (default 2000), FUZZ_HTTP_MAX_TIME (seconds, default 120).
"""
import argparse, collections, gzip, json, os, random, re, socket, sys, time

TIMEOUT = 10.0
REPLICA = "6d1f1e0e-0000-4000-8000-000000000000"
STATUS = re.compile(rb"(?:^|\r\n)HTTP/\d\.\d (\d{3})")
ROUTES = ["/v1/changes", "/v1/me", "/v1/conflicts", "/v1/events/0193f6c2-6e00-7000-8000-1a2b3c4d5e6f",
          "/v1/report", "/v1/health", "/openapi.yaml"]


def uuid7(rng):
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-7{h[13:16]}-{'89ab'[rng.randrange(4)]}{h[17:20]}-{h[20:]}"


def gz(data):
    return gzip.compress(data, 9, mtime=0)  # mtime 0: the same bytes on every run


_BOMB = []


def gzip_bomb():
    """40 MB of spaces, gzipped (about 40 KB): over the 32 MiB limit once inflated."""
    if not _BOMB:
        _BOMB.append(gz(b" " * 40_000_000))
    return _BOMB[0]


class Gen:
    """Generates the requests of one case from its own RNG, so any case can be replayed alone."""

    def __init__(self, rng, token):
        self.r, self.token = rng, token

    # --- building blocks -------------------------------------------------------------------------------------
    def push_json(self):
        r = self.r
        change = {"id": uuid7(r), "entity": "event/" + uuid7(r), "field": r.choice(["type", "title", "summary"]),
                  "op": "set", "value": r.choice(["MOBILIZE", "A title", "Some summary"]), "supersedes": [],
                  "hlc": f"1764720000000:{r.randrange(10000):04d}", "author": "fuzzer",
                  "replica": REPLICA, "schema": 1}
        return {"replica": REPLICA, "changes": [change]}

    def request(self, method="GET", target="/v1/health", headers=None, body=b"", auth=True, length=True):
        lines = [f"{method} ".encode() + (target if isinstance(target, bytes) else target.encode()) + b" HTTP/1.1",
                 b"Host: 127.0.0.1"]
        if auth:
            lines.append(b"Authorization: Bearer " + self.token.encode())
        for h in headers or []:
            lines.append(h if isinstance(h, bytes) else h.encode())
        if length and (body or method == "POST"):
            lines.append(b"Content-Length: %d" % len(body))
        return b"\r\n".join(lines) + b"\r\n\r\n" + body

    def push(self, body=None, headers=None, length=True):
        body = json.dumps(self.push_json()).encode() if body is None else body
        return self.request("POST", "/v1/changes", ["Content-Type: application/json"] + (headers or []), body,
                            length=length)

    def template(self):
        r = self.r
        return r.choice([
            lambda: self.request("GET", r.choice(ROUTES)),
            lambda: self.request("GET", "/v1/changes?after=0&limit=10"),
            lambda: self.request("GET", "/v1/report?format=" + r.choice(["json", "md", "html"])),
            lambda: self.push(),
            lambda: self.push(gz(json.dumps(self.push_json()).encode()), ["Content-Encoding: gzip"]),
            lambda: self.push(self.chunk(json.dumps(self.push_json()).encode()), ["Transfer-Encoding: chunked"],
                              length=False),
        ])()

    def chunk(self, body, size=7):
        out = b"".join(b"%x\r\n%s\r\n" % (len(body[i:i + size]), body[i:i + size]) for i in range(0, len(body), size))
        return out + b"0\r\n\r\n"

    def junk(self, n):
        return self.r.randbytes(n)

    # --- generators: each returns (label, request bytes) -------------------------------------------------------
    def mutate_bytes(self):
        r, data = self.r, bytearray(self.template())
        for _ in range(r.randint(1, 8)):
            op, i = r.randrange(6), r.randrange(len(data))
            if op == 0:
                data[i] = r.randrange(256)
            elif op == 1:
                data[i:i] = self.junk(r.randint(1, 16))
            elif op == 2:
                del data[i:i + r.randint(1, 16)]
            elif op == 3:
                j = r.randrange(len(data))
                data[i:i] = data[j:j + r.randint(1, 64)]
            elif op == 4:
                data[i:i] = r.choice([b"\r\n", b"\n", b"\r", b"\x00", b" ", b":", b"\r\n\r\n", b"%", b"\xff"])
            else:
                del data[i:]
            data = data or bytearray(b"G")
        return "bytes", bytes(data)

    def request_line(self):
        r, hdr = self.r, b"\r\nHost: x\r\nAuthorization: Bearer " + self.token.encode() + b"\r\n\r\n"
        path = r.choice(ROUTES).encode()
        line = r.choice([
            b"get " + path + b" HTTP/1.1", b"G ET " + path + b" HTTP/1.1", b"FOO " + path + b" HTTP/1.1",
            b"X" * r.choice([100, 10000, 100000]) + b" / HTTP/1.1", b"GET " + path, b"GET " + path + b" HTTP/0.9",
            b"GET " + path + b" HTTP/2.0", b"PRI * HTTP/2.0", b"GET " + path + b" HTTP/1.2",
            b"GET " + path + b" HTTP/9.9",
            b"GET " + path + b" HTTP/1.1 ", b"GET  " + path + b"  HTTP/1.1", b"GET " + path + b" http/1.1",
            b"GET " + path + b" HTTP/1", b"GET " + path + b" HTTP/11.1", b"", b" ", b"GET", b"GET /",
            b"GET /" + b"a" * r.choice([1000, 8000, 70000, 1000000]) + b" HTTP/1.1",
            b"GET " + path + b"?" + b"x=" + b"9" * r.choice([1000, 100000]) + b" HTTP/1.1",
            b"GET " + path + r.choice([b"%", b"%z", b"%zz", b"%c0%af", b"%00", b"%ff%fe", b"%2e%2e%2f"]) + b" HTTP/1.1",
            b"GET " + path + bytes([r.choice(list(range(32)) + [127])]) + b"x HTTP/1.1",
            b"GET " + path + self.junk(r.randint(1, 20)) + b" HTTP/1.1",
            b"GET " + path + b"?after=" + self.junk(r.randint(1, 12)) + b" HTTP/1.1",
            b"GET /v1/events/" + self.junk(r.randint(1, 40)) + b" HTTP/1.1",
            b"GET http://127.0.0.1" + path + b" HTTP/1.1", b"GET http://evil.example" + path + b" HTTP/1.1",
            b"GET //" + path + b" HTTP/1.1", b"GET * HTTP/1.1", b"OPTIONS * HTTP/1.1", b"CONNECT 127.0.0.1:1 HTTP/1.1",
            b"GET ../../etc/passwd HTTP/1.1", b"GET " + path + b"#frag HTTP/1.1", b"\x16\x03\x01\x02\x00\x01\x00",
            self.junk(r.randint(1, 200)),
        ])
        return "request-line", line + (hdr if r.random() < 0.8 else r.choice([b"\r\n\r\n", b"\n\n", b"\r\n", b""]))

    def header(self):
        r = self.r
        body = json.dumps(self.push_json()).encode()
        n = len(body)
        bad = r.choice([
            [b"NoColonHere"], [b"Host : x"], [b"X-A: a", b" folded"], [b"X-A: a", b"\tfolded"], [b": empty-name"],
            [b"X-\x00: a"], [b"X-A: \x00\x01\x7f"], [b"X-A: \xff\xfe"], [b"X A: a"],
            [b"Content-Length: %d" % n, b"Content-Length: %d" % n], [b"Content-Length: %d" % n, b"Content-Length: 1"],
            [b"Content-Length: %d, %d" % (n, n)], [b"Content-Length: +%d" % n], [b"Content-Length: -1"],
            [b"Content-Length: 0x%x" % n], [b"Content-Length: 99999999999999999999"], [b"Content-Length: "],
            [b"Content-Length: %d " % n], [b"Content-Length: 1e3"], [b"Content-Length: 18446744073709551616"],
            [b"Content-Length: 9223372036854775807"], [b"Content-Length: 33554433"],
            [b"Transfer-Encoding: chunked", b"Content-Length: %d" % n], [b"Transfer-Encoding: gzip"],
            [b"Transfer-Encoding: chunked, chunked"], [b"Transfer-Encoding: identity"],
            [b"Transfer-Encoding: xchunked"],
            [b"Transfer-Encoding: chunked", b"Transfer-Encoding: gzip"], [b"Transfer-Encoding: \x00chunked"],
            [b"X-Big: " + b"a" * r.choice([8000, 100000, 1000000])],
            [b"X-%d: v" % i for i in range(r.choice([100, 1000, 10000]))],
            [b"Expect: 100-continue"], [b"Expect: 999-nope"], [b"Connection: close"], [b"Connection: upgrade, x"],
            [b"Upgrade: h2c", b"Connection: Upgrade, HTTP2-Settings", b"HTTP2-Settings: AAMAAABkAAQAAP__"],
        ])
        auth = r.random() < 0.5
        headers = bad + ([] if any(h.startswith(b"Content-Length") for h in bad) else [b"Content-Length: %d" % n])
        if not auth:
            headers.append(b"Authorization: " + r.choice([
                b"", b"Bearer", b"Bearer ", b"bearer " + self.token.encode(), b"Basic Zm9vOmJhcg==",
                b"Bearer  " + self.token.encode() + b"  ", b"Bearer " + b"A" * r.choice([100, 100000]),
                b"Bearer \xff\xfe\x00", b"Bearer " + self.token.encode() + b"\x00", b"Bearer " + self.junk(30)]))
        return "header", self.request("POST", "/v1/changes", headers, body, auth=auth, length=False)

    def encoding(self):
        r, body = self.r, json.dumps(self.push_json()).encode()
        z = gz(body)
        data, enc = r.choice([
            (b"not gzip at all", "gzip"), (z[:r.randrange(1, len(z))], "gzip"), (z + b"trailing", "gzip"),
            (gz(b'{"replica": [[[' + self.junk(50)), "gzip"), (gz(self.junk(200)), "gzip"),
            (gz(gz(body)), "gzip"), (z, "x-gzip"), (z, "GZIP"), (z, "gzip, gzip"),
            (z, "br"), (z, "deflate"), (body, "identity"), (body, ""), (z, " gzip "),
            (gz(b"[" * 100000), "gzip"), (bytes([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]), "gzip"),
            (gzip_bomb(), "gzip"),
        ])
        return "encoding", self.push(data, ["Content-Encoding: " + enc])

    def chunking(self):
        r, body = self.r, json.dumps(self.push_json()).encode()
        good = self.chunk(body)
        data = r.choice([
            b"zz\r\n" + body + b"\r\n0\r\n\r\n", b"-5\r\nabcde\r\n0\r\n\r\n", b"ffffffffffffffffffff\r\nab\r\n",
            b"7fffffffffffffff\r\nab\r\n", b"%x\r\n%s0\r\n\r\n" % (len(body), body), good[:-5],
            good[:r.randrange(1, len(good))], good[:-2] + b"X-Trailer: 1\r\nContent-Length: 5\r\n\r\n",
            b"%x;ext=1;q=\"x\"\r\n%s\r\n0;done\r\n\r\n" % (len(body), body),
            b"%x \r\n%s\r\n0\r\n\r\n" % (len(body), body),
            b"0x%x\r\n%s\r\n0\r\n\r\n" % (len(body), body), b"%x\r\n%s\r\n0\r\n\r\n" % (len(body) + 100, body),
            b"%x\n%s\n0\n\n" % (len(body), body), b"\r\n" + good, good + b"garbage", b"0\r\n\r\n",
            b"%x;%s\r\n" % (len(body), b"e" * 100000) + body + b"\r\n0\r\n\r\n",
        ])
        return "chunking", self.push(data, ["Transfer-Encoding: chunked"], length=False)

    def length(self):
        r, body = self.r, json.dumps(self.push_json()).encode()
        n = len(body)
        cl, data, extra = r.choice([
            (n + r.randint(1, 1000), body, []), (n - r.randint(1, n - 1), body, []), (0, body, []),
            (n * 2, body + self.junk(n), []), (n, body + b"GET /v1/health HTTP/1.1\r\n\r\n", []),
            (r.choice([33554433, 40_000_000, 2 ** 40]), body, ["Connection: close"]),
            (r.choice([33554433, 40_000_000]), body, []),
            (40_000_000, None, r.choice([["Connection: close"], []])),  # too large, and the client sends it all
        ])
        data = body + b" " * (34_000_000 - n) if data is None else data
        return "length", self.push(data, [f"Content-Length: {cl}"] + extra, length=False)

    def json_push(self):
        r = self.r
        good = json.dumps(self.push_json()).encode()
        obj = self.push_json()
        c = obj["changes"][0]
        kind = r.randrange(9)
        if kind == 0:
            data = bytearray(good)
            for _ in range(r.randint(1, 5)):
                data[r.randrange(len(data))] = r.randrange(256)
            data = bytes(data)
        elif kind == 1:
            data = good[:r.randrange(len(good))]
        elif kind == 2:
            key = r.choice(list(c) + ["replica", "changes"])
            value = r.choice([None, True, 42, -1, 1.5, "", "x" * 1000, [], {}, [1, 2], {"a": 1}, "\u0000", "\ud800"])
            (obj if key in ("replica", "changes") else c)[key] = value
            data = json.dumps(obj).encode()
        elif kind == 3:
            depth = r.choice([100, 1000, 100000])
            nested = good.replace(b'"MOBILIZE"', b"[" * depth + b"]" * depth, 1)
            nested = nested.replace(b'"A title"', b'{"a":' * 50 + b"1" + b"}" * 50)
            data = nested if r.random() < 0.5 else b"[" * depth
        elif kind == 4:
            num = r.choice([b"1e400", b"-1e400", b"99999999999999999999", b"1.5", b"-0", b"1e-400", b"0x10",
                            b"NaN", b"Infinity", b"9" * 1000, b"-9223372036854775809"])
            data = re.sub(rb'"schema": 1', b'"schema": ' + num, good) if r.random() < 0.6 else \
                good.replace(b'"supersedes": []', b'"supersedes": [' + num + b"]")
        elif kind == 5:
            (c if r.random() < 0.5 else obj)[r.choice(["priority", "", "\u00e9", "id2", "seq"])] = 1
            data = json.dumps(obj).encode()
        elif kind == 6:
            data = r.choice([b"", b"null", b"[]", b"{}", b"\xef\xbb\xbf" + good, good + b" trailing", b"\xff" + good,
                             good.replace(b"{", b'{"replica": 1, ', 1), json.dumps(obj).encode("utf-16")])
        elif kind == 7:
            obj["changes"] = obj["changes"] * r.choice([2, 100, 10001])
            data = json.dumps(obj).encode()
        else:
            c["supersedes"] = [uuid7(r) for _ in range(r.choice([1, 1000, 20000]))]
            data = json.dumps(obj).encode()
        return "json", self.push(data)

    def snapshot_range(self):
        """The seeded snapshot (seq 50, .ci/seed_fuzz.py) with every kind of Range header."""
        r = self.r
        value = r.choice([
            "bytes=0-", "bytes=100-", "bytes=-1-", "bytes=-9223372036854775808-", "bytes=9223372036854775807-",
            "bytes=99999999999999999999999-", "bytes=1-2", "bytes=0-0,5-9", "bytes=-500", "bytes=+5-", "bytes= 5-",
            "items=0-", "bytes=", "bytes=-", "bytes=0x10-", "bytes=１-", "bytes=5-\x00", "bytes=" + "9" * 5000 + "-",
        ])
        seq = r.choice(["50", "50", "1", "0", "-1", "9223372036854775807", "9223372036854775808", "abc"])
        return "range", self.request("GET", "/v1/snapshot/" + seq, headers=["Range: " + value])

    def hostile_text(self):
        """Legal JSON whose strings are hostile: huge combining sequences, repetitive text, bidi and zero-width
        characters, as titles, reasons and document texts (most are refused with 422; none may be a 5xx)."""
        r = self.r
        obj = self.push_json()
        c = obj["changes"][0]
        text = r.choice([
            "a" + "\u0301" * r.choice([1000, 100000, 2000000]),
            "The drill went on. " * r.choice([10, 10000, 200000]),
            "\u202e" * 100 + "title", "\u200b" * 600, "\ufeff" + "x" * 499, "서" * 500, "서" * 501,
        ])
        kind = r.randrange(3)
        if kind == 0:
            c["field"], c["value"] = "title", text
        elif kind == 1:
            c["field"], c["value"], c["reason"] = "title", "ok", text
        else:
            c["entity"], c["field"], c["value"] = "document/0000000000000000", "text", text
        data = json.dumps(obj).encode()
        if r.random() < 0.5:
            return "hostile-text", self.push(gz(data), ["Content-Encoding: gzip"])
        return "hostile-text", self.push(data)

    def query(self):
        r = self.r
        odd = lambda: r.choice(["-1", "0", "1", "20000", "20001", "9223372036854775807", "9223372036854775808",
                                "99999999999999999999", "", "1e3", "0x10", "+1", " 1", "%00", "%2B1", "abc", "1.0",
                                "%ff", "%", "1&after=2", "9" * 500, "１"])
        params = [f"{r.choice(['after', 'limit', 'format', 'after', 'limit', 'x', ''])}={odd()}"
                  for _ in range(r.randint(1, 4))]
        if r.random() < 0.2:
            params.append("format=" + r.choice(["json", "md", "html", "xml", "", "JSON", "%00"]))
        path = r.choice(ROUTES + ["/v1/events/" + r.choice(["", "event%2F" + uuid7(r), "event/" + uuid7(r),
                                  "..%2F..%2Fetc%2Fpasswd", "x" * 5000, uuid7(r).upper(), "0193f6c2"]), "/v1/", "/"])
        method = r.choice(["GET"] * 6 + ["POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH", "TRACE"])
        return "query", self.request(method, path + "?" + "&".join(params) + (r.choice(["", "#x", "&", "&&", ";"])),
                                     auth=r.random() < 0.9)

    def pipelined(self):
        r = self.r
        gens = [self.template, lambda: self.mutate_bytes()[1], lambda: self.query()[1], lambda: self.header()[1]]
        return "pipelined", r.choice(gens)() + r.choice(gens)()

    def case(self):
        weights = [(self.mutate_bytes, 28), (self.request_line, 10), (self.header, 12), (self.encoding, 6),
                   (self.chunking, 8), (self.length, 6), (self.json_push, 12), (self.query, 10), (self.pipelined, 4),
                   (self.snapshot_range, 5), (self.hostile_text, 5)]
        gen = self.r.choices([g for g, _ in weights], [w for _, w in weights])[0]
        return gen()


def exchange(host, port, data):
    """Sends `data`, half-closes, reads to EOF; returns (bytes received, how it ended: eof/reset/timeout/refused)."""
    try:
        s = socket.create_connection((host, port), timeout=TIMEOUT)
    except ConnectionRefusedError:
        return b"", "refused"
    got, end = bytearray(), "eof"
    with s:
        try:
            s.sendall(data)
            s.shutdown(socket.SHUT_WR)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server closed first; read what it said
        except socket.timeout:
            pass  # it stopped reading; it may still answer or close
        deadline = time.monotonic() + TIMEOUT
        while True:
            s.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                end = "timeout"
                break
            except (ConnectionResetError, BrokenPipeError):
                end = "reset"
                break
            if not chunk:
                break
            got += chunk
    return bytes(got), end


def head_of(response):
    end = response.find(b"\r\n\r\n")
    return response[:end if end >= 0 else 300][:600]


def main():
    p = argparse.ArgumentParser(description="Raw-socket HTTP/1.1 fuzzer for concord-server")
    p.add_argument("host"); p.add_argument("port", type=int); p.add_argument("token")
    p.add_argument("--seed", type=int, default=20251203)
    p.add_argument("--pid", type=int, help="the server's pid, checked for liveness")
    p.add_argument("--only", type=int, help="run only this case number")
    a = p.parse_args()
    cases = int(os.environ.get("FUZZ_HTTP_CASES", "2000"))
    budget = float(os.environ.get("FUZZ_HTTP_MAX_TIME", "120"))
    alive = lambda: a.pid is None or is_alive(a.pid)

    codes, failures, sent = collections.Counter(), collections.Counter(), 0
    closed = reset = lingered = 0
    start = time.monotonic()
    numbers = [a.only] if a.only is not None else range(cases)
    for n in numbers:
        if time.monotonic() - start > budget:
            print(f"fuzz-http: time budget of {budget:.0f} s reached after {sent} cases")
            break
        label, req = Gen(random.Random(f"{a.seed}:{n}"), a.token).case()
        got, end = exchange(a.host, a.port, req)
        sent += 1
        statuses = [int(m) for m in STATUS.findall(got)]
        codes.update(statuses)
        problem = None
        if end == "refused" or not alive():
            problem = "dead"  # the server refused the connection or exited
        elif any(code >= 500 for code in statuses):
            problem = "5xx"
        elif end == "timeout" and not got:
            problem = "hang"  # neither an answer nor a close within TIMEOUT
        elif got and not statuses:
            problem = "garbage"  # bytes that are not an HTTP response
        elif not got:
            closed += 1
            reset += end == "reset"
        elif end == "timeout":
            lingered += 1  # answered, but kept the half-closed connection open: reported, not a failure
            print(f"NOTE case {n} [{label}] answered but not closed within {TIMEOUT:.0f} s of the half-close: "
                  f"{req[:300]!r} -> {head_of(got)!r}")
        if problem:
            failures[problem] += 1
            print(f"FAIL case {n} [{label}] {problem} (seed {a.seed}, request {len(req)} bytes, ended by {end})")
            print(f"  request:  {req[:300]!r}")
            print(f"  response: {head_of(got)!r}")
            if problem == "dead":
                break
    hist = " ".join(f"{k}:{v}" for k, v in sorted(codes.items()))
    health, _ = exchange(a.host, a.port, b"GET /v1/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    healthy = STATUS.findall(health)[:1] == [b"200"] and alive()
    print(f"fuzz-http: {sent} cases in {time.monotonic() - start:.0f} s (seed {a.seed}); statuses {hist or '-'}; "
          f"closed without answer {closed} ({reset} reset); answered but left open {lingered}; "
          f"hangs {failures['hang']}; 5xx {failures['5xx']}; garbage {failures['garbage']}; "
          f"{'server DIED; ' if failures['dead'] else ''}"
          f"health after: {'200, server alive' if healthy else 'FAILED'}")
    return 0 if healthy and not failures else 1


def is_alive(pid):
    """Whether `pid` runs (a zombie, dead but not yet reaped by the wrapper, does not count)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


if __name__ == "__main__":
    sys.exit(main())
