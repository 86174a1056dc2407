#!/usr/bin/python3
"""A webhook receiver for dutyflow's integration tests (Python's http.server).

Listens on 127.0.0.1 (a free port unless --port is given; the same port again after a
restart), prints "listening on port N", and checks every POST's X-Dutyflow-Signature
("t=<unix>,sha256=<hex HMAC-SHA256(secret, t + '.' + body)>"): a valid one is answered
204 and appended to --out as a JSON line; any other is answered 401 and recorded as
refused. The receiver a real integration would write, minus the replay window.
"""
import argparse
import hashlib
import hmac
import json
import os
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer


def verify(secret, header, body):
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    if "t" not in parts or "sha256" not in parts:
        return False
    expected = hmac.new(secret, parts["t"].encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts["sha256"])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--secret", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    secret = args.secret.encode()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            ok = verify(secret, self.headers.get("X-Dutyflow-Signature", ""), body)
            record = {"verified": ok, "id": self.headers.get("X-Dutyflow-Id"),
                      "reason": self.headers.get("X-Dutyflow-Reason"), "path": self.path,
                      "content_type": self.headers.get("Content-Type")}
            if ok:
                record["body"] = json.loads(body)
            with open(args.out, "a", encoding="utf-8") as f:
                f.write(json.dumps(record, ensure_ascii=False) + "\n")
                f.flush()
                os.fsync(f.fileno())
            self.send_response(204 if ok else 401)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, fmt, *a):
            sys.stderr.write("webhook_sink: " + (fmt % a) + "\n")

    server = HTTPServer(("127.0.0.1", args.port), Handler)
    print("listening on port %d" % server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
