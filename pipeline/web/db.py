"""The reviewers' database: users, sessions, decisions and the reveal log (SQLAlchemy 2).

By default a SQLite file in the user's data folder (``$CERTRIAGE_DATA_DIR``, else
``$XDG_DATA_HOME/certriage`` or ``~/.local/share/certriage``), one per run, named by a
hash of the run's out URL: never inside the out folder, which gets handed on and
served, since the database holds password hashes and session digests. The file is
created with mode 0600 (its folder 0700). Any SQLAlchemy URL with ``--db`` (e.g.
``postgresql+psycopg://…``). Decisions are append-only: a reviewer who changes their
mind adds a row, and the latest row per applicant is the current decision, so the
history (who, when, what the pipeline said, whether the reviewer overrode it) is the
data that later calibrates the pipeline's thresholds. Rows carry the run they belong
to, so one database may serve several runs.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    create_engine,
    delete,
    event,
    func,
    select,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    mapped_column,
    relationship,
    sessionmaker,
)

from pipeline.settings import Settings
from pipeline.storage import scheme_of

# A reviewer's outcomes and the pipeline decision each one agrees with: a decision
# whose counterpart differs from the pipeline's is recorded as an override.
REVIEW_DECISIONS = ("approve", "reject", "more")
AGREES_WITH = {"approve": "pass", "reject": "reject", "more": "review"}
REVIEW_WORDS = {"approve": "通过", "reject": "不通过", "more": "补充材料"}
DEFAULT_SQLITE_NAME = "reviews.sqlite3"
LEGACY_SETTINGS = ("session_secret",)  # the old cookie-signing key: removed on open


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def as_utc(t: dt.datetime) -> dt.datetime:
    """SQLite hands back naive datetimes: they were stored as UTC."""
    return t if t.tzinfo is not None else t.replace(tzinfo=dt.UTC)


def is_override(decision: str, pipeline_decision: str) -> bool:
    return AGREES_WITH.get(decision) != pipeline_decision


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ReviewDecision(Base):
    """One reviewer decision on one applicant of one run; never updated, only added."""

    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run: Mapped[str] = mapped_column(String(512), index=True, nullable=False)
    applicant_key: Mapped[str] = mapped_column(String(512), index=True, nullable=False)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    decided_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow,
                                                    nullable=False)
    decision: Mapped[str] = mapped_column(String(16), nullable=False)  # REVIEW_DECISIONS
    note: Mapped[str] = mapped_column(Text, default="", nullable=False)
    pipeline_decision: Mapped[str] = mapped_column(String(16), nullable=False)
    pipeline_risk: Mapped[float | None] = mapped_column()
    pipeline_confidence: Mapped[float | None] = mapped_column()
    override: Mapped[bool] = mapped_column(Boolean, nullable=False)

    user: Mapped[User] = relationship(lazy="joined")


class RevealLog(Base):
    """Who saw an applicant's full ID and phone numbers, or exported them, and when."""

    __tablename__ = "reveal_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run: Mapped[str] = mapped_column(String(512), index=True, nullable=False)
    applicant_key: Mapped[str | None] = mapped_column(String(512))  # None: a whole export
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)
    what: Mapped[str] = mapped_column(String(32), nullable=False)  # reveal | export.xlsx | export.csv

    user: Mapped[User] = relationship(lazy="joined")


class Setting(Base):
    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text, nullable=False)


class UserSession(Base):
    """A login: the SHA-256 of the cookie's random token (never the token), the CSRF
    token its pages carry, and when it ends. Deleting the row ends the session."""

    __tablename__ = "sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True, nullable=False)
    csrf: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)


def data_dir() -> Path:
    """Where default databases live: $CERTRIAGE_DATA_DIR, else the XDG data folder."""
    settings = Settings()
    if settings.data_dir:
        return settings.data_dir.expanduser()
    return settings.data_home / "certriage"


