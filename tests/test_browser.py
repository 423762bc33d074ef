"""The reviewer UI in a real browser: Debian's chromium driven by Playwright against the
app served by uvicorn on a loopback port, over the session's `sample_run` outputs.

Log in, open the queue, open a flagged applicant, see the overlay of its finding over
the page image, decide with the keyboard, reveal a number, export, and check the
exported workbook. Screenshots go to the test's tmp dir; with
CERTRIAGE_UPDATE_SCREENSHOTS=1 also to docs/screenshots/ (the README shows them).
Without /usr/bin/chromium the test is skipped, unless CERTRIAGE_REQUIRE_BROWSER=1
(set by .ci/run), where it fails.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
REPO = Path(__file__).resolve().parents[1]
PASSWORD = "browser-test-pw"


def _missing(reason: str) -> None:
    if os.environ.get("CERTRIAGE_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (CERTRIAGE_REQUIRE_BROWSER=1)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).is_file():
        _missing(f"{CHROMIUM} not found: apt-get install chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("playwright is not installed (pip install playwright; no browser download needed)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture(scope="module")
def server(sample_run: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The app over a copy of the sample run's outputs, in a uvicorn thread."""
    import uvicorn

    from pipeline.web import auth
    from pipeline.web.app import create_app

    root = tmp_path_factory.mktemp("browser")
    out = root / "out"
    shutil.copytree(sample_run["out"], out, ignore=shutil.ignore_patterns(".work", "reviews.sqlite3*"))
    app = create_app(str(out), f"sqlite:///{root / 'reviews.sqlite3'}")
    app.state.db.add_user("审核员甲", auth.hash_password(PASSWORD))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not srv.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield {"base": f"http://127.0.0.1:{port}", "app": app, "out": out}
    finally:
        srv.should_exit = True
        thread.join(timeout=10)


def _shot(page: Any, tmp_path: Path, name: str, docs: bool = False) -> None:
    path = tmp_path / f"{name}.png"
    page.screenshot(path=str(path))
    assert path.stat().st_size > 10_000
    if docs and os.environ.get("CERTRIAGE_UPDATE_SCREENSHOTS") == "1":
        dest = REPO / "docs" / "screenshots" / f"{name}.png"
        dest.parent.mkdir(parents=True, exist_ok=True)
        from PIL import Image

        # 256 colours keep the committed PNG small; the UI is flat colours but the pages.
        with Image.open(path) as im:
            im.convert("RGB").quantize(colors=256, method=Image.Quantize.FASTOCTREE).save(dest, optimize=True)


def _flagged_with_box(app: Any) -> dict[str, Any]:
    """The riskiest applicant whose first finding has a box on a page."""
    from pipeline.web.data import finding_views, page_views

    run = app.state.source.get()
    for a in run.applicants:
        views = finding_views(a, run)
        if not views:
            continue
        pages = page_views(a, [f["raw"] for f in views])
        if any(0 in b.findings for p in pages for b in p.boxes if p.image):
            return a
    pytest.fail("no flagged applicant with a boxed finding in the sample run")


