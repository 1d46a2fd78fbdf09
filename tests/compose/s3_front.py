#!/usr/bin/env python3
"""s3_front — the S3 endpoint of tests/compose/run's scaled stack: an HTTP
front on the compose network's gateway address (reached by the containers
and by the host) for the test stack's moto server (tests/fixtures/s3_server.py,
request signing enforced, on 127.0.0.1), which also serves presigned GETs.

    s3_front.py --upstream http://127.0.0.1:PORT --host GATEWAY [--port 0]
                [--port-file F] [--pid-file F]

A request carrying an Authorization header (every request of lib/store/s3.c)
is passed to moto as it came, Host included, exactly as s3_flaky.py passes it
(whose handler this reuses): moto checks its SigV4 signature. A GET or HEAD
without one but with X-Amz-Signature in its query is what a client sends
when it follows the app's 302 (/generated_images/ with IG_IMAGE_BACKEND=s3,
/api/storage/download with IG_STORAGE_BACKEND=s3). moto cannot serve those
with signing enforced (it answers 500: it looks for the header), so the front
checks them itself with botocore's signer (tests/fixtures/s3_check.py
presign-verify: the signature for the Host it was sent to, the access key,
not expired) and answers 403 SignatureDoesNotMatch or AccessDenied when that
fails; else it reads the object from moto with a signed request (boto3) and
answers its bytes, Content-Type and ETag, with the response-* overrides the
URL signed (Cache-Control, Content-Disposition, Content-Type), as S3 does.

Environment: IG_S3_REGION, IG_S3_BUCKET, IG_S3_ACCESS_KEY, IG_S3_SECRET_KEY.
Runs until SIGTERM or SIGINT, then removes its pid and port files.
"""

import contextlib
import http.server
import io
import os
import signal
import sys
import threading
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures"))

import s3_check  # noqa: E402
import s3_flaky  # noqa: E402

# S3's response-* query parameters and the headers they set on the answer.
OVERRIDES = {
    "response-cache-control": "Cache-Control",
    "response-content-disposition": "Content-Disposition",
    "response-content-type": "Content-Type",
}


def s3_error(code, message):
    return ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>%s</Code>"
            "<Message>%s</Message></Error>" % (code, message)).encode()


class Front(s3_flaky.Handler):
    def log_message(self, fmt, *a):
        sys.stderr.write("s3_front: " + (fmt % a) + "\n")

    def _presigned(self):
        u = urllib.parse.urlsplit(self.path)
        url = "http://%s%s" % (self.headers.get("Host", ""), self.path)
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            rc = s3_check.presign_verify(url)
        why = out.getvalue().strip()
        if rc != 0:
            code = "AccessDenied" if why in ("expired", "not yet valid") else "SignatureDoesNotMatch"
            return self._send(403, s3_error(code, "s3_front: " + why))
        # Path style: /BUCKET/KEY.
        bucket, _, key = urllib.parse.unquote(u.path).lstrip("/").partition("/")
        if bucket != os.environ["IG_S3_BUCKET"] or not key:
            return self._send(404, s3_error("NoSuchBucket", "s3_front: " + bucket))
        import botocore.exceptions
        try:
            o = self.server.s3.get_object(Bucket=bucket, Key=key)
        except botocore.exceptions.ClientError as e:
            status = e.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 500)
            return self._send(status, s3_error(e.response.get("Error", {}).get("Code", "Error"), "s3_front"))
        data = o["Body"].read()
        headers = {"Content-Type": o.get("ContentType") or "binary/octet-stream", "ETag": o.get("ETag", "")}
        for k, v in urllib.parse.parse_qsl(u.query, keep_blank_values=True):
            if k in OVERRIDES:
                headers[OVERRIDES[k]] = v
        self._send(200, data, headers=list(headers.items()))

    def _any(self):
        query = urllib.parse.urlsplit(self.path).query
        if (self.command in ("GET", "HEAD") and "Authorization" not in self.headers
                and "X-Amz-Signature=" in query):
            self._body()
            return self._presigned()
        return super()._any()

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _any


def main():
    ap = s3_flaky.fixture_args(__doc__)
    ap.add_argument("--upstream", required=True)
    args = ap.parse_args()

    import boto3
    server = http.server.ThreadingHTTPServer((args.host, args.port), Front)
    server.daemon_threads = True
    server.state = s3_flaky.State(args.upstream)
    server.s3 = boto3.client(
        "s3", endpoint_url=args.upstream, region_name=os.environ.get("IG_S3_REGION", "us-east-1"),
        aws_access_key_id=os.environ["IG_S3_ACCESS_KEY"],
        aws_secret_access_key=os.environ["IG_S3_SECRET_KEY"])

    def stop(signum, frame):
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    s3_flaky.announce(server.server_address[1], args.port_file, args.pid_file)
    try:
        server.serve_forever()
    finally:
        server.server_close()
        s3_flaky.remove_files(args.pid_file, args.port_file)


if __name__ == "__main__":
    main()
