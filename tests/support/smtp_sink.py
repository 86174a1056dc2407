#!/usr/bin/python3
"""A real SMTP server for dutyflow's integration tests, built on Debian's python3-aiosmtpd.

Listens on 127.0.0.1 (a free port unless --port is given), prints "listening on port N"
once it accepts connections, and appends one JSON line per received message to --out,
with the headers decoded by Python's own e-mail parser (RFC 2047, quoted-printable,
base64), so a test can compare them with the exact text it expects. Optional STARTTLS
(--tls-cert/--tls-key, --require-tls) and AUTH (--auth user:password).
Run it with /usr/bin/python3: that is where Debian installs aiosmtpd.
"""
import argparse
import asyncio
import email
import json
import os
import socket
import ssl
import sys
from email import policy

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Sink:
    def __init__(self, out):
        self.out = out

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        msg = email.message_from_bytes(raw, policy=policy.default)
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "from": str(msg["from"]),
            "to": str(msg["to"]),
            "subject": str(msg["subject"]),
            "date": str(msg["date"]),
            "message_id": str(msg["message-id"]),
            "dutyflow_id": str(msg["x-dutyflow-id"]),
            "reason": str(msg["x-dutyflow-reason"]),
            "content_type": msg.get_content_type(),
            "charset": msg.get_content_charset(),
            "transfer_encoding": str(msg["content-transfer-encoding"]),
            # Line ends as a mail reader shows them: the wire's CRLF become "\n".
            "body": msg.get_content().replace("\r\n", "\n"),
            "seven_bit": all(b < 0x80 for b in raw),
            "tls": session.ssl is not None,
            "auth": session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else None,
        }
        with open(self.out, "a", encoding="utf-8") as f:
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
            f.flush()
            os.fsync(f.fileno())
        return "250 2.0.0 Message accepted"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--out", required=True)
    ap.add_argument("--tls-cert")
    ap.add_argument("--tls-key")
    ap.add_argument("--require-tls", action="store_true")
    ap.add_argument("--auth", help="user:password that AUTH must present")
    args = ap.parse_args()

    tls = None
    if args.tls_cert:
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(args.tls_cert, args.tls_key)

    authenticator = None
    if args.auth:
        user, password = args.auth.split(":", 1)

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = (isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user
                  and auth_data.password.decode() == password)
            return AuthResult(success=ok, auth_data=auth_data)

    sink = Sink(args.out)

    def factory():
        return SMTP(sink, hostname="sink.test", tls_context=tls, require_starttls=args.require_tls,
                    authenticator=authenticator, auth_required=bool(args.auth), auth_require_tls=True)

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", args.port))
    sock.listen(64)

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    server = loop.run_until_complete(loop.create_server(factory, sock=sock))
    print("listening on port %d" % sock.getsockname()[1], flush=True)
    try:
        loop.run_forever()
    finally:
        server.close()


if __name__ == "__main__":
    sys.exit(main())
