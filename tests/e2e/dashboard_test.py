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
  * the "Đơn vị" filter lists the seed's units and filters the list by one of them;
  * every deadline on the page reads as the engine writes it (deadline_text), and each duty
    carries one coherent set of badges (no "Sắp đến hạn" beside "Quá hạn", no lateness badge
    once the unit has delivered); what waits on the coordinator is listed as its own item;
  * on a 390 px phone the duties are cards and the commune's next action (a button) is on
    the first screen; at 1024, 1400 and 1920 px no cell or button of the duty table is cut
    off or pushed out of sight.
Screenshots of each page (1280 px, 1400×1000, 390×844; the coordinator's at 1024 px too) are
kept under --artifacts (build/e2e/ from ctest).

Exit 0 when everything holds; otherwise prints what failed and exits 1.
"""
import argparse
import base64
import datetime
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
        self.viewport = (1280, 900, False)
        self._metrics(*self.viewport)
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

    def _metrics(self, width, height, mobile):
        self.send("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile})

    def frames(self):
        """Returns once the page has laid out and painted what changed (two animation frames)."""
        self.js("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))")

    def set_viewport(self, width, height, mobile=False):
        """The screen of another device (mobile: the meta viewport applies, as on a phone)."""
        self.viewport = (width, height, mobile)
        self._metrics(width, height, mobile)
        self.frames()
        check(self.js("window.innerWidth") == width, f"the page is {self.js('window.innerWidth')} px wide, not {width}")

    def screenshot(self, path, full=True):
        if not full:
            shot = self.send("Page.captureScreenshot", {"format": "png"})
            with open(path, "wb") as f:
                f.write(base64.b64decode(shot["data"]))
            return
        width, height, mobile = self.viewport
        scroll_height = self.js("Math.ceil(document.documentElement.scrollHeight)")
        self._metrics(width, int(scroll_height), mobile)
        self.frames()
        shot = self.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True})
        with open(path, "wb") as f:
            f.write(base64.b64decode(shot["data"]))
        self._metrics(width, height, mobile)
        self.frames()


SECONDARY = {"cancel", "reassign", "comment"}  # offered in the "Khác…" menu, never as the next action
DEADLINE = re.compile(r"^(Hết ngày|\d\d:\d\d ngày) \d\d?/\d\d?/\d{4}$")


def capital(text):
    return text[:1].upper() + text[1:]


def terminal_states(kinds):
    return {(k["name"], s["name"]) for k in kinds for s in k["states"] if s["terminal"]}


def unit_part_open(duty, terminal):
    """The engine's unit_part_open; for an engine without it, not finished or cancelled."""
    if "unit_part_open" in duty:
        return duty["unit_part_open"]
    return (duty["status"] not in ("done_on_time", "done_late", "cancelled")
            and (duty["kind"], duty["state"]["progress"]) not in terminal)


def next_action(duties, unit, terminal):
    """(duty, event): the first allowed event of the unit's most urgent open duty, as the
    unit's token sees it (earliest deadline first, undated last, then the plan's order)."""
    order = {d["id"]: i for i, d in enumerate(duties)}
    open_ = [d for d in duties if d["owner"] == unit and unit_part_open(d, terminal)
             and any(e not in SECONDARY for e in d["allowed_events"])]
    if not open_:
        return None
    far = datetime.datetime.max.replace(tzinfo=datetime.timezone.utc)
    first = min(open_, key=lambda d: (datetime.datetime.fromisoformat(d["deadline"]) if d["deadline"] else far,
                                       order[d["id"]]))
    return first["id"], next(e for e in first["allowed_events"] if e not in SECONDARY)


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


def check_deadlines(page, duties, who):
    """Every deadline on the page (next action, own duties, table, timeline) is the engine's
    deadline_text with a capital first letter, or 'Chờ ấn định'."""
    by_id = {d["id"]: d for d in duties}

    def expected(d):
        if not d["deadline"]:
            return "Chờ ấn định"
        return capital(d["deadline_text"]) if d.get("deadline_text") else None

    shown = page.js("""[...document.querySelectorAll('.deadline')].map(e => {
        const r = e.closest('[data-duty]'); return [r ? r.dataset.duty : null, e.textContent]; })""")
    check(len(shown) >= len(duties), f"{who}: {len(shown)} deadlines shown for {len(duties)} duties")
    for duty, text in shown:
        check(duty in by_id, f"{who}: a deadline outside any duty: {text!r}")
        want = expected(by_id[duty])
        if want is None:
            check(DEADLINE.match(text), f"{who}: {duty}'s deadline reads {text!r}")
        else:
            check(text == want, f"{who}: {duty}'s deadline reads {text!r}, the engine says {want!r}")
    titles = page.js("""[...document.querySelectorAll('svg#timeline rect.bar')].map(b =>
        [b.dataset.duty, b.querySelector('title').textContent.split('\\n').pop()])""")
    for duty, text in titles:
        want = expected(by_id[duty])
        check(text.startswith("Hạn: ") and (text[5:] == want if want else DEADLINE.match(text[5:])),
              f"{who}: {duty}'s bar says {text!r}")


def check_badges(page, duties, terminal, who):
    """One coherent set per duty: the four-state status first, the progress, at most one
    timeliness badge and only while the unit's part is open, the coordinator's follow-up
    apart from it."""
    by_id = {d["id"]: d for d in duties}
    rows = page.js("""[...document.querySelectorAll('#duties tbody tr[data-duty]')].map(r => ({
        id: r.dataset.duty, text: r.querySelector('.state-cell').innerText.replace(/\\s+/g, ' '),
        badges: [...r.querySelectorAll('.state-cell .badge')].map(b => b.textContent),
        follow: [...r.querySelectorAll('.state-cell .follow-up')].map(b => b.textContent)}))""")
    check(len(rows) == len(duties), f"{who}: {len(rows)} rows for {len(duties)} duties")
    for r in rows:
        d, text = by_id[r["id"]], r["text"]
        what = f"{who}: {r['id']} shows {text!r}"
        check(not ("Sắp đến hạn" in text and "Quá hạn" in text), what + " (due soon and overdue at once)")
        check(not (text.startswith("Hoàn thành") and "Sắp đến hạn" in text), what + " (done and due soon)")
        check(text.startswith(d["status_label"]), what + f"; the status is {d['status_label']!r}")
        check(d["state"]["progress_label"] in text, what + f"; the progress is {d['state']['progress_label']!r}")
        check(len(r["badges"]) <= 1, what + " (more than one timeliness badge)")
        if not unit_part_open(d, terminal):
            check(not r["badges"], what + " (a timeliness badge after the unit's part is over)")
        if d["status"] == "open_overdue":
            check(r["badges"], what + " (overdue without a badge)")
        if d.get("follow_up"):
            check(r["follow"] and r["follow"][0].startswith(d["follow_up"]["label"]),
                  what + f"; the coordinator's step is {d['follow_up']['label']!r}")
            check(not any("Quá hạn" in f for f in r["follow"]), what + " (the follow-up reads as lateness)")


def check_not_clipped(page, width, height, who):
    """At a desk's widths the duty table fits its card: no horizontal scrolling, and no
    cell, button or menu past the right edge of the table's box or of its own cell."""
    page.set_viewport(width, height)
    r = page.js("""(() => {
        const box = document.querySelector('.table-scroll');
        const b = box.getBoundingClientRect();
        const out = [];
        for (const el of document.querySelectorAll('#duties th, #duties td, #duties button, #duties select')) {
            const e = el.getBoundingClientRect();
            const cell = el.closest('td, th').getBoundingClientRect();
            const name = (el.closest('tr').dataset.duty || 'header') + ' ' + el.tagName.toLowerCase() + ' '
                + (el.dataset.event || el.className);
            if (e.right > b.right + 0.5 || e.left < b.left - 0.5)
                out.push(`${name}: ${Math.round(e.left)}..${Math.round(e.right)} outside ${Math.round(b.left)}..${Math.round(b.right)}`);
            else if (el !== el.closest('td, th') && (e.right > cell.right + 0.5 || e.left < cell.left - 0.5))
                out.push(`${name}: ${Math.round(e.left)}..${Math.round(e.right)} outside its cell ${Math.round(cell.left)}..${Math.round(cell.right)}`);
        }
        return {scroll: box.scrollWidth - box.clientWidth, page: document.documentElement.scrollWidth,
                buttons: document.querySelectorAll('#duties button').length, clipped: out};
    })()""")
    check(r["buttons"] > 0, f"{who} at {width} px: no buttons in the duty table")
    check(not r["clipped"], f"{who} at {width} px: " + "; ".join(r["clipped"][:5]))
    check(r["scroll"] <= 0, f"{who} at {width} px: the duty table scrolls sideways by {r['scroll']} px")
    check(r["page"] <= width, f"{who} at {width} px: the page is {r['page']} px wide")


def check_phone(page, width, height, who):
    """A phone: nothing wider than the screen, the duties as cards (no table header, every
    button on screen)."""
    page.set_viewport(width, height, mobile=True)
    page.js("window.scrollTo(0, 0)")
    page.frames()
    r = page.js("""(() => {
        const out = [];
        for (const el of document.querySelectorAll('#duties tr[data-duty], #duties button, #duties select')) {
            const e = el.getBoundingClientRect();
            if (e.right > window.innerWidth + 0.5 || e.left < -0.5)
                out.push((el.closest('tr').dataset.duty) + ' ' + (el.dataset.event || el.tagName) + ' ' + Math.round(e.right));
        }
        return {page: document.documentElement.scrollWidth, head: getComputedStyle(document.querySelector('#duties thead')).display,
                row: getComputedStyle(document.querySelector('#duties tbody tr')).display, outside: out};
    })()""")
    check(r["page"] <= width, f"{who} at {width} px: the page is {r['page']} px wide")
    check(r["head"] == "none" and r["row"] == "block", f"{who} at {width} px: the duties are still a table ({r})")
    check(not r["outside"], f"{who} at {width} px: off screen: " + "; ".join(r["outside"][:5]))


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
        terminal = terminal_states(daemon.call("GET", "/api/v1/kinds", coordinator_token)["kinds"])
        duties_as = lambda token: daemon.call("GET", f"/api/v1/duties?plan={PLAN}", token)["duties"]

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
            for label in ("Kế hoạch số 182/KH-UBND", "UBND huyện Phong Thổ", "chưa ấn định", "Đã giao",
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
            unit_page.wait("document.getElementById('conference-at').textContent === '08:00 ngày 20/6/2023'",
                           "the conference date on the unit's page", timeout=5)
            unit_page.wait("document.querySelectorAll('svg#timeline rect.bar.pending').length === 0",
                           "deadlines on the unit's timeline", timeout=5)
            check(unit_page.js("document.querySelector('svg#timeline .conference-marker') !== null"),
                  "no conference marker on the timeline")
            check(unit_page.js("document.querySelector('svg#timeline .today-line') !== null"), "no today line")
            check_deadlines(unit_page, duties_as(unit_token), "the unit's page")

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
            # Another report is delivered on time and left waiting for the coordinator's approval.
            waiting = "cong-bo-chi-so-cchc-xa-thi-tran"
            for event in ("acknowledge", "start", "submit"):
                daemon.call("POST", f"/api/v1/plans/{PLAN}/duties/{waiting}/events", coordinator_token, {"event": event})
            today_before = watcher.js("document.querySelector('svg#timeline .today-line line').getAttribute('x1')")
            daemon.call("POST", "/api/v1/admin/clock", coordinator_token, {"set": "2023-06-17T09:00:00+07:00"})
            after = duties_as(coordinator_token)
            overdue = sum(1 for d in after if d["status"] == "open_overdue")
            on_time = sum(1 for d in after if d["status"] == "done_on_time")
            check(overdue > 0, "nothing is overdue on 17/06")
            # The approved report; the one awaiting approval too once the engine judges the delivery.
            check(on_time >= 1, "nothing is done on time on 17/06")
            for page in (watcher, unit_page):
                page.wait(f"document.querySelector('.count.s-open_overdue .n').textContent === '{overdue}'",
                          f"{overdue} overdue duties on the page", timeout=5)
                page.wait(f"document.querySelector('.count.s-done_on_time .n').textContent === '{on_time}'",
                          f"{on_time} duties done on time", timeout=5)
            check(watcher.js("document.querySelectorAll('#duties .late-badge').length") >= overdue,
                  "overdue duties carry no badge")
            check(watcher.js("document.querySelectorAll('svg#timeline rect.bar.s-open_overdue').length") == overdue,
                  "overdue bars are not coloured as overdue")
            today_after = watcher.js("document.querySelector('svg#timeline .today-line line').getAttribute('x1')")
            check(float(today_after) > float(today_before), "the today line did not move with the daemon's clock")
            check(watcher.js("window.__not_reloaded === true"), "the second page reloaded")

            bars = watcher.js("document.querySelectorAll('svg#timeline rect.bar').length")
            check(bars == n, f"after the changes the timeline has {bars} bars for {n} duties")

            # Badges and deadlines, as each of them sees the plan now.
            after_unit = duties_as(unit_token)
            check_badges(watcher, after, terminal, "the coordinator's page")
            check_badges(unit_page, after_unit, terminal, "the unit's page")
            check_deadlines(watcher, after, "the coordinator's page")
            check_deadlines(unit_page, after_unit, "the unit's page")
            done = {d["id"]: d for d in after}["chuan-bi-tai-lieu-bao-cao"]
            check(done["status"] == "done_on_time", f"the approved report is {done['status']}")
            # What waits for the coordinator is its own item on the coordinator's page, with the
            # button to act on it, and not on the unit's page.
            item = f'.next-coordinator [data-duty="{waiting}"]'
            watcher.wait(f"document.querySelector('{item} button[data-event=\"approve\"]') !== null",
                         "the report awaiting approval among the coordinator's items", timeout=5)
            text = watcher.js(f"document.querySelector('{item}').innerText")
            check("Chờ cơ quan chủ trì" in text and "Quá hạn" not in text, f"the coordinator's item reads {text!r}")
            check(unit_page.js("document.querySelector('.next-coordinator') === null"),
                  "the unit's page lists the coordinator's items")

            os.makedirs(args.artifacts, exist_ok=True)
            shots = []

            def shoot(page, name, full=True):
                page.screenshot(os.path.join(args.artifacts, name), full=full)
                shots.append(name)

            unit_page.js("window.scrollTo(0, 0)")
            shoot(unit_page, "dashboard-unit-first-screen.png", full=False)
            shoot(unit_page, "dashboard-unit.png")
            shoot(watcher, "dashboard-coordinator.png")

            # A desk, narrow to wide: the duty table fits, nothing cut off.
            for width, height in ((1024, 900), (1920, 1080), (1400, 1000)):
                check_not_clipped(watcher, width, height, "the coordinator's page")
                check_not_clipped(unit_page, width, height, "the unit's page")
                if width == 1024:
                    shoot(watcher, "dashboard-coordinator-1024.png")
            shoot(watcher, "dashboard-coordinator-1400.png")
            shoot(unit_page, "dashboard-unit-1400.png")

            # A phone (390×844): cards, and the commune's next action on the first screen.
            expected = next_action(after_unit, UNIT, terminal)
            check(expected is not None, f"{UNIT} has nothing left to do")
            check_phone(watcher, 390, 844, "the coordinator's page")
            check_phone(unit_page, 390, 844, "the unit's page")
            box = unit_page.js("""(() => { const b = document.getElementById('next-action'); if (!b) return null;
                const r = b.getBoundingClientRect();
                return {duty: b.dataset.duty, event: b.dataset.event, label: b.textContent,
                        top: r.top, bottom: r.bottom, left: r.left, right: r.right}; })()""")
            check(box is not None, "the unit's phone page shows no next action")
            check((box["duty"], box["event"]) == expected,
                  f"the next action is {box['event']} on {box['duty']}, expected {expected[1]} on {expected[0]}")
            check(box["top"] >= 0 and box["bottom"] <= 844 and box["left"] >= 0 and box["right"] <= 390,
                  f"the next action '{box['label']}' is at {box}, not on the first 390×844 screen")
            shoot(unit_page, "dashboard-unit-390.png", full=False)
            shoot(unit_page, "dashboard-unit-390-full.png")
            watcher.js("window.scrollTo(0, 0)")
            shoot(watcher, "dashboard-coordinator-390.png", full=False)
            shoot(watcher, "dashboard-coordinator-390-full.png")

            # The button does what it says, on the phone: it fires the event, or asks for what
            # the event needs in a dialog that fits the screen.
            version = daemon.call("GET", f"/api/v1/plans/{PLAN}/duties/{expected[0]}", unit_token)["version"]
            unit_page.js("window.scrollTo(0, 0)")
            unit_page.click("#next-action")
            deadline = time.monotonic() + 5
            while True:
                if unit_page.js("document.getElementById('event-dialog').open"):
                    title = unit_page.js("document.getElementById('event-dialog-title').textContent")
                    check(title == box["label"], f"the next action '{box['label']}' opened the dialog '{title}'")
                    right = unit_page.js("document.getElementById('event-dialog').getBoundingClientRect().right")
                    check(right <= 390, f"the dialog reaches {right} px on a 390 px screen")
                    unit_page.click("#event-cancel")
                    break
                now = daemon.call("GET", f"/api/v1/plans/{PLAN}/duties/{expected[0]}", unit_token)
                if now["version"] != version:
                    check(now["history"][-1]["event"] == expected[1], f"the next action fired {now['history'][-1]}")
                    break
                check(time.monotonic() < deadline, f"the next action '{box['label']}' did nothing within 5 s")
                time.sleep(0.05)
            print("screenshots in " + args.artifacts + ": " + ", ".join(shots))
        finally:
            browser.close()
        code = daemon.stop()
        check(code == 0, f"dutyflowd exited with {code} on SIGTERM")
    finally:
        daemon.stop()


def main_of(run, what, prefix="dutyflow-e2e-"):
    """The command line every e2e script takes, `run(args, workdir)` in a fresh temp
    directory, the daemon's and Chromium's last log lines when it fails. Exit code."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--dutyflowd", required=True)
    ap.add_argument("--dutyflow", required=True)
    ap.add_argument("--source", required=True)
    ap.add_argument("--artifacts", required=True)
    ap.add_argument("--chromium", default="/usr/bin/chromium")
    args = ap.parse_args()
    os.makedirs(args.artifacts, exist_ok=True)
    if not os.path.exists(args.chromium):
        print(f"{args.chromium} is missing (tools/test installs Debian's chromium)")
        return 1
    workdir = tempfile.mkdtemp(prefix=prefix)
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
    print(what + ": ok")
    return 0


if __name__ == "__main__":
    sys.exit(main_of(run, "dashboard end-to-end"))
