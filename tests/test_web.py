"""The reviewers' web UI over a real run's outputs (the session's `sample_run`), through
FastAPI's TestClient: access rules, decisions, reveal log, file serving and export."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("httpx")

from fastapi.testclient import TestClient  # noqa: E402
from starlette.routing import Mount  # noqa: E402

from pipeline.web import auth  # noqa: E402
from pipeline.web.app import COOKIE, create_app  # noqa: E402
from pipeline.web.db import Database  # noqa: E402

PASSWORD = "correct horse 9"


def copy_out(src: Path, dest: Path) -> Path:
    """A writable copy of a run's outputs without the OCR cache."""
    shutil.copytree(src, dest, ignore=shutil.ignore_patterns(".work", "reviews.sqlite3*"))
    return dest


@pytest.fixture(autouse=True)
def _private_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Default databases in a temporary data folder, never the real home; and the
    scrypt cost of before issue 12 (the current one is tested in test_web_security),
    so the many logins here stay quick on a small machine."""
    monkeypatch.setenv("CERTRIAGE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setattr(auth, "SCRYPT_N", 2**14)


@pytest.fixture(scope="module")
def out_dir(sample_run: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_out(sample_run["out"], tmp_path_factory.mktemp("web") / "out")


@pytest.fixture()
def app(out_dir: Path, tmp_path: Path):  # type: ignore[no-untyped-def]
    """A fresh database per test, two reviewers."""
    app = create_app(str(out_dir), f"sqlite:///{tmp_path / 'reviews.sqlite3'}")
    db: Database = app.state.db
    db.add_user("alice", auth.hash_password(PASSWORD))
    db.add_user("bob", auth.hash_password(PASSWORD + "b"))
    return app


def login(client: TestClient, name: str = "alice", password: str = PASSWORD) -> str:
    """Logs in; returns the session's CSRF token (read from the queue page)."""
    r = client.post("/login", data={"name": name, "password": password, "next": "/queue"},
                    follow_redirects=False)
    assert r.status_code == 303, r.text
    page = client.get("/queue")
    assert page.status_code == 200
    m = re.search(r'data-csrf="([^"]+)"', page.text)
    assert m
    return m.group(1)


def flagged(app: Any) -> dict[str, Any]:
    """The riskiest applicant with a finding that has evidence crops."""
    for a in app.state.source.get().applicants:
        if any(f.get("evidence") for f in a["findings"]):
            return a
    pytest.fail("the sample run has no applicant with evidence: the fixture batch changed")


def some_image(app: Any) -> str:
    return sorted(k for k in app.state.source.get().files if k.startswith("pages/"))[0]


# ---------------------------------------------------------------- auth


def test_password_hashes_are_salted_scrypt() -> None:
    h1, h2 = auth.hash_password("s3cret-pass"), auth.hash_password("s3cret-pass")
    assert h1 != h2 and h1.startswith("scrypt$")
    assert auth.verify_password("s3cret-pass", h1) and auth.verify_password("s3cret-pass", h2)
    assert not auth.verify_password("s3cret-pasS", h1)
    assert not auth.verify_password("x", "garbage") and not auth.verify_password("x", "scrypt$1$2")


def test_sessions_are_server_side_and_expire(app: Any) -> None:
    db: Database = app.state.db
    user = db.user_by_name("alice")
    assert user is not None
    token = auth.new_token()
    assert token != auth.new_token() and len(token) >= 40
    digest = auth.token_digest(token)
    assert digest != token and len(digest) == 64
    row = db.create_session(user.id, digest, "csrf-token", max_age_s=60)
    found = db.session_user(digest)
    assert found is not None and found[0].csrf == "csrf-token" and found[1].name == "alice"
    assert db.session_user(auth.token_digest(token + "x")) is None
    assert row.expires_at > row.created_at
    db.create_session(user.id, auth.token_digest("old"), "c", max_age_s=-1)
    assert db.session_user(auth.token_digest("old")) is None  # expired
    client = TestClient(app)
    client.cookies.set(COOKIE, token)
    assert client.get("/queue", follow_redirects=False).status_code == 200
    db.revoke_session(digest)
    assert client.get("/queue", follow_redirects=False).status_code == 401