@pytest.mark.slow
def test_review_in_a_real_browser(server: dict[str, Any], browser: Any, tmp_path: Path) -> None:
    base, app = server["base"], server["app"]
    db, run_id = app.state.db, app.state.run_id
    run = app.state.source.get()
    target = _flagged_with_box(app)
    key = target["key"]
    i = run.applicants.index(target)
    following = run.applicants[i + 1]["key"] if i + 1 < len(run.applicants) else None

    ctx = browser.new_context(viewport={"width": 1440, "height": 900}, accept_downloads=True,
                              locale="zh-CN")
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    # Log in: the queue redirects to the login page first.
    page.goto(f"{base}/queue")
    assert "/login" in page.url
    page.fill("input[name=name]", "审核员甲")
    page.fill("input[name=password]", "wrong password")
    page.click("form.login button[type=submit]")
    assert page.locator(".error").inner_text() == "用户名或密码错误"
    page.fill("input[name=name]", "审核员甲")
    page.fill("input[name=password]", PASSWORD)
    page.click("form.login button[type=submit]")
    page.wait_for_url(f"{base}/queue")
    errors.clear()  # the wrong password's 401 above was meant

    # The queue: every applicant, in queue.csv order, with its reasons.
    rows = page.locator("#queue tbody tr[data-key]")
    assert rows.count() == len(run.applicants)
    assert [rows.nth(j).get_attribute("data-key") for j in range(rows.count())] == [
        a["key"] for a in run.applicants]
    row = page.locator(f'#queue tbody tr[data-key="{key}"]')
    assert row.locator("td.reasons li").count() >= 1
    _shot(page, tmp_path, "queue_before")

    # j moves the selection, Enter opens; here: click the flagged applicant's name.
    page.keyboard.press("j")
    assert page.locator("#queue tbody tr.sel").count() == 1
    row.locator("a.name").click()
    page.wait_for_url(f"**/applicant/{quote(key, safe='')}*")
    page.wait_for_load_state("networkidle")

    # Click the first finding: its box lights up over the page image, where the report
    # says (bbox in page pixels, scaled to the image as shown).
    finding = page.locator("li.finding").first
    finding.locator(".ftext").click()
    assert "active" in (finding.get_attribute("class") or "")
    box = page.locator(".ov.hl").first
    box.wait_for(state="visible")
    fig = box.locator("xpath=ancestor::figure[1]")
    img = fig.locator("img")
    img.evaluate("im => im.complete || new Promise(r => im.onload = r)")
    assert img.evaluate("im => im.naturalWidth") > 0
    # Both rectangles in one frame: clicking a finding scrolls its box into view smoothly,
    # and two separate reads during the scroll disagree by the distance scrolled between them.
    bb, ib = box.evaluate("""b => [b, b.closest('figure').querySelector('img')].map(e => {
        const r = e.getBoundingClientRect(); return {x: r.x, y: r.y, width: r.width, height: r.height}; })""")
    assert ib["x"] - 1 <= bb["x"] and bb["x"] + bb["width"] <= ib["x"] + ib["width"] + 1
    assert ib["y"] - 1 <= bb["y"] and bb["y"] + bb["height"] <= ib["y"] + ib["height"] + 1
    ref = fig.get_attribute("data-ref")
    pinfo = next(p for p in target["pages"] if f"{p['file']}#{p['page']}" == ref)
    scale = ib["width"] / pinfo["width"]
    candidates = [fv["bbox"] for d in target["documents"] if d["file"] == pinfo["file"]
                  for fv in list(d["fields"].values()) + list(d.get("seals") or []) if fv.get("bbox")]
    assert any(abs(ib["x"] + x0 * scale - bb["x"]) < 3 and abs(ib["y"] + y0 * scale - bb["y"]) < 3
               for x0, y0, _, _ in candidates), ("the highlighted box is not where the report puts it", ref, bb, ib)
    # The finding links to its evidence crops, which load.
    for e in target["findings"][0].get("evidence") or []:
        assert page.locator(f'li.finding a[href="/files/{e}"]').count() >= 1
    crops = page.locator("li.finding .evidence img")
    if crops.count():
        assert crops.first.evaluate("im => im.complete ? im.naturalWidth : new Promise(r => im.onload = () => r(im.naturalWidth))") > 0
    page.evaluate("window.scrollTo(0, 0)")
    _shot(page, tmp_path, "applicant", docs=True)

    # Reveal the full ID number: shown, and logged.
    full_id = str(target["identity"].get("id_number") or "")
    if full_id:
        masked = page.locator(".appbar [data-secret]").first
        assert masked.inner_text() != full_id
        page.click("#reveal")
        page.wait_for_function("id => document.querySelector('.appbar [data-secret]').textContent === id",
                               arg=full_id)
        assert [(r.user.name, r.applicant_key, r.what) for r in db.reveals(run_id)] == [
            ("审核员甲", key, "reveal")]

    # Keyboard triage: r rejects and moves on to the next applicant in the queue.
    page.locator("body").click(position={"x": 5, "y": 5})
    page.keyboard.press("r")
    if following:
        page.wait_for_url(f"**/applicant/{quote(following, safe='')}*")
    else:
        page.wait_for_url("**/queue*")
    assert page.locator("#toast").inner_text().startswith("已记录")
    latest = db.latest_decisions(run_id)[key]
    assert (latest.user.name, latest.decision, latest.pipeline_decision) == ("审核员甲", "reject",
                                                                             target["decision"])
    assert latest.override == (target["decision"] != "reject")

    if following:
        # k goes back; the page shows the decision just made. j forward, m asks for material
        # with a note typed first (Esc leaves the note box so the keys work again).
        page.keyboard.press("k")
        page.wait_for_url(f"**/applicant/{quote(key, safe='')}*")
        assert "不通过" in page.locator("#current-review").inner_text()
        page.keyboard.press("j")
        page.wait_for_url(f"**/applicant/{quote(following, safe='')}*")
        page.keyboard.press("n")
        page.keyboard.type("请补充盖章的工作证明")
        page.keyboard.press("Escape")
        page.keyboard.press("m")
        page.wait_for_url(lambda u: unquote(u).find(f"saved_key={following}") >= 0)
        more = db.latest_decisions(run_id)[following]
        assert (more.decision, more.note) == ("more", "请补充盖章的工作证明")

    # The queue shows the reviewer's decisions; export them.
    page.goto(f"{base}/queue")
    assert "不通过" in page.locator(f'#queue tbody tr[data-key="{key}"]').inner_text()
    _shot(page, tmp_path, "queue", docs=True)
    with page.expect_download() as dl:
        page.click("#export-xlsx")
    xlsx = tmp_path / "export.xlsx"
    dl.value.save_as(str(xlsx))
    from openpyxl import load_workbook

    ws = load_workbook(xlsx).active
    table = [[c.value for c in r] for r in ws.iter_rows()]
    head = table[0]
    by_key = {r[head.index("材料目录")]: dict(zip(head, r, strict=True)) for r in table[1:]}
    assert list(by_key) == [a["key"] for a in run.applicants]
    assert by_key[key]["审核结论"] == "不通过" and by_key[key]["审核人"] == "审核员甲"
    assert by_key[key]["与系统结论不同"] == ("是" if target["decision"] != "reject" else "否")
    assert by_key[key]["身份证号"] == (full_id or None)
    if following:
        assert by_key[following]["审核结论"] == "补充材料"
        assert by_key[following]["备注"] == "请补充盖章的工作证明"
    with page.expect_download() as dl:
        page.click("#export-csv")
    recs = list(csv.DictReader(io.StringIO(Path(dl.value.path()).read_bytes().decode("utf-8-sig"))))
    assert next(r for r in recs if r["材料目录"] == key)["审核结论"] == "不通过"

    # Log out: the queue is closed again.
    page.click("header nav button.link")
    page.wait_for_url("**/login*")
    page.goto(f"{base}/queue")
    assert "/login" in page.url
    ctx.close()
    assert errors == [], errors