def run_url(out_url: str) -> str:
    """The canonical name of a run's outputs: a local folder resolved, a URL as given."""
    if scheme_of(out_url) == "file":
        folder = out_url[len("file://"):] if out_url.startswith("file://") else out_url
        return str(Path(folder).expanduser().resolve())
    return out_url.rstrip("/") + "/"


def default_db_url(out_url: str) -> str:
    """The run's own SQLite file in `data_dir()`, named by a hash of its out URL, so
    `serve` and `users` find the same one and it is never inside the out folder."""
    tag = hashlib.sha256(run_url(out_url).encode("utf-8")).hexdigest()[:16]
    return f"sqlite:///{data_dir().resolve() / f'reviews-{tag}.sqlite3'}"


def legacy_db_path(out_url: str) -> Path | None:
    """An old default database inside a local out folder (before it moved out), if any."""
    if scheme_of(out_url) != "file":
        return None
    p = Path(run_url(out_url)) / DEFAULT_SQLITE_NAME
    return p if p.exists() else None


def sqlite_path(url: str) -> Path | None:
    """The file of a sqlite:/// URL (None for memory or another database)."""
    if not url.startswith("sqlite") or ":memory:" in url or ":///" not in url:
        return None
    rest = url.split(":///", 1)[1].split("?", 1)[0]
    return Path(rest) if rest else None


def _private_file(path: Path) -> None:
    """Create the database file (and its folder, if new) readable by its owner only
    before SQLite opens it; an existing file is narrowed to 0600 too."""
    if not path.parent.exists():
        path.parent.mkdir(parents=True, mode=0o700)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    os.close(fd)
    for p in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if p.exists() and (p.stat().st_mode & 0o077):
            os.chmod(p, 0o600)