def _route_paths(app: Any, key: str, image: str) -> list[tuple[str, str]]:
    """Every (method, path) the app serves, with real path parameters."""
    out = []
    for r in app.routes:
        if isinstance(r, Mount):
            continue
        path = r.path.replace("{key}", quote(key, safe="")).replace("{path:path}", image)
        for m in sorted(r.methods - {"HEAD"}):
            out.append((m, path))
    return out


def test_every_route_needs_login(app: Any) -> None:
    client = TestClient(app)
    a = flagged(app)
    routes = _route_paths(app, a["key"], some_image(app))
    assert len(routes) >= 10
    checked = 0
    public = {("GET", "/login"), ("POST", "/login")}
    assert public <= set(routes)
    for method, path in routes:
        if (method, path) in public:
            continue
        r = client.request(method, path, headers={"accept": "text/html"}, follow_redirects=False,
                           data={"decision": "approve", "csrf": "x"} if method == "POST" else None)
        if method == "GET" and not path.startswith(("/files/", "/export")):
            assert r.status_code == 303, (method, path, r.status_code)
            assert r.headers["location"].startswith("/login?next="), path
        else:
            assert r.status_code == 401, (method, path, r.status_code)
        checked += 1
    # Non-page requests are refused with 401 even for GETs that ask for HTML.
    assert client.get(f"/files/{some_image(app)}").status_code == 401
    assert client.get("/export.xlsx").status_code == 401
    assert checked == len(routes) - len(public)
    # The login page and static assets are public.
    assert client.get("/login").status_code == 200
    assert client.get("/static/app.css").status_code == 200
    # A forged cookie is no session.
    client.cookies.set(COOKIE, "eyJ1IjoxfQ.AAAA")
    assert client.get("/queue", follow_redirects=False).status_code == 401


