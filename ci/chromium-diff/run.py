#!/usr/bin/env python3
"""Differential test: link-extractor vs headless Chromium (JavaScript disabled).

Usage: python3 ci/chromium-diff/run.py BINARY [--work DIR] [--known FILE]
                                       [--only SUBSTR]... [--reuse-chrome] [--jobs N]
       python3 ci/chromium-diff/run.py --setup [--work DIR]

Generates the pages of cases.py, serves them from 127.0.0.1, gets Chromium's document.links
through chrome.js (playwright-core, /usr/bin/chromium), runs `BINARY -u URL` for every page and
prints each page whose http(s) list differs.

Everything generated goes to the work directory (default: target/chromium-diff under the current
directory): node_modules/ (playwright-core, installed with npm when missing), pages/ (the pages),
out/{chrome.json,tool.json,report.txt} (raw results and the full report), and home/ + tmp/
(HOME and TMPDIR given to Chromium, so that it writes nothing outside the work directory).

--known FILE: JSON object {case id: reason} (or a list of ids) whose difference is known and
    accepted; such pages are reported as "known" and do not fail the run.
--reuse-chrome: use out/chrome.json from an earlier run (origin is rewritten), skip Chromium.
--setup: check Chromium, install playwright-core into the work directory, and stop (unless a
    BINARY is given too).

Exit status: 0 when every page is identical or known, 1 when a page differs (or Chromium failed
on it), 2 on a usage or setup error.
"""
import argparse
import concurrent.futures
import difflib
import http.server
import json
import os
import shutil
import subprocess
import sys
import threading
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
CHROMIUM = "/usr/bin/chromium"
sys.dont_write_bytecode = True  # no __pycache__ beside the sources
sys.path.insert(0, HERE)
import cases  # noqa: E402


def die(msg):
    print("chromium-diff: error: " + msg, file=sys.stderr)
    sys.exit(2)


def pinned_playwright():
    with open(os.path.join(HERE, "package.json")) as f:
        return json.load(f)["dependencies"]["playwright-core"]


def installed_playwright(work):
    try:
        with open(os.path.join(work, "node_modules", "playwright-core", "package.json")) as f:
            return json.load(f)["version"]
    except (OSError, ValueError, KeyError):
        return None


def check_chromium():
    if not os.access(CHROMIUM, os.X_OK):
        die("%s is missing; install it with: apt-get install -y chromium" % CHROMIUM)
    if not shutil.which("node"):
        die("node is missing; install it with: apt-get install -y nodejs npm")


def ensure_playwright(work):
    """Install the pinned playwright-core into WORK/node_modules unless it is already there."""
    want, have = pinned_playwright(), installed_playwright(work)
    if have == want:
        return
    if not shutil.which("npm"):
        die("npm is missing; install it with: apt-get install -y npm")
    shutil.copyfile(os.path.join(HERE, "package.json"), os.path.join(work, "package.json"))
    cmd = ["npm", "install", "--prefix", work, "--no-audit", "--no-fund"]
    print("chromium-diff: playwright-core %s %s in %s; running: %s" % (
        want, "is missing" if have is None else "replaces " + have, work, " ".join(cmd)), flush=True)
    r = subprocess.run(cmd, cwd=work)
    if r.returncode != 0 or installed_playwright(work) != want:
        die("npm install of playwright-core %s into %s failed" % (want, work))


def load_known(path):
    if not path:
        return {}
    try:
        with open(path) as f:
            data = json.load(f)
    except (OSError, ValueError) as e:
        die("cannot read --known %s: %s" % (path, e))
    if isinstance(data, list) and all(isinstance(x, str) for x in data):
        return {x: "" for x in data}
    if isinstance(data, dict) and all(isinstance(v, str) for v in data.values()):
        return data
    die("--known %s: expected a JSON list of case ids or an object {id: reason}" % path)


def serve(by_path):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def do_GET(self):
            path = urllib.parse.urlsplit(self.path).path
            case = by_path.get(path)
            if case:
                body, status, ctype = case["body"], 200, case["ctype"]
            else:
                body, status, ctype = b"not found", 404, "text/plain"
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, "http://127.0.0.1:%d" % srv.server_address[1]