class Database:
    """An engine plus the few queries the UI needs; tables are created on open."""

    def __init__(self, url: str) -> None:
        self.url = url
        kwargs: dict = {}
        path = sqlite_path(url)
        if path is not None:
            _private_file(path)
        if url.startswith("sqlite"):
            # The web server answers from a thread pool.
            kwargs["connect_args"] = {"check_same_thread": False}
        self.engine: Engine = create_engine(url, **kwargs)
        if url.startswith("sqlite"):
            event.listen(self.engine, "connect", _sqlite_pragmas)
        Base.metadata.create_all(self.engine)
        self._session = sessionmaker(self.engine, expire_on_commit=False)
        with self.session() as s:  # a signing key from before server-side sessions
            s.execute(delete(Setting).where(Setting.key.in_(LEGACY_SETTINGS)))

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self._session() as s, s.begin():
            yield s

    # ------------------------------------------------------------- settings, users

    def add_user(self, name: str, password_hash: str, replace: bool = False) -> User:
        """A new reviewer, or with `replace` a new password (and enabled again) for an
        existing one: their open sessions end."""
        with self.session() as s:
            user = s.scalar(select(User).where(User.name == name))
            if user is not None:
                if not replace:
                    raise ValueError(f"user {name!r} exists (use --update to set a new password)")
                user.password_hash = password_hash
                user.active = True
                s.execute(delete(UserSession).where(UserSession.user_id == user.id))
            else:
                user = User(name=name, password_hash=password_hash)
                s.add(user)
            s.flush()
            return user

    def disable_user(self, name: str) -> bool:
        """Disable a reviewer and end their sessions; False when there is no such user."""
        with self.session() as s:
            user = s.scalar(select(User).where(User.name == name))
            if user is None:
                return False
            user.active = False
            s.execute(delete(UserSession).where(UserSession.user_id == user.id))
            return True

    def upgrade_hash(self, user_id: int, old_hash: str, new_hash: str) -> None:
        """The same password under a stronger hash (at login): sessions stay, and a
        password changed meanwhile is not overwritten."""
        with self.session() as s:
            user = s.get(User, user_id)
            if user is not None and user.password_hash == old_hash:
                user.password_hash = new_hash

    def user_by_name(self, name: str) -> User | None:
        with self.session() as s:
            return s.scalar(select(User).where(User.name == name, User.active.is_(True)))

    def user(self, user_id: int) -> User | None:
        with self.session() as s:
            u = s.get(User, user_id)
            return u if u is not None and u.active else None

    def users(self) -> list[User]:
        with self.session() as s:
            return list(s.scalars(select(User).order_by(User.name)))

    def count_users(self) -> int:
        with self.session() as s:
            return int(s.scalar(select(func.count(User.id))) or 0)

    # ------------------------------------------------------------- sessions

    def create_session(self, user_id: int, token_hash: str, csrf: str, max_age_s: int) -> UserSession:
        now = utcnow()
        with self.session() as s:
            s.execute(delete(UserSession).where(UserSession.expires_at < now))
            row = UserSession(token_hash=token_hash, user_id=user_id, csrf=csrf, created_at=now,
                              expires_at=now + dt.timedelta(seconds=max_age_s))
            s.add(row)
            s.flush()
            return row

    def session_user(self, token_hash: str) -> tuple[UserSession, User] | None:
        """The live session of a token digest and its (active) user, else None."""
        with self.session() as s:
            row = s.scalar(select(UserSession).where(UserSession.token_hash == token_hash))
            if row is None or as_utc(row.expires_at) <= utcnow():
                return None
            user = s.get(User, row.user_id)
            if user is None or not user.active:
                return None
            return row, user

    def revoke_session(self, token_hash: str) -> None:
        with self.session() as s:
            s.execute(delete(UserSession).where(UserSession.token_hash == token_hash))

    def count_sessions(self, user_id: int) -> int:
        with self.session() as s:
            return int(s.scalar(select(func.count(UserSession.id))
                                .where(UserSession.user_id == user_id)) or 0)

    # ------------------------------------------------------------- decisions

    def record_decision(self, run: str, applicant_key: str, user_id: int, decision: str, note: str,
                        pipeline_decision: str, risk: float | None = None,
                        confidence: float | None = None) -> ReviewDecision:
        if decision not in REVIEW_DECISIONS:
            raise ValueError(f"unknown decision {decision!r}")
        with self.session() as s:
            row = ReviewDecision(run=run, applicant_key=applicant_key, user_id=user_id,
                                 decision=decision, note=note, pipeline_decision=pipeline_decision,
                                 pipeline_risk=risk, pipeline_confidence=confidence,
                                 override=is_override(decision, pipeline_decision))
            s.add(row)
            s.flush()
            s.refresh(row)
            return row

    def latest_decisions(self, run: str) -> dict[str, ReviewDecision]:
        """The current decision per applicant: the last one recorded."""
        with self.session() as s:
            rows = s.scalars(select(ReviewDecision).where(ReviewDecision.run == run)
                             .order_by(ReviewDecision.id))
            return {r.applicant_key: r for r in rows}

    def history(self, run: str, applicant_key: str) -> list[ReviewDecision]:
        with self.session() as s:
            return list(s.scalars(select(ReviewDecision)
                                  .where(ReviewDecision.run == run,
                                         ReviewDecision.applicant_key == applicant_key)
                                  .order_by(ReviewDecision.id.desc())))

    # ------------------------------------------------------------- reveal log

    def log_reveal(self, run: str, applicant_key: str | None, user_id: int, what: str) -> None:
        with self.session() as s:
            s.add(RevealLog(run=run, applicant_key=applicant_key, user_id=user_id, what=what))

    def reveals(self, run: str) -> list[RevealLog]:
        with self.session() as s:
            return list(s.scalars(select(RevealLog).where(RevealLog.run == run)
                                  .order_by(RevealLog.id)))


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
    """WAL lets the queue be read while a decision is written; foreign keys on."""
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=5000")
    cur.close()
