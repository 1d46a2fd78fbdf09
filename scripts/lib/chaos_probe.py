#!/usr/bin/env python3
"""chaos_probe.py — the timeline probe of scripts/chaos (Python 3 standard library).

    chaos_probe.py run BASE_URL OUT [--token T] [--interval S] [--kinds hug]
        One thread per kind (h: GET /health, u: GET /api/user with the Bearer
        token, g: the builtin generate-image cache hit of chaos_mixed.lua), each
        sending one request every INTERVAL seconds on its own keep-alive
        connection, until SIGTERM/SIGINT. Every answer becomes a line of OUT:
        "<unix ms> <kind> <status> <json>" (status 0: no answer; json 1 when the
        body is a JSON object). Bounded: at most 100000 lines.

    chaos_probe.py load BASE_URL [--token T] [--connections 64] [--duration S] [--kinds hug]
        Mixed traffic like chaos_mixed.lua (one keep-alive connection a
        thread, the kinds in turn; generate-image with a fresh Idempotency-Key
        each time), for clients that retry as RFC 9112 section 9.3.1 lets
        them: a request whose connection was closed before any byte of an
        answer came (nginx closes connections it has not read yet when a
        worker retires after a reload) is sent once more on a new connection
        and counted as retried; any other error, or a second such close, is
        a failure. At the end the CHAOS line of chaos_mixed.lua plus
        retried=N, and "Requests/sec: R".

    chaos_probe.py outage OUT DOWN_MS UP_MS
        Figures of a database outage from OUT: what was answered while the
        database was down (from DOWN_MS, when it was stopped, to UP_MS, when it
        answered again), and how long after UP_MS the first 200 of each kind
        came. Prints one line of key=value figures; exit 1 when an answer in
        the window was neither 2xx nor a 503 with a JSON body, or a kind never
        answered 200 again.

Loopback only: the base URL must be http://127.0.0.1:PORT.
"""
import http.client
import json
import signal
import sys
import threading
import time
import urllib.parse

GEN_BODY = '{"prompt":"chaos cache probe","api_provider":"builtin","image_size":"256x256","seed":7}'
MAX_LINES = 100000



def request(conn, kind, auth, idempotency_key=None):
    """Send one request of kind h (/health), u (/api/user) or g (a builtin
    generate-image cache hit) on conn."""
    if kind == "h":
        conn.request("GET", "/health")
    elif kind == "u":
        conn.request("GET", "/api/user", headers=auth)
    else:
        headers = dict(auth, **{"Content-Type": "application/json"})
        if idempotency_key is not None:
            headers["Idempotency-Key"] = idempotency_key
        conn.request("POST", "/api/generate-image", body=GEN_BODY, headers=headers)

def now_ms():
    return int(time.time() * 1000)


def probe(base, kind, token, interval, stop, out, lock, count):
    u = urllib.parse.urlsplit(base)
    conn = None
    auth = {"Authorization": "Bearer " + token} if token else {}
    while not stop.is_set():
        t = now_ms()
        status, is_json = 0, 0
        try:
            if conn is None:
                conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
            request(conn, kind, auth)
            r = conn.getresponse()
            body = r.read()
            status = r.status
            try:
                is_json = int(isinstance(json.loads(body), dict))
            except ValueError:
                is_json = 0
            if r.getheader("Connection", "").lower() == "close":
                conn.close()
                conn = None
        except (OSError, http.client.HTTPException):
            if conn is not None:
                conn.close()
            conn = None
        with lock:
            if count[0] < MAX_LINES:
                out.write("%d %s %d %d\n" % (t, kind, status, is_json))
                count[0] += 1
        stop.wait(interval)


class NoAnswer(Exception):
    """The connection ended before any byte of an answer."""


def send(conn, kind, auth, seq):
    """One request; (status, is_json). NoAnswer when nothing came back."""
    try:
        request(conn, kind, auth, seq)
        r = conn.getresponse()
    except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError) as e:
        raise NoAnswer() from e
    body = r.read()
    try:
        is_json = int(isinstance(json.loads(body), dict))
    except ValueError:
        is_json = 0
    return r.status, is_json, r.getheader("Connection", "").lower() == "close"


