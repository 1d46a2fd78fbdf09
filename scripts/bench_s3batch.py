#!/usr/bin/env python3
"""scripts/bench_s3batch.py — issue 14's bar for the s3 image backend: a
500-prompt builtin batch with IG_IMAGE_BACKEND=s3 on the stack's moto is no
slower than 1.5x the same batch with IG_IMAGE_BACKEND=local. Standard library
only.

  bench_s3batch.py BASE_URL STACK_DIR [PROMPTS [ROUNDS]]

ROUNDS (default 3) rounds, each one batch on each backend, in alternating
order (local then s3, then s3 then local, ...) so that a drift of the
machine's load weighs on both. For each batch: restart the pool and the
runner with IG_STACK_OVERRIDES="IG_IMAGE_BACKEND=..." (tests/support/stack
pool-start and worker-start; the stack's env already carries IG_S3_* for its
moto_server), register a fresh user, POST /api/batch/generate with PROMPTS
(500) prompts no one asked for before (the cache cannot answer),
api_provider builtin at 256x256, and poll GET /api/batch/status every 50 ms
until the batch is no longer queued or processing: wall time from submit to
that state, and the files the run added under IG_IMAGE_DIR (none for s3: its
images and thumbnails are in moto). From /proc over the same span: the CPU
seconds the runner spent (and per image), moto_server's (its Python shares
the machine's two cores with everything else, so it is part of the s3 wall),
and the whole machine's busy CPU (everything, other users' work included:
how loaded the machine was). The S3 requests are counted from moto's request
log (STACK/log/s3.log, one line each): by method, per image, and moto's CPU
per request. Prints every batch, then each round's ratio s3 : local and their
range beside the bar (<= 1.5), then restarts the pool and runner with the
stack's own env. Exits 0 (figures are measurements, not assertions).
"""
import collections
import json
import os
import subprocess
import sys
import time

from bench_lib import http

BASE, STACK = sys.argv[1], sys.argv[2]
COUNT = int(sys.argv[3]) if len(sys.argv) > 3 else 500
ROUNDS = int(sys.argv[4]) if len(sys.argv) > 4 else 3
RUN = "%d_%d" % (os.getpid(), int(time.time()))
STACK_CMD = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "support", "stack")
S3_LOG = os.path.join(STACK, "log", "s3.log")
TICK = os.sysconf("SC_CLK_TCK")


def restart(overrides):
    env = dict(os.environ)
    env.pop("IG_STACK_OVERRIDES", None)
    if overrides:
        env["IG_STACK_OVERRIDES"] = overrides
    for step in ("pool-start", "worker-start"):
        subprocess.run([STACK_CMD, step, STACK], env=env, check=True, stdout=subprocess.DEVNULL)


def post_json(path, body, token=None):
    status, out = http(BASE, "POST", path, json.dumps(body).encode(), token=token)
    if status // 100 != 2:
        raise SystemExit("POST %s: %d %s" % (path, status, out[:300]))
    return json.loads(out)


def disk_files():
    """Files under IG_IMAGE_DIR: the s3 run must add none (its images are in moto)."""
    return sum(len(f) for _, _, f in os.walk(os.environ.get("IG_IMAGE_DIR", "/nonexistent")))


def cpu_s(name):
    """utime + stime in seconds of the process in STACK/run/NAME.pid (0 when gone)."""
    try:
        pid = open(os.path.join(STACK, "run", name + ".pid")).read().strip()
        f = open("/proc/%s/stat" % pid).read().rsplit(")", 1)[1].split()
        return (int(f[11]) + int(f[12])) / TICK
    except (OSError, ValueError, IndexError):
        return 0.0


def machine_busy_s():
    """CPU seconds the whole machine spent busy (every core; /proc/stat's
    first line less idle and iowait)."""
    f = [int(x) for x in open("/proc/stat").readline().split()[1:]]
    return (sum(f[:8]) - f[3] - f[4]) / TICK


def s3_log_size():
    try:
        return os.path.getsize(S3_LOG)
    except OSError:
        return 0


