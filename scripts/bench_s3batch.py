#!/usr/bin/env python3
"""scripts/bench_s3batch.py — issue 14's bar for the s3 image backend: a
500-prompt builtin batch with IG_IMAGE_BACKEND=s3 on the stack's moto is no
slower than 1.5x the same batch with IG_IMAGE_BACKEND=local. Standard library
only.

  bench_s3batch.py BASE_URL STACK_DIR [PROMPTS]

For each backend, local first: restart the pool and the runner with
IG_STACK_OVERRIDES="IG_IMAGE_BACKEND=..." (tests/support/stack pool-start and
worker-start; the stack's env already carries IG_S3_* for its moto_server),
register a fresh user, POST /api/batch/generate with PROMPTS (500) prompts no
one asked for before (the cache cannot answer), api_provider builtin at
256x256, and poll GET /api/batch/status every 50 ms until the batch is no
longer queued or processing: wall time from submit to that state, and the
files the run added under IG_IMAGE_DIR (none for s3: its images and
thumbnails are in moto), the CPU seconds the runner and moto_server spent
(/proc; the machine's two cores are shared, so moto's Python is part of the
s3 wall). Prints both
walls and their ratio beside the bar (s3 : local <= 1.5), then restarts the
pool and runner with the stack's own env. Exits 0 (figures are measurements,
not assertions).
"""
import json
import os
import subprocess
import sys
import time

from bench_lib import http

BASE, STACK = sys.argv[1], sys.argv[2]
COUNT = int(sys.argv[3]) if len(sys.argv) > 3 else 500
RUN = "%d_%d" % (os.getpid(), int(time.time()))
STACK_CMD = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "support", "stack")


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
        return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0


def one_batch(backend):
    restart("IG_IMAGE_BACKEND=" + backend)
    files0 = disk_files()
    runner0, moto0 = cpu_s("worker"), cpu_s("s3")
    user = "bench_s3b_%s_%s" % (backend, RUN)
    post_json("/api/auth/register", {"username": user, "email": user + "@example.test",
                                     "password": "bench s3 batch password"})
    token = post_json("/api/auth/login", {"username_or_email": user,
                                          "password": "bench s3 batch password"})["access_token"]
    prompts = ["bench %s %s batch lighthouse %d" % (backend, RUN, i) for i in range(COUNT)]
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
    return (wall, state, prog.get("completed", 0), prog.get("failed", 0), disk_files() - files0,
            cpu_s("worker") - runner0, cpu_s("s3") - moto0)


def main():
    try:
        local = one_batch("local")
        s3 = one_batch("s3")
    finally:
        restart(None)
    print("%-8s %8s %10s %10s %7s %10s %12s %10s" % ("backend", "wall s", "state", "completed", "failed",
                                                    "disk files", "runner CPU s", "moto CPU s"))
    for name, (wall, state, done, failed, files, runner, moto) in (("local", local), ("s3", s3)):
        print("%-8s %8.2f %10s %6d/%-3d %7d %10d %12.2f %10.2f"
              % (name, wall, state, done, COUNT, failed, files, runner, moto))
    print("%d-prompt builtin batch, s3 (moto) : local = %.2f (bar: <= 1.5)" % (COUNT, s3[0] / local[0]))


main()