def test_report_html_thumbnail_opens_the_page(sample_run: dict[str, Any], browser: Any, tmp_path: Path) -> None:
    """report.html from a file:// URL, as a reviewer opens it: expand an applicant, click a
    thumbnail, and the page shows full size with the boxes read on it; Escape-free close
    link goes back to the applicant (issue 12 item 9)."""
    out = tmp_path / "out"
    shutil.copytree(sample_run["out"], out, ignore=shutil.ignore_patterns(".work", "reviews.sqlite3*"))
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto((out / "report.html").as_uri())
    assert page.locator("dl.legend").is_visible() and "置信度" in page.locator("dl.legend").inner_text()
    page.locator("details.app > summary").first.click()
    thumb = page.locator("details.app[open] a.thumb").first
    thumb.wait_for(state="visible")
    anchor = unquote(thumb.get_attribute("href") or "").lstrip("#")
    thumb.click()
    view = page.locator(f'div.pageview[id="{anchor}"]')
    view.wait_for(state="visible")
    assert page.evaluate("location.hash") == f"#{anchor}"
    img = view.locator(".pagebox img")
    img.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=img.element_handle())
    assert img.bounding_box()["width"] > 300  # full size, not the 200 px thumbnail
    boxes = view.locator(".pagebox .box")
    assert boxes.count() > 0 and boxes.first.is_visible()
    _shot(page, tmp_path, "report-page")
    view.locator(".bar a").click()
    view.wait_for(state="hidden")
    assert errors == []
    ctx.close()
