"""scripts/bench_lib.py — what the Python benches (scripts/bench_*.py) share."""
import os
import urllib.error
import urllib.request


def fcgi_workers(stack):
    """The pids of the stack's FastCGI workers (children of run/fcgi.pid), sorted."""
    master = open(os.path.join(stack, "run", "fcgi.pid")).read().strip()
    pids = []
    for p in os.listdir("/proc"):
        if p.isdigit():
            try:
                if open("/proc/%s/stat" % p).read().rsplit(")", 1)[1].split()[1] == master:
                    pids.append(p)
            except OSError:
                pass
    return sorted(pids)


def http(base, method, path, body=None, ctype="application/json", token=None, headers=None, timeout=120):
    """One request to base + path: (status, body bytes), errors included."""
    h = {"Content-Type": ctype}
    if token:
        h["Authorization"] = "Bearer " + token
    h.update(headers or {})
    req = urllib.request.Request(base + path, data=body, method=method, headers=h)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()
