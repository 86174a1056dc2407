#!/usr/bin/env python3
"""Plan upload with review, end to end: a real dutyflowd and headless Chromium (the
dashboard test's Daemon, Browser and Page), and a real .docx written by python3-docx.

As a coordinator would:
  * opens "Tải kế hoạch lên", chooses the .docx of Kế hoạch 215/KH-UBND (Tam Đường) and
    has it read: the review table lists every duty of the draft, each beside the line of
    the document it came from, and the lines that made no duty are listed with why;
  * empties one duty's content: the validator's message appears under that row at once,
    "Đăng kế hoạch" is disabled, and a click on it publishes nothing;
  * restores it, changes one duty's owner in the table, and publishes: the dashboard
    shows the new plan with all its duties, the changed one under its new owner, and
    the API agrees;
  * the review page at 390 px (phone) is cards with nothing wider than the screen, and at
    1400 px nothing of the table is cut off.
Screenshots of the review (1400 px, 390 px, and the row with an error) go to --artifacts.
Exit 0 when everything holds; otherwise prints what failed and exits 1.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dashboard_test import Browser, Daemon, Failure, Page, check, main_of  # noqa: E402

DOCUMENT = "tests/fixtures/import/215_kh_ubnd_tam_duong.txt"
PLAN = "215-kh-ubnd-2023"
CHANGED = "dang-tai-tin"  # owned by Phòng Văn hóa và Thông tin in the document
NEW_OWNER = "trung-tam-van-hoa-the-thao-va-truyen-thong"
NEW_OWNER_NAME = "Trung tâm Văn hóa, Thể thao và Truyền thông"


def write_docx(text_path, docx_path):
    """The plan as Word writes it: one paragraph per line, the headings bold and centred."""
    import docx  # python3-docx (Debian), loaded by /usr/bin/python3
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    doc = docx.Document()
    style = doc.styles["Normal"]
    style.font.name = "Times New Roman"
    style.font.size = Pt(14)
    for line in open(text_path, encoding="utf-8").read().splitlines():
        p = doc.add_paragraph()
        run = p.add_run(line)
        if line.isupper() and line.strip():
            run.bold = True
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.save(docx_path)


def set_file(page, selector, path):
    """What choosing a file in the browser's file dialog does (DOM.setFileInputFiles)."""
    root = page.send("DOM.getDocument", {"depth": 0})["root"]["nodeId"]
    node = page.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    check(node, f"no {selector} on the page")
    page.send("DOM.setFileInputFiles", {"files": [path], "nodeId": node})


def row_errors(page, duty):
    return page.js(f"""(() => {{
        const tr = document.querySelector('#review-table tr.duty-row[data-duty="{duty}"]');
        const next = tr && tr.nextElementSibling;
        return next && !next.hidden ? next.innerText : '';
    }})()""")


