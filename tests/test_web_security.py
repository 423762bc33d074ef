"""Attacks on `certriage serve` that worked before issue 12 (items 13-18), replayed on a
small hand-made run (no OCR needed): parallel password guessing and the lockout, forged
and revoked sessions, where the database lives and its mode, recovering a masked ID by
search, a symlink to the database, a malformed report.json, and Origin schemes."""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import os
import re
import stat
import threading
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("httpx")

from fastapi.testclient import TestClient  # noqa: E402
from PIL import Image  # noqa: E402

from pipeline.web import auth  # noqa: E402
from pipeline.web.app import COOKIE, create_app  # noqa: E402
from pipeline.web.db import Database, Setting, default_db_url  # noqa: E402

PASSWORD = "correct horse 9"
ID_A = "44010619900101123X"
ID_B = "510105198503157788"


def sqlite_path(url: str) -> Path:
    return Path(url.split(":///", 1)[1])


def _jpeg() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (40, 60), (200, 200, 200)).save(buf, "JPEG")
    return buf.getvalue()


def _applicant(key: str, name: str, id_number: str, image: str) -> dict[str, Any]:
    file = f"{key}/身份证.jpg"
    return {
        "key": key, "decision": "review", "risk": 0.5, "confidence": 0.8,
        "identity": {"name": name, "id_number": id_number},
        "findings": [{"code": "ID_NUMBER_MISMATCH", "severity": "error", "message": "身份证号不一致",
                      "documents": [f"{file}#1"], "evidence": []}],
        "documents": [{"file": file, "type": "id_card", "type_confidence": 0.9, "pages": [1],
                       "fields": {"id_number": {"value": id_number, "confidence": 0.9, "page": 1,
                                                "bbox": [1, 1, 30, 10]}}, "seals": []}],
        "pages": [{"file": file, "page": 1, "image": image, "width": 40, "height": 60}],
    }


