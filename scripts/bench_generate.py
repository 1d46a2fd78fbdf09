#!/usr/bin/env python3
"""scripts/bench_generate.py — the generation bars of scripts/bench, against a
stack whose providers are the mock (tests/support/stack). Standard library only.

  bench_generate.py BASE_URL MOCK_URL

1. 100 concurrent POST /api/generate-image, the mock answering after 1 s:
   all must succeed; wall time (bar: <= 2.5 s).
2. A cache hit through nginx: p50 over sequential repeats (bar: < 10 ms).
3. The job path with a 0 ms mock: enqueue -> runner -> store -> response,
   p50 over sequential requests for one 1024x1024 PNG (bar: < 15 ms).
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


def main():
    concurrent(100, "256x256")
    mock_delay(0)
    prompt = "bench %s cache" % RUN
    generate(prompt, "1024x1024")
    p50, worst = timed(lambda i: generate(prompt, "1024x1024")[0], 50)
    print("cache hit through nginx: p50 %.1f ms, max %.1f ms (bar: p50 < 10 ms)" % (p50, worst))
    p50, worst = timed(lambda i: generate("bench %s path %d" % (RUN, i), "1024x1024")[0], 30)
    print("job path, 0 ms mock, one 1024x1024 PNG: p50 %.1f ms, max %.1f ms (bar: p50 < 15 ms)" % (p50, worst))


main()