def load_thread(u, n, kinds, auth, deadline, c, lat, lock):
    conn, i = None, 0
    while time.monotonic() < deadline:
        kind = kinds[(n + i) % len(kinds)]
        seq = "chaos-%d-%d-%d" % (n, i, int(time.time() * 1000))
        i += 1
        t0 = time.monotonic()
        outcome = None
        for attempt in (0, 1):
            if conn is None:
                conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
            try:
                status, is_json, close = send(conn, kind, auth, seq)
                outcome = ("ok", status, is_json)
                if close:
                    conn.close()
                    conn = None
                break
            except NoAnswer:
                conn.close()
                conn = None
                if attempt == 0:
                    with lock:
                        c["retried"] += 1
                    continue
                outcome = ("read",)
            except ConnectionRefusedError:
                outcome = ("connect",)
            except TimeoutError:
                outcome = ("timeout",)
            except (OSError, http.client.HTTPException):
                outcome = ("read",)
            if conn is not None:
                conn.close()
                conn = None
            break
        with lock:
            c["requests"] += 1
            if outcome[0] != "ok":
                c[outcome[0]] += 1
            else:
                if not 200 <= outcome[1] < 300:
                    c["non2xx"] += 1
                    c["statuses"][outcome[1]] = c["statuses"].get(outcome[1], 0) + 1
                    if not outcome[2]:
                        c["nonjson"] += 1
            if len(lat) < 500000:
                lat.append(time.monotonic() - t0)


def load(argv):
    base = argv[0]
    opts = dict(zip(argv[1::2], argv[2::2]))
    if not base.startswith("http://127.0.0.1:"):
        sys.exit("chaos_probe: only http://127.0.0.1:PORT is loaded")
    token = opts.get("--token", "")
    auth = {"Authorization": "Bearer " + token} if token else {}
    nconn = int(opts.get("--connections", "64"))
    duration = float(opts.get("--duration", "10"))
    kinds = opts.get("--kinds", "hug")
    u = urllib.parse.urlsplit(base)
    c = {"requests": 0, "non2xx": 0, "nonjson": 0, "connect": 0, "read": 0, "write": 0, "timeout": 0,
         "retried": 0, "statuses": {}}
    lat, lock = [], threading.Lock()
    t0 = time.monotonic()
    deadline = t0 + duration
    threads = [threading.Thread(target=load_thread, args=(u, n, kinds, auth, deadline, c, lat, lock))
               for n in range(nconn)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - t0
    lat.sort()
    p99 = lat[int(len(lat) * 0.99)] * 1000 if lat else 0
    print("Requests/sec: %.2f" % (c["requests"] / elapsed))
    print("CHAOS requests=%d non2xx=%d nonjson=%d connect=%d read=%d write=%d timeout=%d p99_ms=%.1f "
          "retried=%d statuses=%s" % (c["requests"], c["non2xx"], c["nonjson"], c["connect"], c["read"],
                                      c["write"], c["timeout"], p99, c["retried"],
                                      ",".join("%d:%d" % kv for kv in sorted(c["statuses"].items()))))


def run(argv):
    base, path = argv[0], argv[1]
    opts = dict(zip(argv[2::2], argv[3::2]))
    if not base.startswith("http://127.0.0.1:"):
        sys.exit("chaos_probe: only http://127.0.0.1:PORT is probed")
    token = opts.get("--token", "")
    interval = float(opts.get("--interval", "0.05"))
    kinds = opts.get("--kinds", "hug")
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    lock, count = threading.Lock(), [0]
    with open(path, "w", buffering=1) as out:
        threads = [threading.Thread(target=probe, args=(base, k, token, interval, stop, out, lock, count))
                   for k in kinds]
        for t in threads:
            t.start()
        while not stop.is_set():
            stop.wait(0.2)
        for t in threads:
            t.join()


def outage(argv):
    path, down, up = argv[0], int(argv[1]), int(argv[2])
    rows = []
    with open(path) as f:
        for line in f:
            p = line.split()
            if len(p) == 4:
                rows.append((int(p[0]), p[1], int(p[2]), int(p[3])))
    during = [r for r in rows if down <= r[0] < up]
    bad = [r for r in during if not (200 <= r[2] < 300 or (r[2] == 503 and r[3] == 1))]
    n503 = sum(1 for r in during if r[2] == 503)
    figures = {"answers_down": len(during), "503_json": n503,
               "2xx_down": sum(1 for r in during if 200 <= r[2] < 300), "bad_down": len(bad)}
    ok = not bad and n503 > 0
    for kind in sorted({r[1] for r in rows}):
        first = next((r[0] for r in rows if r[1] == kind and r[0] >= up and r[2] == 200), None)
        figures["first_200_" + kind + "_ms"] = "never" if first is None else first - up
        if first is None:
            ok = False
    for r in bad[:5]:
        print("bad answer while down: t=+%d ms kind=%s status=%d json=%d" % (r[0] - down, r[1], r[2], r[3]),
              file=sys.stderr)
    print(" ".join("%s=%s" % kv for kv in figures.items()))
    return 0 if ok else 1


def main():
    if len(sys.argv) >= 4 and sys.argv[1] == "run":
        return run(sys.argv[2:])
    if len(sys.argv) >= 3 and sys.argv[1] == "load":
        return load(sys.argv[2:])
    if len(sys.argv) == 5 and sys.argv[1] == "outage":
        return outage(sys.argv[2:])
    sys.exit(__doc__)


if __name__ == "__main__":
    sys.exit(main())
