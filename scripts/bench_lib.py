"""scripts/bench_lib.py — what the Python benches (scripts/bench_*.py) share."""
import os
import urllib.error
import urllib.parse
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


class _OriginRedirects(urllib.request.HTTPRedirectHandler):
    """Follows redirects as browsers and curl do: the Authorization header goes
    to the same origin only. (urllib's own handler sends it to any host; a
    presigned S3 URL that also gets a Bearer header is refused by the store.)"""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        new = super().redirect_request(req, fp, code, msg, headers, newurl)
        old, to = urllib.parse.urlsplit(req.full_url), urllib.parse.urlsplit(newurl)
        if new is not None and (old.scheme, old.netloc) != (to.scheme, to.netloc):
            new.remove_header("Authorization")
        return new


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_OriginRedirects)
_opener_here = urllib.request.build_opener(_NoRedirects)


def http(base, method, path, body=None, ctype="application/json", token=None, headers=None, timeout=120,
         follow=True):
    """One request to base + path: (status, body bytes), errors included;
    redirects are followed (Authorization kept to the same origin), or with
    follow=False answered as they are."""
    h = {"Content-Type": ctype}
    if token:
        h["Authorization"] = "Bearer " + token
    h.update(headers or {})
    req = urllib.request.Request(base + path, data=body, method=method, headers=h)
    try:
        with (_opener if follow else _opener_here).open(req, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()
