#!/usr/bin/env python3
"""scripts/bench_storage.py — the issue-14 bar of the Storage routes, through
nginx on a stack (tests/support/stack). Standard library only.

  bench_storage.py BASE_URL STACK_DIR [RUNS]

The bar: uploading and downloading a 20 MB file costs the application less
than 50 ms of CPU a request (the bytes go through nginx, or S3, not through a
FastCGI thread). Measured as the FastCGI workers' utime + stime (from
/proc/<pid>/stat, children of the stack's master) across RUNS sequential
requests, divided by RUNS, beside the same figure for GET /api/user (a
token check and one indexed query) measured in the same run:

1. baseline: GET /api/user
2. POST /api/storage/upload of a 20,000,000-byte file (multipart; each file
   is deleted after its upload, outside the measured window, so the quota
   never fills)
3. GET /api/storage/download/{id} of one such file, the whole body read
   (nginx sends it: X-Accel-Redirect), and a Range request of its last MB

Beside each figure: the workers' read system calls a request (syscr of
/proc/<pid>/io; "-" where that file cannot be read): libfcgi alone reads
a 20 MB body in ~2,470 read()s of 8 KB, app/fcgi/fcgi_in in ~90.

Logs in as bench_user (scripts/bench registers it). Prints each figure beside
the bar; exits 0 (figures are measurements, not assertions) unless a request
answers something other than what the route should.
"""
import hashlib
import json
import os
import sys
import time

from bench_lib import fcgi_workers, http

BASE, STACK = sys.argv[1], sys.argv[2]
RUNS = int(sys.argv[3]) if len(sys.argv) > 3 else 10
SIZE = 20 * 1000 * 1000
BOUNDARY = "benchStorageBoundary0123456789"
TICK = os.sysconf("SC_CLK_TCK")


def request(method, path, body=None, ctype="application/json", token=None, headers=None, follow=True):
    return http(BASE, method, path, body, ctype, token, headers, 300, follow)


def workers():
    return fcgi_workers(STACK)


def cpu_ms(pids):
    """utime + stime of pids, in ms."""
    total = 0
    for p in pids:
        f = open("/proc/%s/stat" % p).read().rsplit(")", 1)[1].split()
        total += int(f[11]) + int(f[12])      # fields 14 and 15 of stat(5)
    return total * 1000.0 / TICK


def reads(pids):
    """The read system calls pids made (syscr of proc(5) /proc/<pid>/io), or
    None where it cannot be read (another user's process)."""
    total = 0
    for p in pids:
        try:
            for line in open("/proc/%s/io" % p):
                if line.startswith("syscr:"):
                    total += int(line.split()[1])
        except OSError:
            return None
    return total


def measure(label, runs, one, after=None):
    """Run one() runs times; the workers' CPU ms a request, the wall ms a
    request and the workers' read syscalls a request (or None);
    after(result) runs outside the measured window."""
    pids = workers()
    cpu = wall = 0.0
    nread = 0
    for _ in range(runs):
        c0, r0, t0 = cpu_ms(pids), reads(pids), time.perf_counter()
        res = one()
        wall += time.perf_counter() - t0
        cpu += cpu_ms(pids) - c0
        r1 = reads(pids)
        nread = None if r0 is None or r1 is None or nread is None else nread + r1 - r0
        if after:
            after(res)
    if workers() != pids:
        sys.exit("%s: the FastCGI workers changed during the run" % label)
    return cpu / runs, wall * 1e3 / runs, (None if nread is None else nread / runs)


def line(label, m, bar=""):
    cpu, wall, nread = m
    print("    %-44s cpu %6.2f ms  wall %7.1f ms  reads %6s%s" % (label, cpu, wall,
                                                             "-" if nread is None else "%.0f" % nread, bar))


def main():
    status, body = request("POST", "/api/auth/login",
                           json.dumps({"username_or_email": "bench_user", "password": "bench password 1"}).encode())
    if status != 200:
        sys.exit("login as bench_user: %d %s" % (status, body[:200]))
    token = json.loads(body)["access_token"]
    data = os.urandom(SIZE)
    sha = hashlib.sha256(data).hexdigest()
    mp = (("--%s\r\nContent-Disposition: form-data; name=\"file\"; filename=\"bench.bin\"\r\n"
           "Content-Type: application/octet-stream\r\n\r\n" % BOUNDARY).encode() + data +
          ("\r\n--%s--\r\n" % BOUNDARY).encode())
    mp_type = "multipart/form-data; boundary=" + BOUNDARY

    backend = []

    def user():
        status, body = request("GET", "/api/user", token=token)
        if status != 200:
            sys.exit("GET /api/user: %d %s" % (status, body[:200]))

    def upload():
        status, body = request("POST", "/api/storage/upload", mp, mp_type, token)
        if status != 201:
            sys.exit("upload: %d %s" % (status, body[:300]))
        o = json.loads(body)
        if o["sha256"] != sha or o["size"] != SIZE:
            sys.exit("upload: stored %s, %d bytes" % (o["sha256"], o["size"]))
        backend.append(o["backend"])
        return o["file_id"]

    def delete(fid):
        status, body = request("DELETE", "/api/storage/delete/" + fid, token=token)
        if status != 200:
            sys.exit("delete: %d %s" % (status, body[:200]))

    # Files an interrupted run left behind would fill the quota.
    status, body = request("GET", "/api/storage/files?limit=100", token=token)
    for f in json.loads(body)["files"] if status == 200 else []:
        delete(f["file_id"])
    for _ in range(3):                   # warm the workers and the route
        user()
    delete(upload())
    base = measure("GET /api/user", max(RUNS, 50), user)
    up = measure("upload", RUNS, upload, delete)
    fid = upload()

    # On the s3 backend the app answers a presigned 302 and the object store
    # sends the bytes: the app's part is the 302 (moto, with signing
    # enforced, does not take presigned URLs; the suites check those).
    s3 = backend[-1] == "s3"

    def download():
        status, body = request("GET", "/api/storage/download/" + fid, token=token, follow=not s3)
        if s3 and status == 302:
            return
        if status != 200 or len(body) != SIZE or hashlib.sha256(body).hexdigest() != sha:
            sys.exit("download: %d, %d bytes" % (status, len(body)))

    def ranged():
        status, body = request("GET", "/api/storage/download/" + fid, token=token,
                               headers={"Range": "bytes=%d-" % (SIZE - 1000000)}, follow=not s3)
        if s3 and status == 302:
            return
        if status != 206 or body != data[SIZE - 1000000:]:
            sys.exit("range download: %d, %d bytes" % (status, len(body)))

    down = measure("download", RUNS, download)
    rng = measure("range", RUNS, ranged)
    delete(fid)
    print("  app CPU a request (FastCGI workers' utime+stime; %d runs each, 20 MB = %d bytes; %s backend%s):"
          % (RUNS, SIZE, backend[-1], ", downloads answered by a presigned 302" if s3 else ""))
    line("baseline GET /api/user", base)
    line("POST /api/storage/upload (20 MB)", up, "  (bar: cpu < 50 ms)")
    line("GET /api/storage/download (20 MB)", down, "  (bar: cpu < 50 ms)")
    line("GET /api/storage/download, last 1 MB (206)", rng)

if __name__ == "__main__":
    main()
