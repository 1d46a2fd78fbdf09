#!/usr/bin/env python3
"""scripts/bench_process.py — the issue-12 bars of the upload and process routes,
through nginx on a stack (tests/support/stack). Standard library only.

  bench_process.py BASE_URL STACK_DIR IN.png [RUNS]

1. POST /api/image/process with the 5-operation chain of scripts/bench_imgops.c
   (resize cover 800x800, rotate 90, sepia, a CJK watermark, convert to JPEG)
   on IN.png (1024x1024) uploaded first with POST /api/images: request to
   answer, median and worst of RUNS sequential requests (bar: < 150 ms).
2. POST /api/images of a PNG decompression bomb (IHDR 16000x16000, the whole
   deflated image: 768 MB of pixels in about 750 KB): median and worst of
   RUNS refusals (bar: < 100 ms), and the FastCGI workers' RSS and peak RSS
   (VmHWM) from /proc before and after (bar: growth < 16 MB).
Logs in as bench_user (scripts/bench registers it). Prints each figure
beside its bar; exits 0 (figures are measurements, not assertions) unless a
request answers something other than what the route should.
"""
import json
import os
import statistics
import struct
import sys
import time
import zlib

from bench_lib import fcgi_workers, http

BASE, STACK = sys.argv[1], sys.argv[2]
SOURCE = open(sys.argv[3], "rb").read()
RUNS = int(sys.argv[4]) if len(sys.argv) > 4 else 20
CHAIN = [
    {"op": "resize", "width": 800, "height": 800, "fit": "cover"},
    {"op": "rotate", "degrees": 90},
    {"op": "filter", "name": "sepia"},
    {"op": "watermark", "text": "imagegen 水印", "position": "bottom-right", "opacity": 0.6},
    {"op": "convert", "format": "jpeg", "quality": 85},
]
BOUNDARY = "benchBoundary0123456789"


def request(method, path, body=None, ctype="application/json", token=None):
    return http(BASE, method, path, body, ctype, token)


def multipart(data):
    head = ("--%s\r\nContent-Disposition: form-data; name=\"file\"; filename=\"in.png\"\r\n"
            "Content-Type: image/png\r\n\r\n" % BOUNDARY).encode()
    return head + data + ("\r\n--%s--\r\n" % BOUNDARY).encode()


def upload(token, data):
    return request("POST", "/api/images", multipart(data), "multipart/form-data; boundary=" + BOUNDARY, token)


def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def bomb(side):
    """A PNG of side x side black RGB pixels, deflated whole (level 9)."""
    z = zlib.compressobj(9)
    row = bytes(1 + 3 * side)
    idat = []
    rows = bytearray()
    for _ in range(side):
        rows += row
        if len(rows) >= 1 << 24:
            idat.append(z.compress(bytes(rows)))
            rows = bytearray()
    idat.append(z.compress(bytes(rows)))
    idat.append(z.flush())
    ihdr = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", b"".join(idat)) + chunk(b"IEND", b"")


def workers():
    return fcgi_workers(STACK)


def reset_peak(pid):
    """Set pid's VmHWM to its VmRSS (proc(5) clear_refs "5"); False when not allowed."""
    try:
        with open("/proc/%s/clear_refs" % pid, "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def memory(pid):
    """(VmRSS, VmHWM) of pid in KB."""
    vals = {}
    for line in open("/proc/%s/status" % pid):
        if line.startswith(("VmRSS:", "VmHWM:")):
            vals[line.split(":")[0]] = int(line.split()[1])
    return vals["VmRSS"], vals["VmHWM"]


def main():
    status, body = request("POST", "/api/auth/login",
                           json.dumps({"username_or_email": "bench_user", "password": "bench password 1"}).encode())
    if status != 200:
        sys.exit("login as bench_user: %d %s" % (status, body[:200]))
    token = json.loads(body)["access_token"]

    status, body = upload(token, SOURCE)
    if status != 201:
        sys.exit("upload of the source: %d %s" % (status, body[:300]))
    src = json.loads(body)["image"]["id"]
    req = json.dumps({"image_id": src, "operations": CHAIN}).encode()
    times = []
    for i in range(RUNS + 1):
        t0 = time.perf_counter()
        status, body = request("POST", "/api/image/process", req, token=token)
        ms = (time.perf_counter() - t0) * 1e3
        if status != 201:
            sys.exit("process: %d %s" % (status, body[:300]))
        if i:                       # the first warms the worker (font, page faults)
            times.append(ms)
    print("  5-op process chain on 1024x1024 (%s), request to answer: p50 %.1f ms, worst %.1f ms of %d"
          " (bar: < 150 ms)" % (", ".join(o["op"] for o in CHAIN), statistics.median(times), max(times), RUNS))

    data = bomb(16000)
    pids = workers()
    reset = all([reset_peak(p) for p in pids])
    before = {p: memory(p) for p in pids}
    times = []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        status, body = upload(token, data)
        ms = (time.perf_counter() - t0) * 1e3
        err = json.loads(body).get("error", {})
        if status != 400 or err.get("field") != "file":
            sys.exit("bomb upload: %d %s" % (status, body[:300]))
        times.append(ms)
    after = {p: memory(p) for p in pids if os.path.exists("/proc/" + p)}
    print("  16000x16000 PNG bomb (%d bytes) refused: p50 %.1f ms, worst %.1f ms of %d (bar: < 100 ms)"
          % (len(data), statistics.median(times), max(times), RUNS))
    if not reset:
        print("  (peak RSS could not be reset: its growth counts only past the earlier peak)")
    for p in pids:
        if p in after:
            print("  worker %s: RSS %d -> %d KB (%+d), peak RSS %d -> %d KB (%+d) (bar: growth < 16384 KB)"
                  % (p, before[p][0], after[p][0], after[p][0] - before[p][0], before[p][1], after[p][1],
                     after[p][1] - before[p][1]))
        else:
            print("  worker %s: gone (restarted?) — RSS not comparable" % p)


main()