def make_run(out: Path) -> Path:
    """An out folder with a two-applicant report.json and its page images."""
    (out / "pages").mkdir(parents=True)
    (out / "pages" / "a.jpg").write_bytes(_jpeg())
    (out / "pages" / "b.jpg").write_bytes(_jpeg())
    report = {"profile": "gd-supervisor", "batch_date": "2024-12-01",
              "stats": {"applicants": 2, "files": 2}, "findings": [],
              "applicants": [_applicant("001_张三", "张三", ID_A, "pages/a.jpg"),
                             _applicant("002_李四", "李四", ID_B, "pages/b.jpg")]}
    (out / "report.json").write_text(json.dumps(report, ensure_ascii=False), encoding="utf-8")
    return out


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Default databases go to a temporary data folder, never the real home."""
    d = tmp_path / "data"
    monkeypatch.setenv("CERTRIAGE_DATA_DIR", str(d))
    return d


@pytest.fixture()
def out(tmp_path: Path) -> Path:
    return make_run(tmp_path / "out")


@pytest.fixture()
def app(out: Path, tmp_path: Path) -> Any:
    app = create_app(str(out), f"sqlite:///{tmp_path / 'reviews.sqlite3'}", reload_s=0)
    app.state.db.add_user("alice", auth.hash_password(PASSWORD))
    return app


def login(client: TestClient, name: str = "alice", password: str = PASSWORD) -> str:
    r = client.post("/login", data={"name": name, "password": password}, follow_redirects=False)
    assert r.status_code == 303, (r.status_code, r.text[:300])
    m = re.search(r'data-csrf="([^"]+)"', client.get("/queue").text)
    assert m
    return m.group(1)


def queue_keys(client: TestClient, **params: str) -> list[str]:
    return re.findall(r'data-key="([^"]+)"', client.get("/queue", params=params).text)


# ---------------------------------------------------------------- 13: login throttle


@pytest.mark.slow
def test_parallel_guesses_are_throttled_without_locking_the_user_out(app: Any) -> None:
    attacker = TestClient(app, client=("203.0.113.7", 40000))
    codes: list[int] = []
    lock = threading.Lock()
    start = threading.Barrier(20)

    def guess(i: int) -> None:
        start.wait()
        r = attacker.post("/login", data={"name": "alice", "password": f"guess-{i}"},
                          follow_redirects=False)
        with lock:
            codes.append(r.status_code)

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(set(codes)) == [401, 429], codes
    checked = codes.count(401)
    assert checked <= app.state.throttle.free + 1, codes  # not all 20 were hashed
    # The right password from the guessing client must wait too ...
    r = attacker.post("/login", data={"name": "alice", "password": PASSWORD}, follow_redirects=False)
    assert r.status_code == 429 and COOKIE not in r.headers.get("set-cookie", "")
    assert int(r.headers["retry-after"]) >= 1 and "秒后再试" in r.text
    # ... but the real user, from their own machine, is not locked out.
    user = TestClient(app, client=("198.51.100.20", 50000))
    login(user)


def test_backoff_grows_per_client_and_name() -> None:
    t = auth.LoginThrottle(free=3, base_s=2.0, max_s=300.0)
    now = 1000.0
    for _ in range(3):
        assert t.begin("c", "alice", now) == 0  # three free tries
    assert t.begin("c", "alice", now) == 0  # the 4th is checked and starts a 2 s wait
    # A try during the wait is refused unchecked and doubles it (5th failure: 4 s).
    assert t.begin("c", "alice", now + 1) == pytest.approx(4.0)
    assert t.begin("c", "alice", now + 5.5) == 0  # the 6th, after the wait: next 8 s
    assert t.begin("c", "alice", now + 6.0) == pytest.approx(16.0)
    # Other clients and other names are not affected.
    assert t.begin("other-client", "alice", now + 6.0) == 0
    assert t.begin("c", "bob", now + 6.0) == 0
    assert t.delay(30) == 300.0
    t.succeeded("c", "alice")
    assert t.begin("c", "alice", now + 6.0) == 0


# ---------------------------------------------------------------- 14: sessions


def _old_style_cookie(secret: str, user_id: int) -> str:
    """A cookie as the old signed-cookie scheme made them, from the key in the database."""
    key = hashlib.sha256(b"certriage-session\0" + secret.encode("utf-8")).digest()

    def b64(b: bytes) -> str:
        return base64.urlsafe_b64encode(b).decode("ascii").rstrip("=")

    import time

    body = b64(json.dumps({"u": user_id, "c": "x", "v": "anything", "t": int(time.time())},
                          separators=(",", ":")).encode("utf-8"))
    return f"{body}.{b64(hmac.new(key, body.encode('ascii'), hashlib.sha256).digest())}"


def test_a_cookie_forged_with_the_database_key_is_refused(app: Any, out: Path) -> None:
    db: Database = app.state.db
    with db.session() as s:  # whatever key an old database held, it makes no session
        s.merge(Setting(key="session_secret", value="k" * 64))
    user = db.user_by_name("alice")
    assert user is not None
    forged = _old_style_cookie("k" * 64, user.id)
    client = TestClient(app)
    client.cookies.set(COOKIE, forged)
    assert client.get("/queue", follow_redirects=False).status_code == 401
    r = client.post("/applicant/001_%E5%BC%A0%E4%B8%89/reveal", headers={"x-csrf-token": "x"})
    assert r.status_code == 401 and ID_A not in r.text
    # Reopening the database drops the old signing key altogether.
    again = Database(db.url)
    with again.session() as s:
        assert s.get(Setting, "session_secret") is None
    # The cookie is a random token and the database keeps only its hash.
    fresh = TestClient(app)
    login(fresh)
    token = fresh.cookies.get(COOKIE)
    assert token and len(token) >= 40
    raw = sqlite_path(db.url).read_bytes()
    assert token.encode() not in raw


@pytest.mark.slow
def test_logout_disable_and_password_change_revoke_sessions(app: Any, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    db: Database = app.state.db
    client = TestClient(app)
    csrf = login(client)
    token = client.cookies.get(COOKIE)
    assert client.post("/logout", data={"csrf": csrf}, follow_redirects=False).status_code == 303
    # The old cookie, replayed after logout, is no session any more.
    replay = TestClient(app)
    replay.cookies.set(COOKIE, token)
    assert replay.get("/queue", follow_redirects=False).status_code == 401

    # `certriage users disable` ends every session of the user at once.
    from pipeline.cli import main

    c1, c2 = TestClient(app), TestClient(app)
    login(c1)
    login(c2)
    assert main(["users", "disable", "alice", "--db", db.url]) == 0
    assert "disabled" in capsys.readouterr().out
    for c in (c1, c2):
        assert c.get("/queue", follow_redirects=False).status_code == 401
    assert main(["users", "disable", "nobody", "--db", db.url]) == 2
    r = TestClient(app).post("/login", data={"name": "alice", "password": PASSWORD}, follow_redirects=False)
    assert r.status_code == 401

    # A new password (which enables the user again) ends the sessions of the old one.
    monkeypatch.setattr("sys.stdin", io.StringIO("a second password\n"))
    assert main(["users", "add", "alice", "--update", "--db", db.url, "--password-stdin"]) == 0
    c3 = TestClient(app)
    login(c3, password="a second password")
    db.add_user("alice", auth.hash_password("a third password"), replace=True)
    assert c3.get("/queue", follow_redirects=False).status_code == 401


def test_default_database_is_private_and_outside_the_out_folder(out: Path, data_dir: Path) -> None:
    app = create_app(str(out))
    path = sqlite_path(app.state.db.url)
    assert path is not None and path.is_file()
    assert not path.resolve().is_relative_to(out.resolve())
    assert path.resolve().is_relative_to(data_dir.resolve())
    assert not (out / "reviews.sqlite3").exists()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    for side in path.parent.glob(path.name + "-*"):
        assert stat.S_IMODE(side.stat().st_mode) & 0o077 == 0, side
    # The same run finds the same database; another run gets its own.
    assert default_db_url(str(out)) == app.state.db.url
    assert default_db_url(str(out) + "/") == app.state.db.url
    other = make_run(out.parent / "other")
    assert default_db_url(str(other)) != app.state.db.url
    # An explicit --db file is created 0600 as well, and an old 0644 one is narrowed.
    old = out.parent / "old.sqlite3"
    old.touch(mode=0o644)
    os.chmod(old, 0o644)
    Database(f"sqlite:///{old}")
    assert stat.S_IMODE(old.stat().st_mode) == 0o600


def test_serve_warns_about_an_old_database_in_the_out_folder(out: Path, data_dir: Path,
                                                             monkeypatch: pytest.MonkeyPatch,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    import uvicorn

    from pipeline.cli import main

    served: list[Any] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: served.append(app))
    assert main(["serve", str(out)]) == 0
    err = capsys.readouterr().err
    assert "no reviewers yet" in err and "warning" not in err
    assert served and not (out / "reviews.sqlite3").exists()
    assert list(data_dir.glob("reviews-*.sqlite3"))
    (out / "reviews.sqlite3").write_bytes(b"")  # left there by an older certriage
    assert main(["serve", str(out)]) == 0
    err = capsys.readouterr().err
    assert "warning" in err and str(out / "reviews.sqlite3") in err


@pytest.mark.slow
def test_scrypt_cost_is_current_and_old_hashes_are_upgraded(app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    assert (auth.SCRYPT_N, auth.SCRYPT_R, auth.SCRYPT_P) >= (2**17, 8, 1)
    h = auth.hash_password("s3cret-pass")
    assert h.split("$")[1:4] == [str(auth.SCRYPT_N), "8", "1"] and not auth.needs_rehash(h)
    # A hash of the old cost still verifies, and the next login replaces it.
    with monkeypatch.context() as m:
        m.setattr(auth, "SCRYPT_N", 2**14)
        old = auth.hash_password(PASSWORD)
    assert old.startswith("scrypt$16384$") and auth.needs_rehash(old)
    db: Database = app.state.db
    db.add_user("bob", old)
    login(TestClient(app), "bob")
    new = db.user_by_name("bob").password_hash  # type: ignore[union-attr]
    assert new != old and new.startswith(f"scrypt${auth.SCRYPT_N}$")
    assert auth.verify_password(PASSWORD, new)


# ---------------------------------------------------------------- 15: search


def test_search_matches_only_what_the_queue_shows(app: Any) -> None:
    client = TestClient(app)
    login(client)
    assert queue_keys(client, q="张三") == ["001_张三"]
    assert queue_keys(client, q="002_") == ["002_李四"]
    assert queue_keys(client, q=ID_A[-4:]) == ["001_张三"]  # the shown last 4
    assert queue_keys(client, q=ID_A[:4] + "*" * 10 + ID_A[-4:]) == ["001_张三"]  # the masked form
    # The hidden digits cannot be probed: a full number, right or wrong, finds nothing.
    assert queue_keys(client, q=ID_A) == []
    assert "搜索只看页面上显示的内容" in client.get("/queue", params={"q": ID_A}).text
    assert queue_keys(client, q=ID_A[6:14]) == []  # the birth date
    assert app.state.db.reveals(app.state.run_id) == []
    # The form itself will not put a run of digits longer than what is shown in a URL.
    page = client.get("/queue").text
    m = re.search(r'<input type="search" name="q"[^>]*pattern="([^"]+)"', page)
    assert m and re.fullmatch(m.group(1), ID_A) is None and re.fullmatch(m.group(1), "张三 123X")


# ---------------------------------------------------------------- 16: symlinks


def test_a_symlink_named_by_the_report_is_not_followed(app: Any, out: Path, tmp_path: Path) -> None:
    db_file = out / "reviews.sqlite3"
    db_file.write_bytes(b"SQLite format 3\0 password hashes")
    (out / "pages" / "y.jpg").symlink_to("../reviews.sqlite3")
    (out / "pages" / "linkdir").symlink_to(".")  # a linked folder on the way
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    report["applicants"][0]["pages"][0]["image"] = "pages/y.jpg"
    report["applicants"][1]["pages"][0]["image"] = "pages/linkdir/a.jpg"
    (out / "report.json").write_text(json.dumps(report, ensure_ascii=False), encoding="utf-8")
    client = TestClient(app)
    login(client)
    assert "pages/y.jpg" in app.state.source.get().files
    for path in ("/files/pages/y.jpg", "/files/pages/linkdir/a.jpg"):
        r = client.get(path)
        assert r.status_code == 404, path
        assert b"SQLite" not in r.content
    report["applicants"][0]["pages"][0]["image"] = "pages/a.jpg"
    (out / "report.json").write_text(json.dumps(report, ensure_ascii=False), encoding="utf-8")
    r = client.get("/files/pages/a.jpg")
    assert r.status_code == 200 and r.content[:2] == b"\xff\xd8"


# ---------------------------------------------------------------- 17: malformed report


@pytest.mark.parametrize("bad", [
    b'{"applicants": [',  # cut off mid-write
    b'{"applicants": [{"key": "x", "findings": "oops"}]}',
    b'{"applicants": [{"key": "x", "pages": [{"file": "a"}]}]}',
    b'{"applicants": [{"key": "x", "risk": "high"}]}',
    b'[1, 2, 3]',
])
def test_a_malformed_report_keeps_the_last_good_one(app: Any, out: Path, bad: bytes) -> None:
    client = TestClient(app)
    login(client)
    good = (out / "report.json").read_bytes()
    (out / "report.json").write_bytes(bad)
    assert client.get("/login").status_code == 200
    r = client.get("/queue")
    assert r.status_code == 200
    assert queue_keys(client) == ["001_张三", "002_李四"]  # the last good report
    assert "report.json 已更新但无法读取" in r.text and 'class="banner report-problem"' in r.text
    assert client.get(f"/applicant/{quote('001_张三', safe='')}").status_code == 200
    assert client.get("/files/pages/a.jpg").status_code == 200
    assert client.get("/export.csv").status_code == 200
    # A good report again: served, and the banner is gone.
    (out / "report.json").write_bytes(good)
    assert "report-problem" not in client.get("/queue").text


@pytest.mark.slow
def test_no_good_report_yet_still_lets_reviewers_log_in(tmp_path: Path) -> None:
    out = make_run(tmp_path / "out")
    (out / "report.json").write_text("{not json", encoding="utf-8")
    app = create_app(str(out), f"sqlite:///{tmp_path / 'r.sqlite3'}", reload_s=0)
    app.state.db.add_user("alice", auth.hash_password(PASSWORD))
    client = TestClient(app)
    r = client.get("/login")
    assert r.status_code == 200 and "report.json 无法读取" in r.text
    login(client)
    r = client.get("/queue")
    assert r.status_code == 200 and "report.json 无法读取" in r.text and queue_keys(client) == []
    make_run(tmp_path / "fresh")
    (out / "report.json").write_bytes((tmp_path / "fresh" / "report.json").read_bytes())
    assert queue_keys(client) == ["001_张三", "002_李四"]


# ---------------------------------------------------------------- 18: Origin scheme


def test_origin_must_match_scheme_and_host(app: Any) -> None:
    https = TestClient(app, base_url="https://review.example")
    csrf = login(https)
    key = quote("001_张三", safe="")
    url = f"/applicant/{key}/decision"
    for origin in ("http://review.example", "https://review.example:8443", "https://evil.example"):
        r = https.post(url, data={"decision": "approve", "csrf": csrf}, headers={"origin": origin})
        assert r.status_code == 403, origin
    r = https.post(url, data={"decision": "approve", "csrf": csrf}, headers={"referer": "http://review.example/queue"})
    assert r.status_code == 403
    assert app.state.db.latest_decisions(app.state.run_id) == {}
    r = https.post(url, data={"decision": "approve", "csrf": csrf}, headers={"origin": "https://review.example"},
                   follow_redirects=False)
    assert r.status_code == 303