def s3_requests(since):
    """The requests moto logged after byte since, by method."""
    n = collections.Counter()
    try:
        with open(S3_LOG, "rb") as f:
            f.seek(since)
            for line in f:
                parts = line.split(b'"')
                if len(parts) >= 3 and b" HTTP/" in parts[1]:
                    n[parts[1].split(b" ", 1)[0].decode()] += 1
    except OSError:
        pass
    return n


def one_batch(backend, rnd):
    restart("IG_IMAGE_BACKEND=" + backend)
    files0 = disk_files()
    user = "bench_s3b_%s_%s_%d" % (backend, RUN, rnd)
    post_json("/api/auth/register", {"username": user, "email": user + "@example.test",
                                     "password": "bench s3 batch password"})
    token = post_json("/api/auth/login", {"username_or_email": user,
                                          "password": "bench s3 batch password"})["access_token"]
    prompts = ["bench %s %s %s batch lighthouse %d" % (backend, RUN, user, i) for i in range(COUNT)]
    runner0, moto0, busy0, log0 = cpu_s("worker"), cpu_s("s3"), machine_busy_s(), s3_log_size()
    t0 = time.monotonic()
    batch = post_json("/api/batch/generate", {"prompts": prompts,
                                              "settings": {"api_provider": "builtin", "image_size": "256x256"}},
                      token)["batch_id"]
    state, st = "queued", {}
    while state in ("queued", "processing") and time.monotonic() - t0 < 600:
        status, out = http(BASE, "GET", "/api/batch/status/" + batch, token=token, timeout=10)
        if status == 200:
            st = json.loads(out)
            state = st["status"]
        time.sleep(0.05)
    wall = time.monotonic() - t0
    prog = st.get("progress", {})
    return {"backend": backend, "wall": wall, "state": state, "done": prog.get("completed", 0),
            "failed": prog.get("failed", 0), "files": disk_files() - files0,
            "runner": cpu_s("worker") - runner0, "moto": cpu_s("s3") - moto0,
            "busy": machine_busy_s() - busy0, "reqs": s3_requests(log0)}


def show(b):
    reqs = sum(b["reqs"].values())
    per_image = "%.2f" % (reqs / b["done"]) if b["done"] else "-"
    per_req = "%.2f" % (b["moto"] * 1000 / reqs) if reqs else "-"
    print("%-6s %7.2f %9s %5d/%-4d %5d %6d %7.2f %6.1f %7.2f %7s %6s %8s  %s"
          % (b["backend"], b["wall"], b["state"], b["done"], COUNT, b["failed"], b["files"], b["runner"],
             b["runner"] * 1000 / b["done"] if b["done"] else 0, b["moto"], per_req, per_image,
             "%.1f" % b["busy"], " ".join("%s %d" % kv for kv in sorted(b["reqs"].items())) or "-"))


def main():
    rounds = []
    try:
        for r in range(ROUNDS):
            order = ("local", "s3") if r % 2 == 0 else ("s3", "local")
            rounds.append({b: one_batch(b, r) for b in order})
    finally:
        restart(None)
    print("%-6s %7s %9s %10s %5s %6s %7s %6s %7s %7s %6s %8s  %s"
          % ("backend", "wall s", "state", "completed", "fail", "files", "runner", "ms/img", "moto s",
             "ms/req", "req/img", "busy s", "S3 requests"))
    for rd in rounds:
        for b in rd.values():
            show(b)
    ratios = [rd["s3"]["wall"] / rd["local"]["wall"] for rd in rounds]
    print("runner, moto: CPU seconds of the batch; ms/img: runner CPU per image; ms/req: moto CPU per S3 "
          "request; busy: the whole machine's busy CPU seconds over the batch (2 cores: at most 2 x wall)")
    print("%d-prompt builtin batch, s3 (moto) : local = %s; range %.2f-%.2f over %d rounds (bar: <= 1.5)"
          % (COUNT, ", ".join("%.2f" % x for x in ratios), min(ratios), max(ratios), len(ratios)))


main()
