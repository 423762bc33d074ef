"""The reviewers' database: users, decisions and the reveal log (SQLAlchemy 2).

SQLite next to the run's outputs by default, any SQLAlchemy URL with ``--db`` (e.g.
``postgresql+psycopg://…``). Decisions are append-only: a reviewer who changes their
mind adds a row, and the latest row per applicant is the current decision, so the
history (who, when, what the pipeline said, whether the reviewer overrode it) is the
data that later calibrates the pipeline's thresholds. Rows carry the run they belong
to, so one database may serve several runs.
"""

from __future__ import annotations

import datetime as dt
import secrets
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

# A reviewer's outcomes and the pipeline decision each one agrees with: a decision
# whose counterpart differs from the pipeline's is recorded as an override.
REVIEW_DECISIONS = ("approve", "reject", "more")
AGREES_WITH = {"approve": "pass", "reject": "reject", "more": "review"}
REVIEW_WORDS = {"approve": "通过", "reject": "不通过", "more": "补充材料"}
DEFAULT_SQLITE_NAME = "reviews.sqlite3"


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


def default_db_url(out_url: str) -> str:
    """SQLite beside a local run's outputs; for object storage (nothing local to sit
    beside) a file in the current folder, since decisions carry their run anyway."""
    from pipeline.storage import scheme_of

    if scheme_of(out_url) == "file":
        folder = out_url[len("file://"):] if out_url.startswith("file://") else out_url
        return f"sqlite:///{Path(folder).resolve() / DEFAULT_SQLITE_NAME}"
    return f"sqlite:///{Path.cwd().resolve() / ('certriage-' + DEFAULT_SQLITE_NAME)}"


class Database:
    """An engine plus the few queries the UI needs; tables are created on open."""

    def __init__(self, url: str) -> None:
        self.url = url
        kwargs: dict = {}
        if url.startswith("sqlite"):
            # The web server answers from a thread pool.
            kwargs["connect_args"] = {"check_same_thread": False}
        self.engine: Engine = create_engine(url, **kwargs)
        if url.startswith("sqlite"):
            event.listen(self.engine, "connect", _sqlite_pragmas)
        Base.metadata.create_all(self.engine)
        self._session = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self._session() as s, s.begin():
            yield s

    # ------------------------------------------------------------- settings, users

    def secret(self) -> str:
        """The session-signing secret, made on first use and kept in the database so
        sessions survive a restart."""
        with self.session() as s:
            row = s.get(Setting, "session_secret")
            if row is None:
                row = Setting(key="session_secret", value=secrets.token_urlsafe(48))
                s.add(row)
            return row.value

    def add_user(self, name: str, password_hash: str, replace: bool = False) -> User:
        with self.session() as s:
            user = s.scalar(select(User).where(User.name == name))
            if user is not None:
                if not replace:
                    raise ValueError(f"user {name!r} exists (use --update to set a new password)")
                user.password_hash = password_hash
                user.active = True
            else:
                user = User(name=name, password_hash=password_hash)
                s.add(user)
            s.flush()
            return user

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
