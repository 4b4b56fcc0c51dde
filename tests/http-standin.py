#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A local HTTP stand-in for the dashboards tests/submit.sh cannot run
offline (KernelCI's KCIDB service needs containers and PostgreSQL), and for
the answers a real server rarely gives on cue: a delay longer than the
client's timeout, a 400 with a message, a 503.

    tests/http-standin.py DIR

Listens on 127.0.0.1, on a port the kernel picks, and writes that port to
DIR/port once it listens. Every request is appended, when it has been read
and before it is answered, to DIR/requests.jsonl as one JSON line: method,
path, headers (an object), body (text). Each answer is read from DIR at
the time of the request:
    DIR/status  the HTTP status (default 200)
    DIR/delay   seconds to wait before answering (default 0)
    DIR/reply   the answer's body (default empty)
Runs until it is killed.
"""
import http.server
import json
import os
import sys
import time


def read(path, default):
    try:
        with open(path, encoding="utf-8") as f:
            return f.read().strip()
    except FileNotFoundError:
        return default


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def answer(self):
        state = self.server.state_dir
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8", "replace")
        record = {
            "method": self.command,
            "path": self.path,
            "headers": dict(self.headers.items()),
            "body": body,
        }
        with open(os.path.join(state, "requests.jsonl"), "a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")
            f.flush()
            os.fsync(f.fileno())
        status = int(read(os.path.join(state, "status"), "200"))
        delay = float(read(os.path.join(state, "delay"), "0"))
        reply = read(os.path.join(state, "reply"), "").encode("utf-8")
        if delay > 0:
            time.sleep(delay)
        try:
            self.send_response(status)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting (its timeout)

    do_POST = answer
    do_PUT = answer
    do_GET = answer

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        pass


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: http-standin.py DIR")
    state = sys.argv[1]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.state_dir = state
    tmp = os.path.join(state, ".port")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write("%d\n" % server.server_address[1])
    os.rename(tmp, os.path.join(state, "port"))
    server.serve_forever()


if __name__ == "__main__":
    main()
