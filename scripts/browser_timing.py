#!/usr/bin/env python3
"""Time from navigation to charts drawn, in headless Chromium, against a running
`tessera serve` (for instance on a generated history).

Drives chromedriver over the plain WebDriver protocol (standard library only):
signs in through the login form, then opens each page N times and reads the
browser's own navigation timing (Navigation Timing Level 2): time to first byte,
DOM ready and load event end, from the start of the navigation, plus the number
of charts (`svg.chart`) on the page once loaded. The charts are SVG drawn on the
server, so they are drawn when the document has loaded.

    scripts/browser_timing.py --url http://127.0.0.1:8080 --series democon --runs 10

Needs Debian's `chromium` and `chromium-driver`.
"""

import argparse
import json
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request

ELEMENT = "element-6066-11e4-a52e-4f735466cecf"
TIMING = """
const n = performance.getEntriesByType('navigation')[0];
return [n.responseStart - n.startTime, n.domContentLoadedEventEnd - n.startTime,
        n.loadEventEnd - n.startTime, n.transferSize,
        document.querySelectorAll('svg.chart').length];
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Driver:
    def __init__(self, port):
        self.base = f"http://127.0.0.1:{port}"
        self.session = None

    def call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(
            self.base + path, data=data, method=method,
            headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=120) as r:
            return json.loads(r.read())["value"]

    def s(self, method, path, body=None):
        return self.call(method, f"/session/{self.session}{path}", body)

    def find(self, css):
        return self.s("POST", "/element", {"using": "css selector", "value": css})[ELEMENT]

    def wait_for(self, css, seconds=30):
        deadline = time.time() + seconds
        while True:
            found = self.s("POST", "/elements", {"using": "css selector", "value": css})
            if found:
                return
            if time.time() > deadline:
                raise SystemExit(f"never found {css}")
            time.sleep(0.05)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--url", default="http://127.0.0.1:8080")
    p.add_argument("--series", default="democon")
    p.add_argument("--conference", help="the conference of the orders page "
                   "(default: the series' last year on /dashboard)")
    p.add_argument("--email", default="organizer@democon.example")
    p.add_argument("--password", default="demo organizer password")
    p.add_argument("--runs", type=int, default=10)
    p.add_argument("--screenshots", help="a folder to save a screenshot of each page in")
    a = p.parse_args()

    driver_bin = shutil.which("chromedriver")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not driver_bin or not chromium:
        sys.exit("needs chromium and chromedriver on the PATH")
    port = free_port()
    proc = subprocess.Popen([driver_bin, f"--port={port}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        d = Driver(port)
        deadline = time.time() + 20
        while True:
            try:
                d.call("GET", "/status")
                break
            except OSError:
                if time.time() > deadline:
                    sys.exit("chromedriver never listened")
                time.sleep(0.1)
        caps = {"capabilities": {"alwaysMatch": {"goog:chromeOptions": {
            "binary": chromium,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                     "--disable-dev-shm-usage", "--window-size=1280,1400"]}}}}
        d.session = d.call("POST", "/session", caps)["sessionId"]

        base = a.url.rstrip("/")
        overview = f"/dashboard/series/{a.series}"
        d.s("POST", "/url", {"url": base + overview})
        d.s("POST", f"/element/{d.find('#email')}/value", {"text": a.email})
        d.s("POST", f"/element/{d.find('#password')}/value", {"text": a.password})
        started = time.time()
        d.s("POST", f"/element/{d.find('#sign-in')}/click", {})
        d.wait_for("[data-metric=attendees]")
        print(f"sign-in to overview with its charts: {(time.time() - started) * 1000:.0f} ms")

        conference = a.conference
        if not conference:
            d.s("POST", "/url", {"url": base + "/dashboard"})
            links = d.s("POST", "/execute/sync", {"script": (
                "return [...document.querySelectorAll('a')].map(a => a.getAttribute('href'))"
                ".filter(h => h && h.includes('?year='));"), "args": []})
            years = sorted(int(h.split("?year=")[1]) for h in links if a.series in h)
            conference = f"{a.series}-{years[-1]}"
        orders = f"/dashboard/conferences/{conference}/orders"
        first = d.s("POST", "/execute/sync", {"script": (
            "return fetch(arguments[0]).then(r => r.text()).then(t => "
            "(t.match(/orders\\/(ORD-[A-Z0-9]+)/) || [])[1]);"), "args": [orders]})
        pages = [("overview", overview), ("comparison", overview + "/compare"),
                 ("orders", orders)]
        if first:
            pages.append(("order", f"{orders}/{first}"))

        print(f"{a.runs} navigations per page; ms from the navigation's start "
              "(median / max): first byte, DOM ready, load event end (charts drawn)")
        for name, path in pages:
            rows = []
            for _ in range(a.runs):
                d.s("POST", "/url", {"url": base + path})
                rows.append(d.s("POST", "/execute/sync", {"script": TIMING, "args": []}))
            col = lambda i: [r[i] for r in rows]
            fmt = lambda xs: f"{statistics.median(xs):7.0f} / {max(xs):5.0f}"
            print(f"{name:<11} first byte {fmt(col(0))}   DOM ready {fmt(col(1))}   "
                  f"loaded {fmt(col(2))}   transfer {rows[-1][3]} bytes, "
                  f"{rows[-1][4]} charts")
            if a.screenshots:
                import base64
                png = base64.b64decode(d.s("GET", "/screenshot"))
                with open(f"{a.screenshots}/{name}.png", "wb") as f:
                    f.write(png)
        d.s("DELETE", "")
    finally:
        proc.terminate()
        proc.wait()


if __name__ == "__main__":
    main()
