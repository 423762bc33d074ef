"""The reviewers' web UI: a FastAPI app over one run's outputs.

`create_app(out_url, db_url)` reads the run through `pipeline.storage.open_store`
(a folder or ``s3://…``), keeps users, decisions and the reveal log in the database,
and renders server-side pages (Jinja2) with a little vanilla JS for the keyboard,
the overlays and the reveal button.

Access rules, in one place: every route needs a logged-in reviewer except the login
page and /static; pages answer an anonymous visitor with a redirect to the login,
everything else with 401. Sessions are server-side rows (`db.UserSession`) named by a
random cookie token. Every POST must come from this site (Origin/Referer, scheme
included) and, once logged in, carry the session's CSRF token. Files are served only
when the report names them (page images and evidence crops), and never through a
symbolic link. A malformed report.json leaves the last good one on the pages, with a
banner; /login works whatever the report.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import secrets as _secrets
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlencode, urlsplit

from fastapi import Depends, FastAPI, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from pipeline.comparison import Secrets, comparison
from pipeline.messages import color_word, decision_word, mask_id
from pipeline.storage import open_store
from pipeline.web import auth
from pipeline.web.data import (
    RunSource,
    codes_of,
    doc_views,
    finding_views,
    matches,
    page_views,
    top_reasons,
)
from pipeline.web.db import (
    REVIEW_DECISIONS,
    REVIEW_WORDS,
    Database,
    User,
    UserSession,
    as_utc,
    default_db_url,
)
from pipeline.web.export import export_csv, export_xlsx

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
COOKIE = "certriage_session"
FILTERS = ("decision", "code", "q", "status")
MAX_NOTE_CHARS = 2000
DECISION_KEYS = {"a": "approve", "r": "reject", "m": "more"}


class NotLoggedIn(Exception):
    """Raised by the `reviewer` dependency; answered with a redirect or 401."""


class Ctx:
    """The logged-in reviewer of a request and their session."""

    def __init__(self, user: User, session: UserSession, token_hash: str) -> None:
        self.user = user
        self.session = session
        self.token_hash = token_hash


def _local_time(t: dt.datetime | None) -> str:
    return as_utc(t).astimezone().strftime("%Y-%m-%d %H:%M") if t else ""


def _safe_next(target: str | None) -> str:
    """Only a path on this site: no scheme, no host, no '//' (open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/queue"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return "/queue"
    return target


def _filters(params: Any) -> dict[str, str]:
    return {k: str(params.get(k) or "").strip()[:100] for k in FILTERS if params.get(k)}


def reviewer(request: Request) -> Ctx:
    """The logged-in reviewer, from the session row the cookie's token names;
    NotLoggedIn otherwise (also after logout, `users disable` or a password change,
    which delete the row)."""
    db: Database = request.app.state.db
    token = request.cookies.get(COOKIE)
    if not token or len(token) > 128:
        raise NotLoggedIn()
    token_hash = auth.token_digest(token)
    found = db.session_user(token_hash)
    if found is None:
        raise NotLoggedIn()
    session, user = found
    return Ctx(user, session, token_hash)


ReviewerCtx = Annotated[Ctx, Depends(reviewer)]


def same_origin(request: Request) -> None:
    """POSTs only from pages of this site: an Origin/Referer of another host, or of
    this host under the other scheme (http://site posting to https://site), is refused."""
    host = request.headers.get("host", "").lower()
    scheme = request.url.scheme.lower()

    def ours(url: str) -> bool:
        parts = urlsplit(url)
        return parts.scheme.lower() == scheme and parts.netloc.lower() == host

    origin = request.headers.get("origin")
    if origin and origin != "null":
        if not ours(origin):
            raise HTTPException(403, "cross-site request refused")
        return
    referer = request.headers.get("referer")
    if referer and not ours(referer):
        raise HTTPException(403, "cross-site request refused")
    if origin == "null":
        raise HTTPException(403, "cross-site request refused")


def create_app(out_url: str, db_url: str | None = None, *, secure_cookies: bool | None = None,
               reload_s: float = 30.0) -> FastAPI:
    """The app for one run. `secure_cookies`: True always marks the cookie Secure,
    None marks it when the request came over https."""
    store = open_store(out_url)
    source = RunSource(store, reload_s=reload_s)
    source.get()  # fail now, not on the first request, when the outputs are missing
    run_id = store.url
    db = Database(db_url or default_db_url(out_url))
    throttle = auth.LoginThrottle()

    app = FastAPI(title="certriage reviewer", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.db = db
    app.state.throttle = throttle
    app.state.source = source
    app.state.run_id = run_id
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.globals.update(decision_word=decision_word, review_words=REVIEW_WORDS, color_word=color_word,
                                 local_time=_local_time, quote=lambda s: quote(s, safe=""))
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    # ------------------------------------------------------------ plumbing

    @app.middleware("http")
    async def headers(request: Request, call_next):  # type: ignore[no-untyped-def]
        response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
            "script-src 'self'; form-action 'self'; frame-ancestors 'none'")
        if not request.url.path.startswith("/static/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    @app.exception_handler(NotLoggedIn)
    async def not_logged_in(request: Request, exc: NotLoggedIn) -> Response:
        wants_page = (request.method == "GET" and "text/html" in request.headers.get("accept", "")
                      and not request.url.path.startswith(("/files/", "/export")))
        if wants_page:
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse("/login?" + urlencode({"next": target}), status_code=303)
        return JSONResponse({"detail": "login required"}, status_code=401)

    def check_csrf(ctx: Ctx, token: str | None) -> None:
        import hmac

        if not token or not hmac.compare_digest(token, ctx.session.csrf):
            raise HTTPException(403, "missing or wrong CSRF token")

    def render(request: Request, name: str, ctx: Ctx | None, status_code: int = 200,
               **context: Any) -> HTMLResponse:
        run = source.get()
        context.update(user=ctx.user if ctx else None, csrf=ctx.session.csrf if ctx else "",
                       report=run.report, run_id=run_id, report_problem=source.problem)
        return templates.TemplateResponse(request, name, context, status_code=status_code)

    def set_cookie(request: Request, response: Response, value: str) -> None:
        secure = secure_cookies if secure_cookies is not None else request.url.scheme == "https"
        response.set_cookie(COOKIE, value, max_age=auth.SESSION_MAX_AGE_S, httponly=True,
                            samesite="lax", secure=secure, path="/")

    # ------------------------------------------------------------ login

    @app.get("/login", response_class=HTMLResponse)
    def login_page(request: Request, next: str = "/queue", error: str = "") -> HTMLResponse:
        return render(request, "login.html", None, next=_safe_next(next), error=error,
                      no_users=db.count_users() == 0)

    @app.post("/login", dependencies=[Depends(same_origin)])
    def login(request: Request, name: str = Form(""), password: str = Form(""),
              next: str = Form("/queue")) -> Response:
        name = name.strip()[:64]
        client = request.client.host if request.client else "?"
        # Counted before the hash is checked, so parallel guesses queue up behind it.
        wait = throttle.begin(client, name)
        if wait > 0:
            log.warning("login for user %r from %s refused: retry in %.0f s", name, client, wait)
            response = render(request, "login.html", None, status_code=429, next=_safe_next(next),
                              error=f"登录失败次数过多，请 {max(int(wait + 0.999), 1)} 秒后再试",
                              no_users=False)
            response.headers["Retry-After"] = str(max(int(wait + 0.999), 1))
            return response
        user = db.user_by_name(name)
        if user is None:
            auth.dummy_verify(password)
            ok = False
        else:
            ok = auth.verify_password(password, user.password_hash)
        if not ok or user is None:
            log.warning("failed login for user %r from %s", name, client)
            return render(request, "login.html", None, status_code=401, next=_safe_next(next),
                          error="用户名或密码错误", no_users=False)
        throttle.succeeded(client, name)
        if auth.needs_rehash(user.password_hash):
            db.upgrade_hash(user.id, user.password_hash, auth.hash_password(password))
        token = auth.new_token()
        db.create_session(user.id, auth.token_digest(token), _secrets.token_urlsafe(24),
                          auth.SESSION_MAX_AGE_S)
        response = RedirectResponse(_safe_next(next), status_code=303)
        set_cookie(request, response, token)
        return response

    @app.post("/logout", dependencies=[Depends(same_origin)])
    def logout(request: Request, ctx: ReviewerCtx, csrf: str = Form("")) -> Response:
        check_csrf(ctx, csrf)
        db.revoke_session(ctx.token_hash)
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(COOKIE, path="/")
        return response

    # ------------------------------------------------------------ queue

    @app.get("/")
    def home(ctx: ReviewerCtx) -> Response:
        return RedirectResponse("/queue", status_code=303)

    @app.get("/queue", response_class=HTMLResponse)
    def queue(request: Request, ctx: ReviewerCtx) -> HTMLResponse:
        run = source.get()
        flt = _filters(request.query_params)
        reviewed = db.latest_decisions(run_id)
        counts = {d: sum(1 for a in run.applicants if a.get("decision") == d)
                  for d in ("reject", "review", "pass")}
        review_counts = {d: sum(1 for r in reviewed.values() if r.decision == d and r.applicant_key in run.by_key)
                         for d in REVIEW_DECISIONS}
        done = sum(review_counts.values())
        rows = []
        for pos, a in enumerate(run.applicants, 1):
            if not matches(a, flt.get("decision", ""), flt.get("code", ""), flt.get("q", ""),
                           flt.get("status", ""), reviewed):
                continue
            reasons, more = top_reasons(a)
            ident = a.get("identity") or {}
            rows.append({"pos": pos, "key": a["key"], "name": ident.get("name") or "",
                         "id_masked": mask_id(str(ident.get("id_number") or "")),
                         "decision": a.get("decision"), "risk": float(a.get("risk") or 0),
                         "confidence": float(a.get("confidence") or 0), "reasons": reasons,
                         "more": more, "n_findings": len(a.get("findings") or []),
                         "review": reviewed.get(a["key"])})
        batch_findings = [f for f in run.report.get("findings") or []]
        return render(request, "queue.html", ctx, rows=rows, counts=counts, total=len(run.applicants),
                      review_counts=review_counts, done=done, codes=codes_of(run.applicants),
                      flt=flt, qs=urlencode(flt), batch_findings=batch_findings,
                      full_number_query=bool(re.search(r"[0-9]{6}", flt.get("q", ""))),
                      saved=request.query_params.get("saved", ""),
                      saved_key=request.query_params.get("saved_key", ""))

    # ------------------------------------------------------------ applicant

    def neighbours(key: str, flt: dict[str, str]) -> tuple[str | None, str | None, int, int]:
        """Previous and next applicant in the filtered queue, position and length."""
        run = source.get()
        reviewed = db.latest_decisions(run_id)
        order = {a["key"]: i for i, a in enumerate(run.applicants)}
        listed = [a["key"] for a in run.applicants
                  if matches(a, flt.get("decision", ""), flt.get("code", ""), flt.get("q", ""),
                             flt.get("status", ""), reviewed) or a["key"] == key]
        i = listed.index(key) if key in listed else -1
        here = order.get(key, -1)
        prev = next((k for k in reversed(listed) if order[k] < here), None)
        nxt = next((k for k in listed if order[k] > here), None)
        return prev, nxt, i + 1, len(listed)

    @app.get("/applicant/{key}", response_class=HTMLResponse)
    def applicant(request: Request, key: str, ctx: ReviewerCtx) -> HTMLResponse:
        run = source.get()
        a = run.by_key.get(key)
        if a is None:
            raise HTTPException(404, "no such applicant")
        flt = _filters(request.query_params)
        prev, nxt, pos, n = neighbours(key, flt)
        secrets = Secrets()
        ident = dict(a.get("identity") or {})
        id_secret = secrets.add(str(ident["id_number"])) if ident.get("id_number") else None
        findings = finding_views(a, run, secrets)
        pages = page_views(a, [f["raw"] for f in findings])
        docs = doc_views(a, secrets)
        comp = comparison(a, run.is_org, secrets)
        history = db.history(run_id, key)
        photo = a.get("photo") or None
        return render(request, "applicant.html", ctx, a=a, ident=ident,
                      id_masked=mask_id(str(ident.get("id_number") or "")), id_secret=id_secret,
                      findings=findings, pages=pages, docs=docs, comp=comp, history=history,
                      current=history[0] if history else None, photo=photo,
                      prev=prev, next=nxt, pos=pos, n=n, flt=flt, qs=urlencode(flt),
                      roster_findings=[f for f in findings if str(f["code"]).startswith(("ROSTER_", "FOLDER_"))],
                      saved=request.query_params.get("saved", ""),
                      saved_key=request.query_params.get("saved_key", ""))

    @app.post("/applicant/{key}/decision", dependencies=[Depends(same_origin)])
    def decide(request: Request, key: str, ctx: ReviewerCtx, decision: str = Form(...),
               note: str = Form(""), csrf: str = Form(""), decision_filter: str = Form(""),
               code: str = Form(""), q: str = Form(""), status: str = Form("")) -> Response:
        check_csrf(ctx, csrf)
        run = source.get()
        a = run.by_key.get(key)
        if a is None:
            raise HTTPException(404, "no such applicant")
        decision = DECISION_KEYS.get(decision, decision)
        if decision not in REVIEW_DECISIONS:
            raise HTTPException(422, "decision must be approve, reject or more")
        flt = {k: v for k, v in (("decision", decision_filter), ("code", code), ("q", q),
                                 ("status", status)) if v}
        _, nxt, _, _ = neighbours(key, flt)
        db.record_decision(run_id, key, ctx.user.id, decision, note.strip()[:MAX_NOTE_CHARS],
                           str(a.get("decision")), a.get("risk"), a.get("confidence"))
        flash = {"saved": decision, "saved_key": key}
        if nxt is not None:
            target = f"/applicant/{quote(nxt, safe='')}?" + urlencode({**flt, **flash})
        else:
            target = "/queue?" + urlencode({**flt, **flash})
        return RedirectResponse(target, status_code=303)

    @app.post("/applicant/{key}/reveal", dependencies=[Depends(same_origin)])
    def reveal(request: Request, key: str, ctx: ReviewerCtx) -> JSONResponse:
        check_csrf(ctx, request.headers.get("x-csrf-token"))
        run = source.get()
        a = run.by_key.get(key)
        if a is None:
            raise HTTPException(404, "no such applicant")
        # The same walk as the page, so the indices match its data-secret attributes.
        secrets = Secrets()
        ident = a.get("identity") or {}
        if ident.get("id_number"):
            secrets.add(str(ident["id_number"]))
        finding_views(a, run, secrets)
        doc_views(a, secrets)
        comparison(a, run.is_org, secrets)
        db.log_reveal(run_id, key, ctx.user.id, "reveal")
        log.info("user %s revealed the numbers of an applicant", ctx.user.name)
        return JSONResponse({"values": secrets.values})

    # ------------------------------------------------------------ files and export

    @app.get("/files/{path:path}")
    def files(path: str, ctx: ReviewerCtx) -> Response:
        data = source.read_file(source.get(), path)
        if data is None:
            raise HTTPException(404, "not found")
        media = "image/png" if path.lower().endswith(".png") else "image/jpeg"
        return Response(data, media_type=media, headers={"Cache-Control": "private, max-age=600"})

    def _export(ctx: Ctx, kind: str) -> Response:
        run = source.get()
        decisions = db.latest_decisions(run_id)
        db.log_reveal(run_id, None, ctx.user.id, f"export.{kind}")
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M")
        name = f"审核汇总表-{stamp}.{kind}"
        if kind == "xlsx":
            body = export_xlsx(run, decisions)
            media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        else:
            body = export_csv(run, decisions)
            media = "text/csv; charset=utf-8"
        disp = f"attachment; filename=\"review-{stamp}.{kind}\"; filename*=UTF-8''{quote(name)}"
        return Response(body, media_type=media, headers={"Content-Disposition": disp})

    @app.get("/export.xlsx")
    def export_x(ctx: ReviewerCtx) -> Response:
        return _export(ctx, "xlsx")

    @app.get("/export.csv")
    def export_c(ctx: ReviewerCtx) -> Response:
        return _export(ctx, "csv")

    return app
