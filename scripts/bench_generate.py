#!/usr/bin/env python3
"""scripts/bench_generate.py — the generation bars of scripts/bench, against a
stack whose providers are the mock (tests/support/stack). Standard library only.

  bench_generate.py BASE_URL MOCK_URL

1. 100 concurrent POST /api/generate-image, the mock answering after 1 s:
   all must succeed; wall time (bar: <= 2.5 s).
2. A cache hit through nginx: p50 over sequential repeats (bar: < 10 ms).
3. The job path with a 0 ms mock: enqueue -> runner -> store -> response,
   p50 over sequential requests for one 1024x1024 PNG (bar: < 15 ms).
4. A 500-prompt batch, the mock answering after 1 s, the runners whose pids
   are in $BENCH_RUNNER_PIDS (two, 64 calls each): wall time (bar: <= 10 s),
   status polling p50 during the batch (bar: < 5 ms), the runners' largest
   RSS during it (bar: <= 64 MB).
Prints each figure beside its bar; exits 0 (figures are measurements, not
assertions).
"""
import json
import os
import statistics
import sys
import threading
import time
import urllib.request

BASE, MOCK = sys.argv[1], sys.argv[2]
RUN = "%d" % os.getpid()


def post(url, body, timeout=120):
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def generate(prompt, size, **extra):
    body = {"prompt": prompt, "api_provider": "openai", "api_key": "sk-good-bench",
            "model": "dall-e-2", "image_size": size}
    body.update(extra)
    return post(BASE + "/api/generate-image", body)


def mock_delay(seconds):
    post(MOCK + "/_control/config", {"delay": seconds})


def concurrent(n, size):
    mock_delay(1.0)
    results = [None] * n

    def one(i):
        results[i] = generate("bench %s concurrent %d" % (RUN, i), size)[0]

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.monotonic() - t0
    ok = sum(1 for s in results if s == 200)
    print("%d concurrent generate-image (mock 1 s, %s): %d/%d ok, wall %.2f s (bar: all ok, <= 2.5 s)"
          % (n, size, ok, n, wall))


def timed(fn, count):
    times = []
    for i in range(count):
        t0 = time.monotonic()
        status = fn(i)
        times.append((time.monotonic() - t0) * 1000)
        if status != 200:
            print("  request %d answered %d" % (i, status))
    return statistics.median(times), max(times)


def rss_kb(pid):
    try:
        with open("/proc/%s/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def batch_bar():
    pids = os.environ.get("BENCH_RUNNER_PIDS", "").split()
    user = "bench_batch_%s" % RUN
    post(BASE + "/api/auth/register", {"username": user, "email": user + "@example.test",
                                        "password": "bench batch password"})
    _, body = post(BASE + "/api/auth/login", {"username_or_email": user, "password": "bench batch password"})
    token = json.loads(body)["access_token"]
    mock_delay(1.0)
    prompts = ["bench %s batch %d" % (RUN, i) for i in range(500)]
    body = {"prompts": prompts, "settings": {"api_provider": "openai", "api_key": "sk-good-bench",
                                             "model": "dall-e-2", "image_size": "256x256"}}
    req = urllib.request.Request(BASE + "/api/batch/generate", data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json", "Authorization": "Bearer " + token})
    t0 = time.monotonic()
    with urllib.request.urlopen(req, timeout=60) as r:
        batch = json.loads(r.read())["batch_id"]
    polls, peak, state = [], 0, "queued"
    while state in ("queued", "processing") and time.monotonic() - t0 < 120:
        q = urllib.request.Request(BASE + "/api/batch/status/" + batch, headers={"Authorization": "Bearer " + token})
        p0 = time.monotonic()
        with urllib.request.urlopen(q, timeout=10) as r:
            st = json.loads(r.read())
        polls.append((time.monotonic() - p0) * 1000)
        state = st["status"]
        peak = max([peak] + [rss_kb(p) for p in pids])
        time.sleep(0.05)
    wall = time.monotonic() - t0
    mock_delay(0)
    print("500-prompt batch (mock 1 s, %d runners): %s, %d/500 completed, wall %.2f s (bar: <= 10 s)"
          % (len(pids), state, st["progress"]["completed"], wall))
    print("status polling during the batch: p50 %.1f ms over %d polls (bar: p50 < 5 ms)"
          % (statistics.median(polls), len(polls)))
    print("runner RSS during the batch: largest %.1f MB (bar: <= 64 MB)" % (peak / 1024.0))


def main():
    concurrent(100, "256x256")
    mock_delay(0)
    prompt = "bench %s cache" % RUN
    generate(prompt, "1024x1024")
    p50, worst = timed(lambda i: generate(prompt, "1024x1024")[0], 50)
    print("cache hit through nginx: p50 %.1f ms, max %.1f ms (bar: p50 < 10 ms)" % (p50, worst))
    p50, worst = timed(lambda i: generate("bench %s path %d" % (RUN, i), "1024x1024")[0], 30)
    print("job path, 0 ms mock, one 1024x1024 PNG: p50 %.1f ms, max %.1f ms (bar: p50 < 15 ms)" % (p50, worst))
    batch_bar()


main()