def run(args, workdir):
    daemon = Daemon(args, workdir)
    coordinator = daemon.token("phong-noi-vu", "coordinator", "phong-noi-vu")
    daemon.start()
    try:
        docx_path = os.path.join(workdir, "Kế hoạch 215-KH-UBND.docx")
        write_docx(os.path.join(args.source, DOCUMENT), docx_path)
        plans_before = [p["id"] for p in daemon.call("GET", "/api/v1/plans", coordinator)["plans"]]
        check(PLAN not in plans_before, f"{PLAN} is loaded before the upload")

        browser = Browser(args.chromium, workdir)
        try:
            page = Page(browser, daemon.url + "/")
            page.set_viewport(1400, 1000)
            page.sign_in(coordinator)
            check(not page.js("document.getElementById('upload-plan').hidden"), "the coordinator sees no upload button")
            page.click("#upload-plan")
            page.wait("!document.getElementById('import').hidden && document.getElementById('board').hidden",
                      "the upload page")
            set_file(page, "#import-file", docx_path)
            page.click("#import-read")
            page.wait("!document.getElementById('review').hidden && "
                      "document.querySelectorAll('#review-table tr.duty-row').length > 0", "the review table", 15)
            page.wait("document.getElementById('review-status').textContent.startsWith('Hợp lệ')",
                      "the draft checked valid", 10)

            # Every duty of the draft, each beside its line of the document.
            draft = page.js("review.draft")
            ids = [d["id"] for d in draft["duties"]]
            rows = page.js("[...document.querySelectorAll('#review-table tr.duty-row')].map(r => r.dataset.duty)")
            check(rows == ids, f"the review table lists {rows}, the draft has {ids}")
            check(CHANGED in ids, f"the draft has no duty {CHANGED}: {ids}")
            sources = page.js("[...document.querySelectorAll('#review-table tr.duty-row td.source')].map(td => td.innerText)")
            for duty, src in zip(ids, sources):
                check(src.startswith("Dòng ") and len(src) > 20, f"{duty} shows no document line beside it: {src!r}")
            changed_src = sources[ids.index(CHANGED)]
            check("Trang thông tin điện tử huyện đăng tải tin" in changed_src,
                  f"{CHANGED} is beside the wrong line: {changed_src!r}")
            untracked = page.js("document.getElementById('review-untracked').innerText")
            check("Trên đây là Kế hoạch" in untracked and "câu kết của văn bản" in untracked,
                  "the closing sentence is not listed as not tracked, with its reason")
            check(page.js("document.getElementById('review-number').value") == "215/KH-UBND", "the plan's number")
            check(page.js("document.getElementById('review-milestone').value") == "2023-11-17T07:30",
                  "the event's date read from the document")
            check(page.js("document.documentElement.scrollWidth") <= 1400, "the review page is wider than the screen")
            page.screenshot(os.path.join(args.artifacts, "import-review-1400.png"))

            # A draft with an error: the message beside the row, and nothing can be published.
            title_sel = f'#review-table tr.duty-row[data-duty="{CHANGED}"] textarea'
            original_title = page.js(f"document.querySelector('{title_sel}').value")
            page.js(f"""(() => {{ const t = document.querySelector('{title_sel}');
                t.value = ''; t.dispatchEvent(new Event('input', {{bubbles: true}})); }})()""")
            page.wait(f"""(() => {{
                const tr = document.querySelector('#review-table tr.duty-row[data-duty="{CHANGED}"]');
                return tr.classList.contains('has-error') && !tr.nextElementSibling.hidden; }})()""",
                      "the error beside the emptied row", 10)
            message = row_errors(page, CHANGED)
            check("Nội dung" in message and "không được để trống" in message and "must not be empty" in message,
                  f"the row's message is {message!r}")
            others = page.js("document.querySelectorAll('#review-table tr.row-errors:not([hidden])').length")
            check(others == 1, f"{others} rows show errors; only the emptied one should")
            check(page.js("document.getElementById('review-publish').disabled"), "publish is enabled with an error")
            check("lỗi" in page.js("document.getElementById('review-status').textContent"), "the bar does not say why")
            page.click("#review-publish")
            page.frames()
            check(PLAN not in [p["id"] for p in daemon.call("GET", "/api/v1/plans", coordinator)["plans"]],
                  "a draft with an error was published")
            page.js(f"document.querySelector('{title_sel}').scrollIntoView({{block: 'center'}})")
            page.screenshot(os.path.join(args.artifacts, "import-review-error.png"), full=False)

            # Corrected, one owner changed, published.
            page.js(f"""(() => {{ const t = document.querySelector('{title_sel}');
                t.value = {json.dumps(original_title)}; t.dispatchEvent(new Event('input', {{bubbles: true}})); }})()""")
            page.js(f"""(() => {{
                const s = document.querySelector('#review-table tr.duty-row[data-duty="{CHANGED}"] select.owner');
                s.value = 'u:{NEW_OWNER}'; s.dispatchEvent(new Event('change', {{bubbles: true}})); }})()""")
            page.wait("!document.getElementById('review-publish').disabled", "publish enabled again", 10)
            check(page.js("document.querySelectorAll('#review-table tr.row-errors:not([hidden])').length") == 0,
                  "an error is still shown after the correction")

            # The phone: cards, nothing wider than the screen.
            page.set_viewport(390, 844, mobile=True)
            check(page.js("getComputedStyle(document.querySelector('#review-table tr.duty-row')).display") == "block",
                  "the review rows are not cards on a phone")
            width = page.js("document.documentElement.scrollWidth")
            check(width <= 390, f"the review page is {width} px wide on a 390 px phone")
            page.screenshot(os.path.join(args.artifacts, "import-review-390.png"))
            page.js("document.querySelector('#review-table tr.duty-row').scrollIntoView({block: 'start'})")
            page.screenshot(os.path.join(args.artifacts, "import-review-390-screen.png"), full=False)
            page.set_viewport(1400, 1000)

            expected = page.js("review.summary.duties")
            page.click("#review-publish")
            page.wait("!document.getElementById('board').hidden && "
                      "document.getElementById('plan-number').textContent.includes('215/KH-UBND')",
                      "the published plan on the dashboard", 15)
            duties = daemon.call("GET", f"/api/v1/duties?plan={PLAN}", coordinator)["duties"]
            check(len(duties) == expected, f"{len(duties)} duties published; the draft makes {expected}")
            owner = {d["id"]: d["owner"] for d in duties}.get(CHANGED)
            check(owner == NEW_OWNER, f"{CHANGED} is owned by {owner}, not the owner chosen in the review")
            page.wait(f"document.querySelectorAll('#duties tbody tr[data-duty]').length === {len(duties)}",
                      "every published duty in the dashboard's table", 10)
            row = page.js(f"""(() => {{
                const tr = document.querySelector('#duties tbody tr[data-duty="{CHANGED}"]');
                return tr ? tr.innerText : ''; }})()""")
            check(NEW_OWNER_NAME in row, f"the dashboard's row of {CHANGED} does not name its new owner: {row!r}")
            page.screenshot(os.path.join(args.artifacts, "import-published-1400.png"))
        finally:
            browser.close()
    finally:
        code = daemon.stop()
        if code not in (0, None):
            raise Failure(f"dutyflowd exited with {code}")


if __name__ == "__main__":
    sys.exit(main_of(run, "plan upload end-to-end", "dutyflow-e2e-import-"))