def run_chrome(work, out_dir, origin, urls, timeouts):
    """Run chrome.js with HOME/TMPDIR/XDG dirs inside the work directory.

    timeouts: {case id: seconds} for pages Chromium may take longer than 30 s to load."""
    inp = os.path.join(out_dir, "chrome-in.json")
    res = os.path.join(out_dir, "chrome.json")
    pages = [dict({"id": k, "url": v}, **({"timeout": timeouts[k] * 1000} if timeouts.get(k) else {}))
             for k, v in urls.items()]
    with open(inp, "w") as f:
        json.dump({"origin": origin, "pages": pages}, f)
    env = dict(os.environ)
    for var, sub in (("HOME", "home"), ("TMPDIR", "tmp"), ("XDG_CONFIG_HOME", "home/.config"),
                     ("XDG_CACHE_HOME", "home/.cache")):
        env[var] = os.path.join(work, sub)
        os.makedirs(env[var], exist_ok=True)
    subprocess.run(["node", os.path.join(HERE, "chrome.js"), inp, res], check=True, cwd=work, env=env)
    with open(res) as f:
        chrome = json.load(f)
    chrome["__origin__"] = origin
    with open(res, "w") as f:
        json.dump(chrome, f)
    chrome.pop("__origin__")
    return chrome


def esc(s):
    if s is None:
        return "(none)"
    return json.dumps(s, ensure_ascii=True)


def run_tool(binary, url):
    try:
        r = subprocess.run([binary, "-u", url], capture_output=True, timeout=60)
        return {"out": r.stdout.decode("utf-8", "replace").splitlines(), "rc": r.returncode,
                "err": r.stderr.decode("utf-8", "replace")[-400:]}
    except subprocess.TimeoutExpired:
        return {"out": [], "rc": -1, "err": "timeout"}


def chrome_http(res):
    """Chromium list filtered to valid http(s), de-duplicated; also the raw href of each."""
    out, raw, seen = [], {}, set()
    for attr, href, proto in res["links"]:
        if proto not in ("http:", "https:") or not href.lower().startswith(("http://", "https://")):
            continue
        if href in seen:
            continue
        seen.add(href)
        out.append(href)
        raw[href] = attr
    return out, raw


def short(s, n=300):
    return s if len(s) <= n else s[:n] + "...(%d chars)" % len(s)


def diff_details(p, c, cr, tr, origin):
    """Append the detailed difference of one page to the report through p."""
    want, raw = chrome_http(cr)
    got = tr["out"]
    p("     ctype=%r chrome charset=%s base=%s%s" % (
        c["ctype"], cr["cs"], short(cr["base"].replace(origin, "{O}"), 120),
        "" if tr["rc"] == 0 else "  TOOL EXIT %d: %s" % (tr["rc"], tr["err"].strip()[-200:])))
    sm = difflib.SequenceMatcher(a=want, b=got, autojunk=False)
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        if op == "equal":
            continue
        if op == "replace" and i2 - i1 == j2 - j1:
            for u, v in zip(want[i1:i2], got[j1:j2]):
                p("     href=%s" % short(esc(raw[u])))
                p("       chrome: %s" % short(u.replace(origin, "{O}")))
                p("       tool:   %s" % short(v.replace(origin, "{O}")))
            continue
        for u in want[i1:i2]:
            p("     href=%s" % short(esc(raw[u])))
            p("       chrome: %s" % short(u.replace(origin, "{O}")))
            p("       tool:   (missing)")
        for v in got[j1:j2]:
            p("     tool extra: %s" % short(v.replace(origin, "{O}")))
        if j2 > j1:
            excluded = [(a, h) for a, h, pr in cr["links"] if pr not in ("http:", "https:")]
            if excluded and len(excluded) <= 6:
                p("       (chrome non-http/invalid on page: %s)" % "; ".join(
                    "%s -> %s" % (short(esc(a), 80), short(esc(h), 80)) for a, h in excluded))