def test_login_wrong_password_and_cookie_flags(app: Any) -> None:
    client = TestClient(app)
    r = client.post("/login", data={"name": "alice", "password": "wrong-password"}, follow_redirects=False)
    assert r.status_code == 401 and "用户名或密码错误" in r.text
    assert COOKIE not in r.headers.get("set-cookie", "")
    r = client.post("/login", data={"name": "mallory", "password": PASSWORD}, follow_redirects=False)
    assert r.status_code == 401
    # Guessing: three free tries, then a growing wait for this client and name, during
    # which even the right password waits (throttle details: test_web_security).
    for _ in range(3):
        assert client.post("/login", data={"name": "bob", "password": "guess"}).status_code == 401
    assert client.post("/login", data={"name": "bob", "password": PASSWORD + "b"}).status_code == 200
    codes = [client.post("/login", data={"name": "bob", "password": "guess"}).status_code for _ in range(5)]
    assert codes[:4] == [401] * 4 and codes[4] == 429
    r = client.post("/login", data={"name": "bob", "password": PASSWORD + "b"}, follow_redirects=False)
    assert r.status_code == 429 and COOKIE not in r.headers.get("set-cookie", "")
    # Bob on his own machine is not locked out by the guesses.
    r = TestClient(app, client=("192.0.2.10", 1234)).post(
        "/login", data={"name": "bob", "password": PASSWORD + "b"}, follow_redirects=False)
    assert r.status_code == 303
    r = client.post("/login", data={"name": "alice", "password": PASSWORD, "next": "https://evil.example/"},
                    follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/queue"  # no open redirect
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "secure" not in cookie
    # Over https the cookie is Secure.
    secure = TestClient(app, base_url="https://testserver")
    r = secure.post("/login", data={"name": "alice", "password": PASSWORD}, follow_redirects=False)
    assert "secure" in r.headers["set-cookie"].lower()


def test_logout_and_password_change_end_the_session(app: Any) -> None:
    client = TestClient(app)
    csrf = login(client)
    assert client.post("/logout", data={"csrf": "wrong"}).status_code == 403
    r = client.post("/logout", data={"csrf": csrf}, follow_redirects=False)
    assert r.status_code == 303
    assert client.get("/queue", follow_redirects=False).status_code == 401
    login(client)
    app.state.db.add_user("alice", auth.hash_password("a new password"), replace=True)
    assert client.get("/queue", follow_redirects=False).status_code == 401


def test_post_from_another_site_is_refused(app: Any) -> None:
    client = TestClient(app)
    csrf = login(client)
    key = quote(flagged(app)["key"], safe="")
    r = client.post(f"/applicant/{key}/decision", data={"decision": "approve", "csrf": csrf},
                    headers={"origin": "https://evil.example"})
    assert r.status_code == 403
    r = client.post(f"/applicant/{key}/decision", data={"decision": "approve", "csrf": csrf},
                    headers={"referer": "https://evil.example/page"})
    assert r.status_code == 403
    r = client.post(f"/applicant/{key}/decision", data={"decision": "approve"})
    assert r.status_code == 403  # no CSRF token
    assert app.state.db.latest_decisions(app.state.run_id) == {}


# ---------------------------------------------------------------- privacy


def test_reveal_needs_login_and_token_and_is_logged(app: Any) -> None:
    a = flagged(app)
    key = quote(a["key"], safe="")
    full_id = a["identity"]["id_number"]
    anon = TestClient(app)
    r = anon.post(f"/applicant/{key}/reveal", headers={"x-csrf-token": "x"})
    assert r.status_code == 401 and full_id not in r.text

    client = TestClient(app)
    csrf = login(client)
    page = client.get(f"/applicant/{key}").text
    assert full_id not in page  # masked until revealed
    assert full_id[:4] + "*" * 10 + full_id[-4:] in page
    phones = [f["value"] for d in a["documents"] for k, f in d["fields"].items() if k == "phone"]
    for p in phones:
        assert str(p) not in page
    assert client.post(f"/applicant/{key}/reveal").status_code == 403  # token missing
    assert app.state.db.reveals(app.state.run_id) == []

    r = client.post(f"/applicant/{key}/reveal", headers={"x-csrf-token": csrf})
    assert r.status_code == 200
    values = r.json()["values"]
    assert full_id in values and all(str(p) in values for p in phones)
    # Every masked cell of the page has its value at its index.
    idx = {int(i) for i in re.findall(r'data-secret="(\d+)"', page)}
    assert idx and max(idx) < len(values)
    log = app.state.db.reveals(app.state.run_id)
    assert [(x.user.name, x.applicant_key, x.what) for x in log] == [("alice", a["key"], "reveal")]
    assert log[0].at is not None


def _quoted_ids(a: dict[str, Any]) -> list[str]:
    """ID numbers a finding of the applicant quotes as expected or found."""
    from pipeline.messages import ID_IN_TEXT

    return [str(v) for f in a["findings"] for v in (f.get("expected"), f.get("found"))
            if v and ID_IN_TEXT.fullmatch(str(v))]


def test_queue_masks_ids(app: Any) -> None:
    client = TestClient(app)
    login(client)
    page = client.get("/queue").text
    apps = app.state.source.get().applicants
    quoted = [v for a in apps for v in _quoted_ids(a)]
    assert quoted, "the sample run's planted ID_NUMBER_MISMATCH quotes no number: the fixture batch changed"
    for a in apps:
        ident = a.get("identity") or {}
        if ident.get("id_number"):
            assert ident["id_number"] not in page
    for v in quoted:  # a finding's words quote both numbers: masked in the queue's reasons
        assert v not in page and v[:4] + "*" * 10 + v[-4:] in page


def test_numbers_a_finding_quotes_are_masked_until_revealed(app: Any) -> None:
    a = next((x for x in app.state.source.get().applicants if _quoted_ids(x)), None)
    assert a is not None, "no finding quotes an ID number: the fixture batch changed"
    key = quote(a["key"], safe="")
    client = TestClient(app)
    csrf = login(client)
    page = client.get(f"/applicant/{key}").text
    values = client.post(f"/applicant/{key}/reveal", headers={"x-csrf-token": csrf}).json()["values"]
    for v in _quoted_ids(a):
        assert v not in page
        # the masked number sits in a span whose index the reveal answers with the number
        m = re.search(r'data-secret="(\d+)">' + re.escape(v[:4] + "*" * 10 + v[-4:]) + "<", page)
        assert m and values[int(m.group(1))] == v


def test_files_only_inside_the_run(app: Any, out_dir: Path) -> None:
    client = TestClient(app)
    login(client)
    good = some_image(app)
    r = client.get(f"/files/{good}")
    assert r.status_code == 200 and r.content[:2] == b"\xff\xd8"
    assert r.headers["content-type"] == "image/jpeg"
    evidence = sorted(k for k in app.state.source.get().files if k.startswith("evidence/"))
    assert evidence and client.get(f"/files/{evidence[0]}").status_code == 200

    secret = out_dir.parent / "secret.txt"
    secret.write_text("TOP-SECRET", encoding="utf-8")
    page_dir = good.rsplit("/", 1)[0]
    attempts = [
        "/files/../secret.txt",
        f"/files/{page_dir}/../../../secret.txt",
        "/files/pages/%2e%2e/%2e%2e/secret.txt",
        "/files/pages/%2E%2E/%2E%2E/secret.txt",
        "/files/evidence/..%2f..%2fsecret.txt",
        "/files/evidence/%2e%2e%2f%2e%2e%2fsecret.txt",
        "/files/pages/..%5c..%5csecret.txt",
        f"/files/{secret}",
        f"/files//{secret}",
        f"/files/%2F{str(secret).lstrip('/')}",
        "/files/%2fetc%2fpasswd",
        "/files//etc/passwd",
        "/files/file:///etc/passwd",
        "/files/report.json",  # inside the run, but not a page image or evidence
        "/files/reviews.sqlite3",
        "/files/pages/",
        f"/files/{good}%00.txt",
    ]
    from pipeline.web.data import safe_key

    # The key check itself, before any store sees a key (and whatever the client sends).
    for key in ("../secret.txt", "pages/../../secret.txt", "pages/./x.jpg", "/etc/passwd",
                "pages//x.jpg", "pages\\..\\x.jpg", "report.json", "c:/x", "pages/x\x00.jpg", ""):
        assert safe_key(key) is None, key
    assert safe_key(good) == good
    for path in attempts:
        r = client.get(path)
        assert r.status_code in (400, 404), (path, r.status_code)
        assert b"TOP-SECRET" not in r.content and b"root:" not in r.content
        assert b"applicants" not in r.content


# ---------------------------------------------------------------- pages


def test_queue_order_counts_filters_and_search(app: Any, out_dir: Path) -> None:
    client = TestClient(app)
    login(client)
    page = client.get("/queue").text
    keys = re.findall(r'<tr data-href="[^"]*" data-key="([^"]+)"', page)
    with (out_dir / "queue.csv").open(encoding="utf-8-sig", newline="") as fh:
        csv_keys = [row["材料目录"] for row in csv.DictReader(fh)]
    assert keys == csv_keys  # same order as queue.csv
    run = app.state.source.get()
    for d in ("reject", "review", "pass"):
        n = sum(1 for a in run.applicants if a["decision"] == d)
        assert re.search(rf'data-count="{d}"[^>]*>[^<]*<code>{d}</code> <b>{n}</b>', page), d

    a = flagged(app)
    code = a["findings"][0]["code"]
    sub = client.get("/queue", params={"code": code}).text
    sub_keys = re.findall(r'data-key="([^"]+)"', sub)
    assert a["key"] in sub_keys
    assert all(any(f["code"] == code for f in run.by_key[k]["findings"]) for k in sub_keys)
    by_decision = re.findall(r'data-key="([^"]+)"', client.get("/queue", params={"decision": "pass"}).text)
    assert by_decision == [x["key"] for x in run.applicants if x["decision"] == "pass"]

    name, id_number = a["identity"]["name"], a["identity"]["id_number"]
    assert a["key"] in re.findall(r'data-key="([^"]+)"', client.get("/queue", params={"q": name}).text)
    # The search sees only what the queue shows: the ID's first and last 4, not the rest.
    hits = re.findall(r'data-key="([^"]+)"', client.get("/queue", params={"q": id_number[-4:]}).text)
    assert a["key"] in hits
    assert re.findall(r'data-key="([^"]+)"', client.get("/queue", params={"q": id_number}).text) == []
    assert "没有符合条件的申请人" in client.get("/queue", params={"q": "无此人XYZ"}).text
    # Top reasons in words, not codes.
    from pipeline.web.data import reason_text

    assert reason_text(a["findings"][0]).split("（")[0] in page


def test_applicant_page_overlays_fields_and_findings(app: Any) -> None:
    client = TestClient(app)
    login(client)
    a = flagged(app)
    r = client.get(f"/applicant/{quote(a['key'], safe='')}")
    assert r.status_code == 200
    page = r.text
    # One figure per page, each with its image from /files/.
    assert page.count('<figure class="page"') == len(a["pages"])
    for p in a["pages"]:
        if p["image"]:
            assert f'/files/{p["image"]}' in page
    # Field boxes in percent of the page; a finding's evidence box is linked to it.
    boxes = re.findall(r'class="ov ov-(\w+)[^"]*" style="left:([\d.]+)%;top:([\d.]+)%;width:([\d.]+)%;'
                       r'height:([\d.]+)%" data-findings="([\d ]*)"', page)
    assert any(k == "field" for k, *_ in boxes)
    for _, *nums, _ in boxes:
        left, top, w, h = map(float, nums)
        assert 0 <= left <= 100 and 0 <= top <= 100 and left + w <= 100.01 and top + h <= 100.01
    linked = [b for b in boxes if b[5].strip()] + re.findall(r'<figure class="page"[^>]*data-findings="\d', page)
    assert linked, "no overlay or page is tied to a finding"
    for f in a["findings"]:
        assert f["code"] in page
        for e in f["evidence"]:
            assert f'href="/files/{e}"' in page
    # Fields with their confidence; a low one is marked.
    conf = [fv["confidence"] for d in a["documents"] for fv in d["fields"].values()]
    assert f"{conf[0]:.2f}" in page
    assert ('<tr class="low">' in page) == any(c < 0.6 for c in conf)
    assert "审核结论" in page and 'data-key="r"' in page


def test_unknown_applicant_is_404(app: Any) -> None:
    client = TestClient(app)
    login(client)
    assert client.get("/applicant/nobody").status_code == 404
    csrf = login(client)
    assert client.post("/applicant/nobody/decision", data={"decision": "approve", "csrf": csrf}).status_code == 404


# ---------------------------------------------------------------- decisions and export


def test_decisions_are_appended_with_who_when_and_override(app: Any) -> None:
    run = app.state.source.get()
    a = flagged(app)
    key = quote(a["key"], safe="")
    client = TestClient(app)
    csrf = login(client)
    r = client.post(f"/applicant/{key}/decision", data={"decision": "reject", "note": "照片不合格", "csrf": csrf},
                    follow_redirects=False)
    assert r.status_code == 303
    nxt = run.applicants[run.applicants.index(a) + 1]["key"] if a is not run.applicants[-1] else None
    if nxt:
        assert r.headers["location"].startswith(f"/applicant/{quote(nxt, safe='')}?")
    assert client.post(f"/applicant/{key}/decision", data={"decision": "maybe", "csrf": csrf}).status_code == 422

    other = TestClient(app)
    csrf_b = login(other, "bob", PASSWORD + "b")
    expected_for = {"reject": "reject", "approve": "pass", "more": "review"}
    r = other.post(f"/applicant/{key}/decision", data={"decision": "approve", "csrf": csrf_b},
                   follow_redirects=False)
    assert r.status_code == 303
    hist = app.state.db.history(app.state.run_id, a["key"])
    assert [(h.user.name, h.decision, h.note) for h in hist] == [("bob", "approve", ""),
                                                                 ("alice", "reject", "照片不合格")]
    for h in hist:
        assert h.pipeline_decision == a["decision"]
        assert h.override == (expected_for[h.decision] != a["decision"])
        assert h.decided_at is not None
    assert hist[0].decided_at >= hist[1].decided_at
    assert app.state.db.latest_decisions(app.state.run_id)[a["key"]].decision == "approve"
    # The page shows the history and the current decision.
    page = client.get(f"/applicant/{key}").text
    assert "审核记录 2 条" in page and "照片不合格" in page


def test_export_xlsx_and_csv_carry_the_decisions(app: Any) -> None:
    from openpyxl import load_workbook

    run = app.state.source.get()
    a = flagged(app)
    client = TestClient(app)
    csrf = login(client)
    client.post(f"/applicant/{quote(a['key'], safe='')}/decision",
                data={"decision": "more", "note": "请补充盖章的工作证明", "csrf": csrf})

    r = client.get("/export.xlsx")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in r.headers["content-disposition"]
    ws = load_workbook(io.BytesIO(r.content)).active
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    head = rows[0]
    # The notice's table (gd-supervisor: the contract's roster columns) in its order, then
    # the verdict, then the review: the same table as the CLI's queue.xlsx.
    assert head == ["序号", "姓名", "性别", "身份证号", "出生日期", "民族", "政治面貌", "文化程度", "工作年限",
                    "电子邮箱", "从事职业", "申报职业", "联系方式", "工作单位", "通讯地址", "材料目录",
                    "系统结论", "风险", "置信度", "问题", "审核结论", "审核人", "审核时间", "备注", "与系统结论不同"]
    assert len(rows) == 1 + len(run.applicants)
    assert [r_[head.index("材料目录")] for r_ in rows[1:]] == [x["key"] for x in run.applicants]
    row = next(r_ for r_ in rows[1:] if r_[head.index("材料目录")] == a["key"])
    cell = dict(zip(head, row, strict=True))
    assert cell["审核结论"] == "补充材料" and cell["审核人"] == "alice"
    assert cell["备注"] == "请补充盖章的工作证明"
    assert cell["与系统结论不同"] == ("否" if a["decision"] == "review" else "是")
    assert re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$", cell["审核时间"])
    assert cell["身份证号"] == a["identity"]["id_number"]  # as text, all 18 characters
    assert ws.cell(1 + rows[1:].index(row) + 1, head.index("身份证号") + 1).number_format == "@"
    undecided = [r_ for r_ in rows[1:] if r_[head.index("材料目录")] != a["key"]]
    assert all(r_[head.index("审核结论")] in (None, "") for r_ in undecided)

    r = client.get("/export.csv")
    assert r.status_code == 200 and r.content.startswith(b"\xef\xbb\xbf")
    recs = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert [x["材料目录"] for x in recs] == [x["key"] for x in run.applicants]
    rec = next(x for x in recs if x["材料目录"] == a["key"])
    assert rec["审核结论"] == "补充材料" and rec["审核人"] == "alice"
    # Exports hold full ID numbers: each one is logged.
    what = [x.what for x in app.state.db.reveals(app.state.run_id)]
    assert what == ["export.xlsx", "export.csv"]


# ---------------------------------------------------------------- storage and CLI


def test_default_database_is_kept_outside_the_outputs(out_dir: Path, tmp_path: Path) -> None:
    out = copy_out(out_dir, tmp_path / "run")
    app = create_app(str(out))
    assert not (out / "reviews.sqlite3").exists()
    assert app.state.db.url.startswith(f"sqlite:///{(tmp_path / 'data').resolve()}/reviews-")
    app.state.db.add_user("carol", auth.hash_password(PASSWORD))
    client = TestClient(app)
    login(client, "carol")
    assert client.get("/files/reviews.sqlite3").status_code == 404


def test_serve_reads_through_the_store(out_dir: Path, tmp_path: Path, s3_bucket: str) -> None:
    """`serve s3://…`: the same app over the outputs uploaded to an S3 server."""
    from pipeline.storage.s3 import S3Store

    store = S3Store(s3_bucket, "runs/one/")
    for p in sorted(out_dir.rglob("*")):
        if p.is_file():
            store.upload(p, p.relative_to(out_dir).as_posix())
    app = create_app(f"s3://{s3_bucket}/runs/one/", f"sqlite:///{tmp_path / 'r.sqlite3'}")
    app.state.db.add_user("alice", auth.hash_password(PASSWORD))
    client = TestClient(app)
    login(client)
    a = flagged(app)
    assert client.get(f"/applicant/{quote(a['key'], safe='')}").status_code == 200
    img = client.get(f"/files/{some_image(app)}")
    assert img.status_code == 200 and img.content == (out_dir / some_image(app)).read_bytes()
    assert client.get("/files/pages/%2e%2e/report.json").status_code == 404
    assert client.get("/export.csv").status_code == 200


def test_cli_users_add_and_list(out_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                capsys: pytest.CaptureFixture[str]) -> None:
    from pipeline.cli import main

    url = f"sqlite:///{tmp_path / 'u.sqlite3'}"
    monkeypatch.setattr("sys.stdin", io.StringIO("a long password\n"))
    assert main(["users", "add", "dana", "--db", url, "--password-stdin"]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("a long password\n"))
    assert main(["users", "add", "dana", "--db", url, "--password-stdin"]) == 2  # exists
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert main(["users", "add", "erin", "--db", url, "--password-stdin"]) == 2
    assert main(["users", "add", "erin", "--password-stdin"]) == 2  # no database named
    capsys.readouterr()
    assert main(["users", "list", "--db", url]) == 0
    assert capsys.readouterr().out.startswith("dana\tactive")
    user = Database(url).user_by_name("dana")
    assert user is not None and auth.verify_password("a long password", user.password_hash)
    # --dir: the out dir's default database, the one `serve` opens.
    run = copy_out(out_dir, tmp_path / "run")
    monkeypatch.setattr("sys.stdin", io.StringIO("a long password\n"))
    assert main(["users", "add", "dana", "--dir", str(run), "--password-stdin"]) == 0
    client = TestClient(create_app(str(run)))
    login(client, "dana", "a long password")


def test_report_json_is_read_again_after_a_rerun(out_dir: Path, tmp_path: Path) -> None:
    out = copy_out(out_dir, tmp_path / "run")
    app = create_app(str(out), f"sqlite:///{tmp_path / 'r.sqlite3'}", reload_s=0)
    app.state.db.add_user("alice", auth.hash_password(PASSWORD))
    client = TestClient(app)
    login(client)
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    report["applicants"] = report["applicants"][:1]
    (out / "report.json").write_text(json.dumps(report, ensure_ascii=False), encoding="utf-8")
    keys = re.findall(r'data-key="([^"]+)"', client.get("/queue").text)
    assert keys == [report["applicants"][0]["key"]]


def test_roster_row_and_org_filings_when_the_report_has_them(out_dir: Path, tmp_path: Path) -> None:
    """report.json has no roster rows yet; when the pipeline adds `applicants[].roster`
    the applicant page and the export use it, and org filings get the filing columns."""
    out = copy_out(out_dir, tmp_path / "run")
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    a = report["applicants"][0]
    a["roster"] = {"姓名": "汇总表里的名字", "身份证号": a["identity"].get("id_number") or "", "民族": "回",
                   "工作单位": "<script>alert(1)</script>"}
    (out / "report.json").write_text(json.dumps(report, ensure_ascii=False), encoding="utf-8")
    app = create_app(str(out), f"sqlite:///{tmp_path / 'r.sqlite3'}")
    app.state.db.add_user("alice", auth.hash_password(PASSWORD))
    client = TestClient(app)
    login(client)
    page = client.get(f"/applicant/{quote(a['key'], safe='')}").text
    assert "汇总表" in page and "汇总表里的名字" in page and 'class="differs"' in page
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page  # user data is escaped
    recs = list(csv.DictReader(io.StringIO(client.get("/export.csv").content.decode("utf-8-sig"))))
    rec = next(r for r in recs if r["材料目录"] == a["key"])
    assert rec["姓名"] == "汇总表里的名字" and rec["民族"] == "回"

    report["profile"] = "gd-org-filing"
    (out / "report.json").write_text(json.dumps(report, ensure_ascii=False), encoding="utf-8")
    org = create_app(str(out), f"sqlite:///{tmp_path / 'r.sqlite3'}")
    client = TestClient(org)
    login(client)
    head = next(csv.reader(io.StringIO(client.get("/export.csv").content.decode("utf-8-sig"))))
    assert head[:12] == ["序号", "机构名称", "统一社会信用代码", "法定代表人", "注册地址", "机构类型", "申报职业", "材料目录",
                         "系统结论", "风险", "置信度", "问题"]  # the filing table, as queue.xlsx
    assert head[-5:] == ["审核结论", "审核人", "审核时间", "备注", "与系统结论不同"]
