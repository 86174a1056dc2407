#!/usr/bin/env python3
"""Reads a feed the way its consumers do and prints what they see as JSON, for
feeds_test.cpp: `ics FILE` with the icalendar library (Debian's python3-icalendar),
`csv FILE` with Python's csv module as Excel-like readers do (BOM, RFC 4180 quoting),
`metrics FILE` with prometheus_client's text parser (python3-prometheus-client) and, when
installed, `promtool check metrics`. Exits 1 with the parser's complaint if it refuses."""
import csv
import datetime
import json
import shutil
import subprocess
import sys


def ics(path):
    import icalendar
    raw = open(path, "rb").read()
    if b"\n" in raw.replace(b"\r\n", b""):
        raise SystemExit("a line ends without CR")
    for line in raw.split(b"\r\n"):
        if len(line) > 75:
            raise SystemExit(f"a line is longer than 75 octets: {line[:40]!r}...")
        line.decode("utf-8")  # a fold must not split a character
    cal = icalendar.Calendar.from_ical(raw)

    def when(prop):
        """A DATE or DATE-TIME as a calendar shows it in Vietnam: {"date": "2023-06-16"} for a
        whole day, else {"date", "local": ISO in +07:00, "tzid"} (a TZID the library resolved
        or a floating time would both be refused below)."""
        if prop is None:
            return None
        dt = prop.dt
        if not isinstance(dt, datetime.datetime):
            return {"date": dt.isoformat(), "all_day": True}
        if dt.tzinfo is None:
            raise SystemExit(f"a floating time (no zone): {prop.to_ical()!r}")
        local = dt.astimezone(datetime.timezone(datetime.timedelta(hours=7)))
        return {"date": local.date().isoformat(), "local": local.isoformat(), "all_day": False,
                "tzid": prop.params.get("TZID")}

    todos = []
    for todo in cal.walk("VTODO"):
        alarms = [str(a.get("TRIGGER").to_ical().decode()) for a in todo.walk("VALARM")]
        todos.append({
            "uid": str(todo.get("UID")),
            "summary": str(todo.get("SUMMARY")),
            "description": str(todo.get("DESCRIPTION", "")),
            "status": str(todo.get("STATUS")),
            "due": when(todo.get("DUE")),
            "dtstamp": todo.get("DTSTAMP").dt.isoformat(),
            "alarms": alarms,
        })
    events = []
    for ev in cal.walk("VEVENT"):
        events.append({
            "uid": str(ev.get("UID")),
            "summary": str(ev.get("SUMMARY")),
            "start": when(ev.get("DTSTART")),
            "end": when(ev.get("DTEND")),
            "status": str(ev.get("STATUS", "")),
        })
    def text(value):
        raw = value.to_ical()
        return raw.decode() if isinstance(raw, bytes) else str(raw)

    zones = {str(z.get("TZID")): [text(s.get("TZOFFSETTO")) for s in z.walk("STANDARD")]
             for z in cal.walk("VTIMEZONE")}
    return {"version": str(cal.get("VERSION")), "name": str(cal.get("X-WR-CALNAME")), "todos": todos,
            "events": events, "zones": zones}


def csv_report(path):
    raw = open(path, "rb").read()
    with open(path, newline="", encoding="utf-8-sig") as f:
        rows = list(csv.reader(f, strict=True))
    return {"bom": raw.startswith(b"\xef\xbb\xbf"), "crlf": raw.count(b"\r\n") >= len(rows),
            "header": rows[0], "rows": rows[1:]}


def metrics(path):
    from prometheus_client.parser import text_string_to_metric_families
    text = open(path, encoding="utf-8").read()
    families = {}
    for fam in text_string_to_metric_families(text):
        families[fam.name] = {"type": fam.type, "samples": [[s.name, s.labels, s.value] for s in fam.samples]}
    promtool = shutil.which("promtool")
    checked = None
    if promtool:
        r = subprocess.run([promtool, "check", "metrics"], input=text, capture_output=True, text=True)
        checked = {"exit": r.returncode, "output": (r.stdout + r.stderr).strip()}
    return {"families": families, "promtool": checked}


def main():
    mode, path = sys.argv[1], sys.argv[2]
    try:
        out = {"ics": ics, "csv": csv_report, "metrics": metrics}[mode](path)
    except SystemExit:
        raise
    except Exception as e:  # the parser refused the document: that is the finding
        print(f"{mode}: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    print(json.dumps(out, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
