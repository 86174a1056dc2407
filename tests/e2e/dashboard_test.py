#!/usr/bin/env python3
"""The dashboard end to end: a real dutyflowd (own temp journal, free loopback port, tokens
made with `dutyflow token add`) and Debian's headless Chromium driven over the DevTools
protocol (--remote-debugging-pipe: no port, no extra packages, standard library only).

What it checks, as a person would:
  * the seed plan's duties are listed with their Vietnamese labels;
  * a coordinator sets the conference date in the page, and the deadlines appear;
  * a unit signs in and acknowledges a duty with one real mouse click;
  * a second open page shows the new state within a second, without reloading;
  * an event that needs data asks for it (the paper's title; the coordinator's reason to
    return it), and the coordinator approves or returns from the page;
  * the timeline SVG has one bar per duty;
  * the "Đơn vị" filter lists the seed's units and filters the list by one of them.
A screenshot of each page is kept under --artifacts (build/e2e/ from ctest).

Exit 0 when everything holds; otherwise prints what failed and exits 1.
"""
import argparse
import base64
import fcntl
import json
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

PLAN = "182-kh-ubnd-2023"
UNIT = "xa-ma-li-pho"
DUTY = "tham-luan-xa-ma-li-pho"  # owned by UNIT, kind tham_luan
CLOCK = "manual:2023-06-06T08:00:00+07:00"
CONFERENCE_LOCAL = "2023-06-20T08:00"
TITLE = "Giải pháp nâng cao chỉ số cải cách thủ tục hành chính"
NOTE = "Bổ sung số liệu 6 tháng đầu năm"


class Failure(Exception):
    pass


def check(cond, message):
    if not cond:
        raise Failure(message)


# ------------------------------------------------------------------------------------------
# The daemon