def main():
    t0 = time.monotonic()
    ap = argparse.ArgumentParser(description="Compare link-extractor with headless Chromium.")
    ap.add_argument("binary", nargs="?", help="the link-extractor binary to test")
    ap.add_argument("--work", default=os.path.join(os.getcwd(), "target", "chromium-diff"),
                    help="work directory for node_modules, pages and results "
                         "(default: target/chromium-diff under the current directory)")
    ap.add_argument("--known", help="JSON {case id: reason} of accepted differences")
    ap.add_argument("--setup", action="store_true",
                    help="check Chromium and install playwright-core into the work directory")
    ap.add_argument("--only", action="append", default=[], help="case id or group substring")
    ap.add_argument("--reuse-chrome", action="store_true",
                    help="reuse out/chrome.json of an earlier run instead of running Chromium")
    ap.add_argument("--jobs", type=int, default=4, help="parallel runs of the binary (default 4)")
    args = ap.parse_args()
    if not args.binary and not args.setup:
        ap.error("the BINARY to test is required (or use --setup)")

    work = os.path.abspath(args.work)
    os.makedirs(work, exist_ok=True)
    if args.setup or not args.reuse_chrome:
        check_chromium()
        ensure_playwright(work)
    if args.setup:
        print("chromium-diff: ready: %s, playwright-core %s in %s" % (
            CHROMIUM, installed_playwright(work), os.path.join(work, "node_modules")))
        if not args.binary:
            return 0

    binary = os.path.abspath(args.binary)
    if not os.access(binary, os.X_OK):
        die("%s is not an executable file (build it: cargo build --release)" % binary)
    known = load_known(args.known)
    all_ids = {c["id"] for c in cases.CASES}
    for cid in sorted(set(known) - all_ids):
        print("WARNING: known id %s is not a case of cases.py" % cid)

    todo = [c for c in cases.CASES if not args.only or any(o in c["id"] or o in c["group"] for o in args.only)]
    pages_dir = os.path.join(work, "pages")
    out_dir = os.path.join(work, "out")
    os.makedirs(pages_dir, exist_ok=True)
    os.makedirs(out_dir, exist_ok=True)
    for c in todo:
        with open(os.path.join(pages_dir, c["id"] + ".html"), "wb") as f:
            f.write(c["body"])
    by_path = {urllib.parse.urlsplit(c["path"]).path: c for c in todo}
    srv, origin = serve(by_path)
    urls = {c["id"]: origin + c["path"] for c in todo}

    if args.reuse_chrome:
        try:
            with open(os.path.join(out_dir, "chrome.json")) as f:
                old = json.load(f)
        except OSError as e:
            die("--reuse-chrome: %s (run once without it)" % e)
        old_origin = old.pop("__origin__")
        chrome = json.loads(json.dumps(old).replace(old_origin, origin))
    else:
        print("chromium-diff: %d pages on %s; running Chromium..." % (len(todo), origin), flush=True)
        chrome = run_chrome(work, out_dir, origin, urls,
                            {c["id"]: c.get("chrome_timeout_s") for c in todo})

    print("chromium-diff: running %s on every page..." % binary, flush=True)
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as ex:
        futs = {cid: ex.submit(run_tool, binary, url) for cid, url in urls.items()}
        tool = {cid: f.result() for cid, f in futs.items()}
    with open(os.path.join(out_dir, "tool.json"), "w") as f:
        json.dump(tool, f)
    srv.shutdown()

    full, brief = [], []  # full report (report.txt) and what is printed

    def both(line):
        full.append(line)
        brief.append(line)

    same, known_hits, failed, stale = 0, [], [], []
    per_group = {}
    for c in todo:
        cid = c["id"]
        g = per_group.setdefault(c["group"], [0, 0, 0])
        g[2] += 1
        cr, tr = chrome.get(cid, {"error": "missing"}), tool[cid]
        if "error" in cr:
            both("ERROR %s chrome: %s" % (cid, cr["error"]))
            failed.append(cid)
            continue
        want, _ = chrome_http(cr)
        if want == tr["out"] and tr["rc"] == 0:
            same += 1
            g[0] += 1
            if cid in known:
                stale.append(cid)
            continue
        if cid in known:
            known_hits.append(cid)
            g[1] += 1
            both("KNOWN %s [%s] %s" % (cid, c["group"], known[cid] or "(no reason given)"))
            full.append("     " + short(c["desc"], 200))
            diff_details(full.append, c, cr, tr, origin)
            continue
        failed.append(cid)
        both("DIFF %s [%s] %s" % (cid, c["group"], short(c["desc"], 200)))
        diff_details(both, c, cr, tr, origin)
    for cid in stale:
        both("STALE %s is listed as known but is identical now: remove it from %s" % (cid, args.known))
    both("")
    both("by group (identical/known/total): " + ", ".join(
        "%s %d/%d/%d" % (k, v[0], v[1], v[2]) for k, v in per_group.items()))
    both("identical: %d, known: %d, differ: %d, total: %d pages (%.0f s)" % (
        same, len(known_hits), len(failed), len(todo), time.monotonic() - t0))
    report = os.path.join(out_dir, "report.txt")
    with open(report, "w") as f:
        f.write("\n".join(full) + "\n")
    brief.append("full report: %s" % report)
    brief.append("FAIL: %d page(s) differ from Chromium" % len(failed) if failed else "OK")
    print("\n".join(brief))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
