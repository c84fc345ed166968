#!/usr/bin/env python3
"""--html FILE --base URL against the URL run, page by page, over a corpus.

Serves CORPUS/pages on 127.0.0.1 (port 0) as text/html without a charset, as the
conformance runner does, and for every page checks that

    BINARY --html CORPUS/pages/NAME.html --base ORIGIN/pages/NAME.html

prints exactly what `BINARY ORIGIN/pages/NAME.html` prints, with the same exit status.
The URL run is itself compared with Chromium by ../shared/conformance/run.py, so this
carries the browser's answer over to local files.

Usage: html_corpus.py BINARY CORPUS_DIR
Prints one line per differing page and, last, 'html-vs-url: P/N pages identical'.
Exits 0 only when every page is identical.
"""
import http.server
import os
import subprocess
import sys
import threading
import urllib.parse

TIMEOUT_S = 60


def serve(pages_dir):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def do_GET(self):
            name = urllib.parse.urlsplit(self.path).path.removeprefix("/pages/")
            full = os.path.join(pages_dir, name)
            if name and "/" not in name and os.path.isfile(full):
                with open(full, "rb") as page:
                    body, status, ctype = page.read(), 200, "text/html"
            else:
                body, status, ctype = b"not found", 404, "text/plain"
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, "http://127.0.0.1:%d" % server.server_address[1]


def run(binary, args):
    done = subprocess.run(
        [binary, *args], capture_output=True, timeout=TIMEOUT_S, check=False
    )
    return done.returncode, done.stdout


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__.strip().splitlines()[-3])
    binary, corpus = sys.argv[1], sys.argv[2]
    pages_dir = os.path.join(corpus, "pages")
    names = sorted(n for n in os.listdir(pages_dir) if n.endswith(".html"))
    server, origin = serve(pages_dir)
    identical = 0
    try:
        for name in names:
            url = f"{origin}/pages/{name}"
            fetched = run(binary, [url])
            local = run(binary, ["--html", os.path.join(pages_dir, name), "--base", url])
            if local == fetched:
                identical += 1
                continue
            f_lines, l_lines = fetched[1].splitlines(), local[1].splitlines()
            first = next(
                (i for i, (a, b) in enumerate(zip(f_lines, l_lines)) if a != b),
                min(len(f_lines), len(l_lines)),
            )
            print(
                f"{name}: --html exit {local[0]}, {len(l_lines)} links; URL exit "
                f"{fetched[0]}, {len(f_lines)} links; first difference at line {first + 1}"
            )
    finally:
        server.shutdown()
    print(f"html-vs-url: {identical}/{len(names)} pages identical")
    sys.exit(0 if identical == len(names) else 1)


if __name__ == "__main__":
    main()
