#!/usr/bin/env python3
"""Loopback HTTP server for ci/image.sh and ci/smoke.sh: fixture pages with known links.

Usage: image-server.py PORT_FILE|-
Binds 127.0.0.1 on a free port (port 0), writes the port to PORT_FILE once it listens
(to stdout, flushed, for -), and serves until it is killed (the scripts run it under
`timeout` and kill it on exit).

  /index.html     links of every kind: relative, absolute, <base>-less dot segments,
                  duplicates, non-http schemes (dropped), <area>, a link in <noscript>
  /base.html      relative links resolved against <base href="/docs/v1/"> (the first
                  <base>; a second one is ignored)
  /page/N.html    a page with two links of its own (the Indexed Job shards fetch these)
  /missing.html   404
"""
import http.server
import os
import re
import sys

INDEX = b"""<!doctype html>
<html><head><meta charset="utf-8"><title>fixture</title></head>
<body>
<a href="a.html">relative</a>
<a href="/b/c?x=1#top">absolute path, query and fragment</a>
<a href="../up/./d.html">dot segments</a>
<a href="HTTP://Example.COM:80/e">other host, default port</a>
<a href="mailto:someone@example.com">mail (dropped)</a>
<a href="javascript:void(0)">script (dropped)</a>
<a href="a.html">duplicate (printed once)</a>
<map name="m"><area href="/area" alt="area"></map>
<noscript><a href="https://example.org/noscript">noscript</a></noscript>
<a>no href (no link)</a>
</body></html>
"""

BASE = b"""<!doctype html>
<html><head><meta charset="utf-8"><base href="/docs/v1/"><title>base</title></head>
<body>
<a href="guide.html">relative to the base</a>
<a href="../img/logo.png">dot segments against the base</a>
<a href="?page=2">query only</a>
<a href="#intro">fragment only</a>
<a href="/root.html">absolute path</a>
<a href="//cdn.example.net/lib.js">scheme-relative</a>
<base href="/ignored/">
<a href="tel:+15550100">telephone (dropped)</a>
<a href="more.html">after the second base: still the first</a>
</body></html>
"""

PAGE = re.compile(r"^/page/([0-9]{1,4})\.html$")


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):  # noqa: N802 (http.server's naming)
        m = PAGE.match(self.path)
        if self.path == "/index.html":
            self.reply(200, INDEX)
        elif self.path == "/base.html":
            self.reply(200, BASE)
        elif m:
            n = m.group(1)
            body = f'<a href="/n/{n}/first">1</a> <a href="second-{n}">2</a>'.encode()
            self.reply(200, body)
        else:
            self.reply(404, b"<h1>not found</h1>")

    def reply(self, status, body):
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):  # noqa: A002 (the base class's signature)
        pass


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A client that exits with a kept-alive connection open resets it: not an error.
        if isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            return
        super().handle_error(request, client_address)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: image-server.py PORT_FILE|-")
    server = Server(("127.0.0.1", 0), Handler)
    if sys.argv[1] == "-":
        print(server.server_address[1], flush=True)
        server.serve_forever()
        return
    tmp = sys.argv[1] + ".tmp"
    with open(tmp, "w") as f:
        f.write(f"{server.server_address[1]}\n")
    os.replace(tmp, sys.argv[1])
    server.serve_forever()


if __name__ == "__main__":
    main()