class Daemon:
    def __init__(self, args, workdir):
        self.dir = workdir
        self.log_path = os.path.join(workdir, "dutyflowd.log")
        self.tokens = os.path.join(workdir, "tokens.json")
        self.args = args
        self.proc = None
        self.url = None

    def token(self, name, role, unit=None):
        cmd = [self.args.dutyflow, "token", "add", "--tokens", self.tokens, "--name", name, "--role", role]
        if unit:
            cmd += ["--unit", unit]
        out = subprocess.run(cmd, check=True, capture_output=True, text=True)
        return out.stdout.strip()

    def start(self):
        cmd = [self.args.dutyflowd, "--config", os.path.join(self.args.source, "config/dutyflowd.json"),
               "--db", os.path.join(self.dir, "journal.db"), "--plans", os.path.join(self.args.source, "config/plans"),
               "--tokens", self.tokens, "--listen", "127.0.0.1:0", "--clock", CLOCK]
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT, cwd=self.args.source)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            text = open(self.log_path).read()
            m = re.search(r"listening on http://127\.0\.0\.1:(\d+)", text)
            if m and "dutyflowd ready" in text:
                self.url = "http://127.0.0.1:" + m.group(1)
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise Failure("dutyflowd did not start:\n" + open(self.log_path).read())

    def call(self, method, path, token, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method,
                                     headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as res:
            return json.loads(res.read().decode())

    def stop(self):
        """SIGTERM; returns the exit code (a sanitizer's report makes it non-zero)."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode if self.proc else None


# ------------------------------------------------------------------------------------------
# Chromium over the DevTools protocol (messages are JSON separated by NUL on fds 3 and 4)

class Browser:
    def __init__(self, chromium, workdir):
        self.profile = tempfile.mkdtemp(prefix="chromium-", dir=workdir)
        to_child_r, self.to_child = os.pipe()
        self.from_child, from_child_w = os.pipe()
        # Keep the child's ends away from 3 and 4, so that moving them there clobbers nothing.
        to_child_r, from_child_w = (self._high(fd) for fd in (to_child_r, from_child_w))
        args = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--user-data-dir=" + self.profile, "--remote-debugging-pipe",
                # Two pages side by side, as on a desk: neither is a throttled background tab.
                "--disable-background-timer-throttling", "--disable-renderer-backgrounding",
                "--disable-backgrounding-occluded-windows",
                "--window-size=1280,900", "about:blank"]
        # bash (dash refuses fds above 9) moves the pipe ends to fds 3 and 4, where Chromium expects them.
        script = f'exec "$0" "$@" 3<&{to_child_r} 4>&{from_child_w} {to_child_r}<&- {from_child_w}>&-'
        self.log = open(os.path.join(workdir, "chromium.log"), "w")
        self.proc = subprocess.Popen(["/bin/bash", "-c", script] + args, pass_fds=(to_child_r, from_child_w),
                                     stdout=self.log, stderr=subprocess.STDOUT)
        os.close(to_child_r)
        os.close(from_child_w)
        self.next_id = 0
        self.buffer = b""
        self.events = []

    @staticmethod
    def _high(fd):
        high = fcntl.fcntl(fd, fcntl.F_DUPFD, 10)
        os.close(fd)
        return high

    def send(self, method, params=None, session=None, timeout=30):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self.to_child, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for reply in self._read():
                if reply.get("id") == self.next_id:
                    if "error" in reply:
                        raise Failure(f"{method}: {reply['error']}")
                    return reply.get("result", {})
                self.events.append(reply)
        raise Failure(f"no answer to {method} within {timeout} s")

    def _read(self):
        ready, _, _ = select.select([self.from_child], [], [], 0.5)
        if not ready:
            return []
        chunk = os.read(self.from_child, 1 << 20)
        if not chunk:
            raise Failure("chromium closed the DevTools pipe; see chromium.log")
        self.buffer += chunk
        out = []
        while b"\0" in self.buffer:
            raw, self.buffer = self.buffer.split(b"\0", 1)
            out.append(json.loads(raw))
        return out

    def wait_event(self, method, session, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for i, e in enumerate(self.events):
                if e.get("method") == method and e.get("sessionId") == session:
                    return self.events.pop(i)
            self.events.extend(self._read())
        raise Failure(f"no {method} within {timeout} s")

    def close(self):
        try:
            self.send("Browser.close", timeout=5)
        except Exception:
            pass
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.profile, ignore_errors=True)


class Page:
    def __init__(self, browser, url):
        self.b = browser
        target = browser.send("Target.createTarget", {"url": "about:blank", "newWindow": True})["targetId"]
        self.session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        self.send("Page.enable")
        self.send("Runtime.enable")
        self.send("Emulation.setDeviceMetricsOverride",
                  {"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False})
        self.send("Page.navigate", {"url": url})
        browser.wait_event("Page.loadEventFired", self.session)

    def send(self, method, params=None, timeout=30):
        return self.b.send(method, params, self.session, timeout)

    def js(self, expression):
        r = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True})
        if "exceptionDetails" in r:
            raise Failure("page script failed: " + json.dumps(r["exceptionDetails"])[:800])
        return r["result"].get("value")

    def wait(self, expression, what, timeout=10.0):
        deadline = time.monotonic() + timeout
        while True:
            value = self.js(expression)
            if value:
                return value
            if time.monotonic() > deadline:
                raise Failure(f"timed out after {timeout} s waiting for {what}")
            time.sleep(0.02)

    def click(self, selector):
        """A real mouse click (pressed + released) at the centre of the element."""
        box = self.js(f"""(() => {{
            const el = document.querySelector({json.dumps(selector)});
            if (!el) return null;
            el.scrollIntoView({{block: 'center'}});
            const r = el.getBoundingClientRect();
            return {{x: r.left + r.width / 2, y: r.top + r.height / 2}};
        }})()""")
        check(box is not None, f"nothing to click at {selector}")
        self.send("Page.bringToFront")
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            self.send("Input.dispatchMouseEvent", {"type": kind, "x": box["x"], "y": box["y"], "button": "left",
                                                   "clickCount": 1})

    def type_into(self, selector, text):
        self.js(f"document.querySelector({json.dumps(selector)}).focus()")
        self.send("Input.insertText", {"text": text})

    def sign_in(self, token):
        self.wait("!document.getElementById('sign-in').hidden", "the sign-in form")
        self.type_into("#token", token)
        self.click("#sign-in-form button[type=submit]")
        self.wait("document.querySelectorAll('#duties tbody tr[data-duty]').length > 0", "the duty table")

    def screenshot(self, path, full=True):
        if not full:
            shot = self.send("Page.captureScreenshot", {"format": "png"})
            with open(path, "wb") as f:
                f.write(base64.b64decode(shot["data"]))
            return
        height = self.js("Math.ceil(document.documentElement.scrollHeight)")
        self.send("Emulation.setDeviceMetricsOverride",
                  {"width": 1280, "height": int(height), "deviceScaleFactor": 1, "mobile": False})
        time.sleep(0.2)  # one frame for the resized layout
        shot = self.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True})
        with open(path, "wb") as f:
            f.write(base64.b64decode(shot["data"]))
        self.send("Emulation.setDeviceMetricsOverride",
                  {"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False})


def check_unit_filter(page, daemon, token):
    """The "Đơn vị" filter lists every unit that owns a duty, by name in the plan's order,
    and choosing one lists that unit's duties only."""
    plan = daemon.call("GET", f"/api/v1/plans/{PLAN}", token)
    duties = daemon.call("GET", f"/api/v1/duties?plan={PLAN}", token)["duties"]
    owners = {d["owner"] for d in duties}
    expected = [[u["id"], u["name"]] for u in plan["units"] if u["id"] in owners]
    check(len(expected) >= 6, f"the seed's duties have {len(expected)} owners")
    options = page.js("[...document.querySelectorAll('#filter-unit option')].map(o => [o.value, o.textContent])")
    check(options[:1] == [["", "Tất cả đơn vị"]], f"the unit filter starts with {options[:1]}")
    check(options[1:] == expected, f"the unit filter lists {options[1:]}, expected {expected}")
    choose = """(v) => { const s = document.getElementById('filter-unit'); s.value = v;
                         s.dispatchEvent(new Event('change', {bubbles: true})); return s.value; }"""
    check(page.js(f"({choose})({json.dumps(UNIT)})") == UNIT, f"{UNIT} cannot be chosen in the unit filter")
    shown = page.js("[...document.querySelectorAll('#duties tbody tr[data-duty]')].map(r => r.dataset.duty)")
    mine = [d["id"] for d in duties if d["owner"] == UNIT]
    check(sorted(shown) == sorted(mine), f"filtered on {UNIT}, the list shows {shown}; its duties are {mine}")
    page.js(f"({choose})('')")
    rows = page.js("document.querySelectorAll('#duties tbody tr[data-duty]').length")
    check(rows == len(duties), f"with the filter cleared the list shows {rows} of {len(duties)} duties")


def row_state(page, duty):
    return page.js(f"""(() => {{
        const row = document.querySelector('#duties tbody tr[data-duty="{duty}"]');
        return row ? row.querySelector('.state-cell').textContent : null;
    }})()""")


# ------------------------------------------------------------------------------------------

def run(args, workdir):
    daemon = Daemon(args, workdir)
    unit_token = daemon.token("ubnd-xa-ma-li-pho", "unit", UNIT)
    coordinator_token = daemon.token("phong-noi-vu", "coordinator", "phong-noi-vu")
    daemon.start()
    try:
        # The assets need no token; the data does.
        with urllib.request.urlopen(daemon.url + "/", timeout=10) as res:
            check(res.status == 200 and b"<html lang=\"vi\">" in res.read(), "GET / is not the dashboard")
        duties = daemon.call("GET", f"/api/v1/duties?plan={PLAN}", coordinator_token)["duties"]
        n = len(duties)
        check(n >= 13, f"the seed plan has {n} duties")

        browser = Browser(args.chromium, workdir)
        try:
            unit_page = Page(browser, daemon.url + "/")
            watcher = Page(browser, daemon.url + "/")
            watcher.sign_in(coordinator_token)
            unit_page.sign_in(unit_token)

            # Every duty is listed, with Vietnamese labels.
            rows = unit_page.js("document.querySelectorAll('#duties tbody tr[data-duty]').length")
            check(rows == n, f"the table lists {rows} duties, the plan has {n}")
            text = unit_page.js("document.body.innerText")
            for label in ("Kế hoạch số 182/KH-UBND", "UBND huyện Phong Thổ", "chưa ấn định", "Đã giao", "Trong hạn",
                          "Chờ ấn định", "Tham luận", "Cử đại biểu", "Hoàn thành đúng hạn", "Hoàn thành quá hạn",
                          "Chưa hoàn thành trong hạn", "Chưa hoàn thành quá hạn", "Xã Ma Li Pho",
                          "Tiến độ theo đơn vị", "Xác nhận"):
                check(label in text, f"the unit's page does not show \"{label}\"")
            # The unit's own duties come first, and the counts add up.
            first = unit_page.js("document.querySelector('#duties tbody tr[data-duty]').dataset.duty")
            owners = {d["id"]: d["owner"] for d in duties}
            check(owners.get(first) == UNIT, f"the unit's first row is {first}, not one of its own duties")
            pending = unit_page.js("document.querySelector('.count.s-pending .n').textContent")
            check(pending == str(n), f"'Chờ ấn định' counts {pending}, expected {n} before the conference is set")
            bars = unit_page.js("document.querySelectorAll('svg#timeline rect.bar').length")
            check(bars == n, f"the timeline has {bars} bars for {n} duties")
            check(unit_page.js("document.querySelectorAll('svg#timeline rect.bar.pending').length") == n,
                  "pending deadlines are not drawn as pending bars")
            check_unit_filter(watcher, daemon, coordinator_token)
            check_unit_filter(unit_page, daemon, unit_token)

            # The coordinator sets the conference date in the page; the unit's page follows live.
            watcher.js("window.__not_reloaded = true")
            unit_page.js("window.__not_reloaded = true")
            check(not watcher.js("document.getElementById('milestone-form').hidden"),
                  "the coordinator sees no conference date form")
            watcher.js(f"document.getElementById('milestone-at').value = '{CONFERENCE_LOCAL}'")
            watcher.click("#milestone-form button[type=submit]")
            unit_page.wait("document.getElementById('conference-at').textContent.includes('20/06/2023')",
                           "the conference date on the unit's page", timeout=5)
            unit_page.wait("document.querySelectorAll('svg#timeline rect.bar.pending').length === 0",
                           "deadlines on the unit's timeline", timeout=5)
            check(unit_page.js("document.querySelector('svg#timeline .conference-marker') !== null"),
                  "no conference marker on the timeline")
            check(unit_page.js("document.querySelector('svg#timeline .today-line') !== null"), "no today line")

            # One click acknowledges; the other page shows it within a second, without reloading.
            before = row_state(watcher, DUTY)
            check(before and "Đã giao" in before, f"the duty starts as {before!r}")
            selector = f'#duties tbody tr[data-duty="{DUTY}"] button[data-event="acknowledge"]'
            check(unit_page.js(f"document.querySelector('{selector}') !== null"), "no acknowledge button for the unit")
            check(watcher.js(f"document.querySelector('{selector}') === null"),
                  "the coordinator is offered the owner's acknowledge button")
            # The second page notes (wall clock, shared by both pages) when the row changes.
            watcher.js(f"""(() => {{
                window.__seen_at = null;
                const done = () => {{
                    const r = document.querySelector('#duties tbody tr[data-duty="{DUTY}"]');
                    if (!window.__seen_at && r && r.querySelector('.state-cell').textContent.includes('Đã nhận'))
                        window.__seen_at = performance.timeOrigin + performance.now();
                }};
                new MutationObserver(done).observe(document.getElementById('duties'), {{subtree: true, childList: true, characterData: true}});
            }})()""")
            clicked = time.monotonic()
            unit_page.click(selector)
            unit_page.wait(f"""(() => {{ const r = document.querySelector('#duties tbody tr[data-duty="{DUTY}"]');
                              return r && r.querySelector('.state-cell').textContent.includes('Đã nhận'); }})()""",
                           "the acknowledged state on the unit's page", timeout=5)
            watcher.wait(f"""(() => {{ const r = document.querySelector('#duties tbody tr[data-duty="{DUTY}"]');
                            return r && r.querySelector('.state-cell').textContent.includes('Đã nhận'); }})()""",
                         "the new state on the second page", timeout=5)
            elapsed = time.monotonic() - clicked
            # From the moment the unit's page had the answer (the change was committed before it)
            # to the moment the other page showed it.
            answered = unit_page.js("""(() => {
                const e = performance.getEntriesByType('resource').filter(x => x.name.endsWith('/events')).pop();
                return e ? performance.timeOrigin + e.responseEnd : null; })()""")
            seen = watcher.js("window.__seen_at")
            check(answered and seen, "no timings from the pages")
            lag = (seen - answered) / 1000
            print(f"second page showed the change {lag * 1000:.0f} ms after the commit was answered "
                  f"({elapsed * 1000:.0f} ms after the click, driving the browser included)")
            check(lag < 1.0, f"the second page took {lag:.2f} s to show the new state")
            check(watcher.js("window.__not_reloaded === true"), "the second page reloaded")
            check(unit_page.js("window.__not_reloaded === true"), "the unit's page reloaded")
            stored = daemon.call("GET", f"/api/v1/plans/{PLAN}/duties/{DUTY}", unit_token)
            check(stored["state"]["progress"] == "Acknowledged", f"the daemon has {stored['state']}")
            check(stored["history"][-1]["actor"] == "ubnd-xa-ma-li-pho", "the event was not recorded for the unit")

            # Events that need data ask for it: the unit starts (one click), then submits its
            # paper, and the dialog asks for the title; the coordinator returns it with a note.
            row = f'#duties tbody tr[data-duty="{DUTY}"]'
            has_state = lambda label: f"""(() => {{ const r = document.querySelector('{row}');
                return r && r.querySelector('.state-cell').textContent.includes('{label}'); }})()"""
            unit_page.click(f'{row} button[data-event="start"]')
            unit_page.wait(has_state("Đang soạn"), "Drafting after 'start'", timeout=5)
            # A real mouse click lands where the button was when its box was measured; under load
            # (the sanitizer build, beside the crash test) the row can be re-rendered from the
            # stream in between and the click hit nothing. Opening the dialog fires no event, so
            # clicking again is harmless; the retry is printed so that it stays visible.
            for attempt in range(3):
                unit_page.click(f'{row} button[data-event="submit"]')
                try:
                    unit_page.wait("document.getElementById('event-dialog').open", "the dialog asking for the title",
                                   timeout=4 if attempt < 2 else 10)
                    break
                except Failure:
                    if attempt == 2:
                        raise
                    print(f"the click on 'submit' opened no dialog (attempt {attempt + 1}); clicking again")
            check(unit_page.js("document.getElementById('event-dialog-title').textContent") == "Nộp tham luận",
                  "the dialog is not the one of 'Nộp tham luận'")
            unit_page.type_into("#event-input", TITLE)
            unit_page.click("#event-submit")
            unit_page.wait("!document.getElementById('event-dialog').open", "the dialog to close")
            watcher.wait(has_state("Đã nộp"), "'Đã nộp' on the coordinator's page", timeout=5)
            check(watcher.js(f"document.querySelector('{row} button[data-event=\"approve\"]') !== null"),
                  "the coordinator is not offered 'Phê duyệt'")
            watcher.click(f'{row} button[data-event="return"]')
            watcher.wait("document.getElementById('event-dialog').open", "the dialog asking for a reason")
            watcher.type_into("#event-input", NOTE)
            watcher.click("#event-submit")
            unit_page.wait(has_state("Bị trả lại"), "'Bị trả lại' on the unit's page", timeout=5)
            history = daemon.call("GET", f"/api/v1/plans/{PLAN}/duties/{DUTY}", unit_token)["history"]
            check([h["event"] for h in history[-4:]] == ["acknowledge", "start", "submit", "return"],
                  f"history ends with {[h['event'] for h in history[-4:]]}")
            check(history[-2]["data"] == {"title": TITLE}, f"the title was recorded as {history[-2]['data']}")
            check(history[-1]["note"] == NOTE and history[-1]["actor"] == "phong-noi-vu", "the return's note")

            # Time passes on the daemon's (manual) clock: one duty is done on time, and deadlines
            # pass. The open pages follow, the counts and the "today" line with them.
            own = "/api/v1/plans/" + PLAN + "/duties/chuan-bi-tai-lieu-bao-cao/events"
            for event in ("acknowledge", "start", "submit", "approve"):
                daemon.call("POST", own, coordinator_token, {"event": event})
            today_before = watcher.js("document.querySelector('svg#timeline .today-line line').getAttribute('x1')")
            daemon.call("POST", "/api/v1/admin/clock", coordinator_token, {"set": "2023-06-17T09:00:00+07:00"})
            overdue = sum(1 for d in daemon.call("GET", f"/api/v1/duties?plan={PLAN}", coordinator_token)["duties"]
                          if d["status"] == "open_overdue")
            check(overdue > 0, "nothing is overdue on 17/06")
            for page in (watcher, unit_page):
                page.wait(f"document.querySelector('.count.s-open_overdue .n').textContent === '{overdue}'",
                          f"{overdue} overdue duties on the page", timeout=5)
                page.wait("document.querySelector('.count.s-done_on_time .n').textContent === '1'",
                          "one duty done on time", timeout=5)
            check(watcher.js("document.querySelectorAll('#duties .late-badge').length") >= overdue,
                  "overdue duties carry no badge")
            check(watcher.js("document.querySelectorAll('svg#timeline rect.bar.s-open_overdue').length") == overdue,
                  "overdue bars are not coloured as overdue")
            today_after = watcher.js("document.querySelector('svg#timeline .today-line line').getAttribute('x1')")
            check(float(today_after) > float(today_before), "the today line did not move with the daemon's clock")
            check(watcher.js("window.__not_reloaded === true"), "the second page reloaded")

            bars = watcher.js("document.querySelectorAll('svg#timeline rect.bar').length")
            check(bars == n, f"after the changes the timeline has {bars} bars for {n} duties")

            os.makedirs(args.artifacts, exist_ok=True)
            unit_page.js("window.scrollTo(0, 0)")
            unit_page.screenshot(os.path.join(args.artifacts, "dashboard-unit-first-screen.png"), full=False)
            unit_page.screenshot(os.path.join(args.artifacts, "dashboard-unit.png"))
            watcher.screenshot(os.path.join(args.artifacts, "dashboard-coordinator.png"))
            print("screenshots in " + args.artifacts)
        finally:
            browser.close()
        code = daemon.stop()
        check(code == 0, f"dutyflowd exited with {code} on SIGTERM")
    finally:
        daemon.stop()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dutyflowd", required=True)
    ap.add_argument("--dutyflow", required=True)
    ap.add_argument("--source", required=True)
    ap.add_argument("--artifacts", required=True)
    ap.add_argument("--chromium", default="/usr/bin/chromium")
    args = ap.parse_args()
    if not os.path.exists(args.chromium):
        print(f"{args.chromium} is missing (tools/test installs Debian's chromium)")
        return 1
    workdir = tempfile.mkdtemp(prefix="dutyflow-e2e-")
    try:
        run(args, workdir)
    except Failure as e:
        print("FAILED: " + str(e))
        for name in ("dutyflowd.log", "chromium.log"):
            path = os.path.join(workdir, name)
            if os.path.exists(path):
                print(f"--- {name} (last lines)")
                print("".join(open(path, errors="replace").readlines()[-40:]))
        return 1
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print("dashboard end-to-end: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
