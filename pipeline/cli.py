"""The `certriage` command (contract §2): run, demo, models, serve."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from datetime import date
from pathlib import Path

from pipeline.messages import mask_ids_in
from pipeline.settings import RunOptions, Settings


class MaskIdFilter(logging.Filter):
    """ID numbers never reach a log in full: 4401**********123X."""

    def filter(self, record: logging.LogRecord) -> bool:
        msg = record.getMessage()
        masked = mask_ids_in(msg)
        if masked != msg:
            record.msg, record.args = masked, None
        return True


def _setup_logging(verbose: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(MaskIdFilter())
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, handlers=[handler], force=True)
    for noisy in ("RapidOCR", "rapidocr", "ppocr", "paddlex", "pdfminer", "PIL"):
        logging.getLogger(noisy).setLevel(logging.ERROR)


def _date(s: str) -> date:
    try:
        return date.fromisoformat(s)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date YYYY-MM-DD: {s}") from exc


def _profile(s: str) -> str:
    """A profile name or path, loaded now so a bad profile fails before any work."""
    from pipeline.profile import ProfileError, load_profile

    try:
        load_profile(s)
    except ProfileError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc
    return s


class _HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Every option's help ends with its default, in both languages (默认 / default)."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if "%(default)" in text or action.default is argparse.SUPPRESS or action.option_strings == []:
            return text
        if isinstance(action, (argparse._StoreTrueAction, argparse._StoreFalseAction)):
            return text + "（默认 default: 关 off）"
        if action.default is None:
            return text
        return text + "（默认 default: %(default)s）"


GENERIC_WARNING = ("certriage: 警告 warning: 未指定 --profile，按 generic 检查：只查材料齐全、一致与真伪，"
                   "不检查任何通知的申报条件（年龄、等级、年限）；请用 --profile 选择通知（certriage profiles 列出）。"
                   " No --profile given: generic checks no notice's rules (age, level, years); "
                   "pick the notice's profile (see `certriage profiles`).")


def _profile_or_generic(profile: str | None) -> str:
    """The profile asked for; without one, `generic`. The caller warns (GENERIC_WARNING)
    once the batch was processed: a batch that cannot be processed gets its one-line
    reason on stderr and nothing else (contract §2)."""
    return profile or "generic"


def run_batch(opts: RunOptions) -> Path:
    """The whole pipeline on one batch (folder, .zip or s3:// prefix, into a folder or an
    s3:// prefix); returns the path of report.json (for an s3:// output, its local copy,
    uploaded last). Through the Prefect flow unless `opts.use_prefect` is False."""
    from pipeline.storage.sync import is_remote

    local_json = (opts.work_dir / "outbox" if is_remote(opts.out) else Path(opts.out)) / "report.json"
    if opts.use_prefect:
        # The CLI is where a run starts: the one place in `pipeline` that calls `flows`.
        from flows.batch import run_flow

        run_flow(opts)
        return local_json
    return _run_plain(opts)


def _run_plain(opts: RunOptions) -> Path:
    """The pipeline without Prefect (CERTRIAGE_NO_PREFECT=1 / --no-prefect)."""
    from pipeline import timing
    from pipeline.ingest import ingest
    from pipeline.report import write_reports
    from pipeline.runner import build_report, process_files
    from pipeline.storage.sync import is_remote, merge_refusals, pull_all, push_all

    t0 = time.perf_counter()
    work, source, out = opts.work_dir, opts.source, opts.out
    local_source, skipped, findings = pull_all(source, work) if is_remote(source) else (source, [], [])
    with timing.stage("ingest"):
        batch = merge_refusals(ingest(local_source, work / "batch"), skipped, findings)
    n_files = sum(len(a.files) for a in batch.applicants)
    if opts.show_progress and sys.stderr.isatty():
        from rich.progress import Progress

        with Progress(transient=True) as bar:
            task = bar.add_task("reading files", total=n_files)
            results = process_files(batch, opts, progress=lambda f: bar.advance(task))
    else:
        results = process_files(batch, opts)
    report = build_report(batch, results, opts, time.perf_counter() - t0)
    staging = work / "outbox" if is_remote(out) else Path(out)
    paths = write_reports(report, staging)
    if is_remote(out):
        push_all(staging, out)
    return paths["json"]


def run_options(args: argparse.Namespace) -> RunOptions:
    """`certriage run`'s options, built once from the command line. An option left out
    keeps RunOptions' default: the batch date is today, the work dir <out>/.work, and the
    Prefect flow runs unless CERTRIAGE_NO_PREFECT=1."""
    given = {"source": args.batch, "out": args.out, "profile": _profile_or_generic(args.profile),
             "batch_date": args.batch_date, "workers": args.workers, "ocr": args.ocr, "dpi": args.dpi,
             "work_dir": args.work_dir, "task_runner": args.task_runner, "dask_address": args.dask_address,
             "use_prefect": False if args.no_prefect else None}
    return RunOptions(**{k: v for k, v in given.items() if v is not None})


def _summary(report_json: Path, seconds: float | None = None) -> str:
    """The run's end line: counts, decisions, skipped files and batch findings, and the
    whole run's wall time (the report's own figure leaves out writing the reports)."""
    import json

    data = json.loads(report_json.read_text(encoding="utf-8"))
    counts = {"reject": 0, "review": 0, "pass": 0}
    for a in data["applicants"]:
        counts[a["decision"]] += 1
    s = data["stats"]
    took = s["seconds"] if seconds is None else seconds
    line = (f"{s['applicants']} applicants, {s['files']} files, {s['pages']} pages in {took:.1f} s: "
            f"{counts['reject']} reject, {counts['review']} review, {counts['pass']} pass; "
            f"{len(data.get('skipped') or [])} files skipped, {len(data.get('findings') or [])} batch findings")
    return line


def _warnings(report_json: Path) -> list[str]:
    """Batch-level problems a user must not miss (printed to stderr)."""
    import json

    data = json.loads(report_json.read_text(encoding="utf-8"))
    return [f"certriage: warning: {f['message']}" for f in data.get("findings") or []
            if f.get("severity") in ("warning", "error")]


def cmd_run(args: argparse.Namespace) -> int:
    from pipeline.ingest import BatchError
    from pipeline.storage import StorageError
    from pipeline.storage.sync import is_remote

    if args.dask_address and not Settings().prefect_api_url:
        from flows.runners import dask_needs_server

        if dask_needs_server(args.dask_address):
            print(f"certriage: the workers at {args.dask_address} cannot reach this process's ephemeral "
                  "Prefect API: start a Prefect server and set PREFECT_API_URL (see README)", file=sys.stderr)
            return 2
    t0 = time.perf_counter()
    try:
        report = run_batch(run_options(args))
    except (BatchError, StorageError) as exc:
        print(f"certriage: {exc}", file=sys.stderr)
        return 2
    if not args.profile:  # generic checks none of the notice's rules: a newcomer would not know
        print(GENERIC_WARNING, file=sys.stderr)
    for w in _warnings(report):
        print(w, file=sys.stderr)
    print(_summary(report, time.perf_counter() - t0))
    base = args.out.rstrip("/") + "/" if is_remote(args.out) else str(Path(report).parent) + os.sep
    print(f"report: {base}report.json  {base}report.html  {base}queue.xlsx")
    return 0


DEMO_DEFECT_WORDS = {"wrong_name": "一份证书上的姓名是别人的 (a certificate in another name)",
                     "no_seal": "一份材料没有盖章 (a document without its seal)",
                     "photo_background": "证件照背景颜色不对 (photo on the wrong background)",
                     "same_photo": "与另一人使用同一张照片 (the same photo as another applicant)"}


def cmd_demo(args: argparse.Namespace) -> int:
    from pipeline.samples.defects import inject_showcase
    from pipeline.samples.generator import plan_batch, render_batch

    root = Path(args.dir)
    batch_dir = root / "batch"
    shown: list[tuple[str, str]] = []
    if not batch_dir.is_dir():
        print(f"generating a sample batch of {args.applicants} applicants in {batch_dir} …", flush=True)
        spec = plan_batch(args.applicants, args.seed, args.profile)
        # A few applicants broken on purpose, so that a newcomer sees what certriage catches.
        shown = inject_showcase(spec)
        render_batch(spec, root)
    out = root / "out"
    batch_date = args.batch_date
    truth = root / "truth.json"
    if batch_date is None and truth.is_file():
        import json

        # The sample's dates are drawn around the generator's own day: judge it then.
        batch_date = date.fromisoformat(json.loads(truth.read_text(encoding="utf-8"))["batch_date"])
    opts = RunOptions(source=str(batch_dir), out=str(out), profile=args.profile, workers=args.workers,
                      ocr=args.ocr, **({"batch_date": batch_date} if batch_date else {}))
    print(f"running certriage on it (profile {args.profile}, batch date {opts.batch_date}) …", flush=True)
    report = run_batch(opts)
    print(_summary(report))
    if shown:
        print("problems planted on purpose (示例中故意设置的问题):")
        for key, kind in shown:
            print(f"  {key}: {DEMO_DEFECT_WORDS.get(kind, kind)}")
    for name in ("report.json", "queue.csv", "queue.xlsx", "report.html"):
        print(f"  {out / name}")
    return 0


def cmd_prepare_paddle(args: argparse.Namespace) -> int:
    from models.paddle_prepare import prepare_paddle_models

    try:
        path = prepare_paddle_models(Path(args.dest) if args.dest else None)
    except RuntimeError as exc:
        print(f"certriage: {exc}", file=sys.stderr)
        return 2
    print(f"PaddleOCR models ready in {path}")
    return 0


def cmd_profiles(args: argparse.Namespace) -> int:
    from pipeline.profile import load_profile, profile_names

    for name in profile_names():
        print(f"{name:20s} {load_profile(name).summary}")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    """The reviewers' web UI over a run's outputs (a folder or s3://…)."""
    from pipeline.storage import StorageError
    from pipeline.web.db import default_db_url, legacy_db_path

    db_url = args.db or default_db_url(args.dir)
    old = legacy_db_path(args.dir)
    if old is not None:
        print(f"certriage: warning: {old} is a reviews database inside the out folder (an older "
              "certriage put it there); it holds password hashes and goes wherever the folder goes. "
              f"The database now in use is {db_url}: move the old one there (or name it with --db), "
              "or delete it.", file=sys.stderr)
    try:
        import uvicorn

        from pipeline.web.app import create_app

        app = create_app(args.dir, db_url, secure_cookies=True if args.secure_cookies else None)
    except (StorageError, OSError, ValueError) as exc:
        print(f"certriage: cannot serve {args.dir}: {exc}", file=sys.stderr)
        return 2
    if app.state.db.count_users() == 0:
        print(f"certriage: no reviewers yet; add one with: certriage users add NAME --db '{db_url}'",
              file=sys.stderr)
    print(f"serving {args.dir} on http://{args.host}:{args.port}/ (database {db_url})", flush=True)
    uvicorn.run(app, host=args.host, port=args.port, log_level="info" if args.verbose else "warning",
                proxy_headers=True)
    return 0


def cmd_users(args: argparse.Namespace) -> int:
    """Reviewer accounts in the serve database: add (or --update a password), list,
    disable (which also ends the user's sessions)."""
    import getpass

    from pipeline.web.auth import MIN_PASSWORD_CHARS, hash_password
    from pipeline.web.db import Database, default_db_url

    if not args.db and not args.dir:
        print("certriage: give --dir <out dir> (its default database) or --db <SQLAlchemy URL>", file=sys.stderr)
        return 2
    db = Database(args.db or default_db_url(args.dir))
    if args.users_command == "list":
        for u in db.users():
            print(f"{u.name}\t{'active' if u.active else 'disabled'}\t{u.created_at:%Y-%m-%d}")
        return 0
    if args.users_command == "disable":
        if not db.disable_user(args.name):
            print(f"certriage: no user {args.name!r} in {db.url}", file=sys.stderr)
            return 2
        print(f"user {args.name} disabled and logged out in {db.url} (`users add --update` enables again)")
        return 0
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass(f"password for {args.name}: ")
        if getpass.getpass("again: ") != password:
            print("certriage: the passwords differ", file=sys.stderr)
            return 2
    if len(password) < MIN_PASSWORD_CHARS:
        print(f"certriage: a password needs at least {MIN_PASSWORD_CHARS} characters", file=sys.stderr)
        return 2
    try:
        db.add_user(args.name, hash_password(password), replace=args.update)
    except ValueError as exc:
        print(f"certriage: {exc}", file=sys.stderr)
        return 2
    print(f"user {args.name} {'updated' if args.update else 'added'} in {db.url}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The command line, its help in Chinese and English (中文 / English), each option
    with its default."""
    fmt = _HelpFormatter
    p = argparse.ArgumentParser(
        prog="certriage", formatter_class=fmt,
        description="职业技能评价申报材料预审：逐份识别、核对，给出 通过 / 需人工复核 / 不符合。\n"
                    "Pre-check application batches for reviewers.\n"
                    "快速开始 quick start: certriage demo；certriage run <批次目录> --profile <通知> --out <输出目录>")
    p.add_argument("-v", "--verbose", action="store_true", help="在 stderr 输出进度日志 / log progress to stderr")
    sub = p.add_subparsers(dest="command", required=True, title="命令 commands")

    def common(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--batch-date", type=_date, default=None,
                        help="按哪一天判断日期规则，YYYY-MM-DD（默认今天） / date rules are judged at "
                             "(default: today)")
        sp.add_argument("--workers", type=int, default=1,
                        help="并行读取的文件数（线程、进程或 Dask，见 --task-runner） / files read in parallel "
                             "(threads, processes or Dask workers: see --task-runner)")
        sp.add_argument("--ocr", choices=("rapidocr", "paddleocr"), default="rapidocr",
                        help="文字识别引擎 / OCR engine")

    r = sub.add_parser("run", formatter_class=fmt,
                       help="预审一个批次（目录、.zip 或 s3:// 前缀） / process a batch folder, .zip or s3:// prefix")
    r.add_argument("batch", help="批次：目录、.zip 或 s3://bucket/prefix/（CERTRIAGE_S3_* 环境变量） / "
                                 "folder, .zip, or s3://bucket/prefix/ (CERTRIAGE_S3_* env)")
    r.add_argument("--profile", type=_profile, nargs="?", const=None, default=None,
                   help="按哪份通知的规则检查（certriage profiles 列出）；不给则用 generic 并警告 / the notice's "
                        "rule profile (see `certriage profiles`); without it generic, with a warning "
                        "（默认 default: generic）")
    r.add_argument("--out", required=True, help="输出目录或 s3://bucket/prefix/（必填） / output folder or "
                                                "s3://bucket/prefix/ (required)")
    r.add_argument("--dpi", type=int, default=200, help="PDF 页面渲染分辨率 / render resolution of PDF pages")
    r.add_argument("--work-dir", type=Path, default=None,
                   help="本地缓存/工作目录 / local cache/work folder（默认 default: <out>/.work；"
                        "s3:// 输出为 ~/.cache/certriage/work/…）")
    r.add_argument("--task-runner", choices=("threads", "processes", "dask"), default="threads",
                   help="在哪里读取文件：线程、本机进程或 Dask / where files are read: threads, local "
                        "processes, or Dask")
    r.add_argument("--dask-address", default=None,
                   help="已有 Dask 集群的调度器地址 tcp://host:8786（隐含 --task-runner dask） / scheduler of "
                        "an existing Dask cluster (implies --task-runner dask)（默认 default: 无 none）")
    r.add_argument("--no-prefect", action="store_true",
                   help="不经 Prefect 流程，直接顺序运行（也可设 CERTRIAGE_NO_PREFECT=1） / plain loop "
                        "without the Prefect flow (also CERTRIAGE_NO_PREFECT=1)")
    common(r)
    r.set_defaults(func=cmd_run)

    d = sub.add_parser("demo", formatter_class=fmt,
                       help="生成一个含问题样例的示例批次并完整运行 / generate a sample batch (some applicants "
                            "with defects) and run it end to end")
    d.add_argument("--dir", default="demo-out", help="示例批次与输出放在哪里 / where the sample batch and outputs go")
    d.add_argument("--applicants", type=int, default=10, help="申请人数 / number of applicants")
    d.add_argument("--seed", type=int, default=0, help="随机种子（同种子同结果） / random seed (same seed, same batch)")
    d.add_argument("--profile", type=_profile, default="gd-supervisor",
                   help="示例按哪份通知生成与检查 / the notice the sample is made and checked for")
    common(d)
    d.set_defaults(func=cmd_demo)

    m = sub.add_parser("models", formatter_class=fmt, help="管理本地 OCR 模型 / manage local OCR models")
    msub = m.add_subparsers(dest="models_command", required=True, title="命令 commands")
    pp = msub.add_parser("prepare-paddle", formatter_class=fmt,
                         help="准备离线 PaddleOCR 模型目录 / prepare the offline PaddleOCR model folder")
    pp.add_argument("--dest", default=None, help="模型目录 / model folder（默认 default: 内置位置 built-in place）")
    pp.set_defaults(func=cmd_prepare_paddle)

    pr = sub.add_parser("profiles", formatter_class=fmt,
                        help="列出内置的通知规则 / list the bundled rule profiles")
    pr.set_defaults(func=cmd_profiles)

    s = sub.add_parser("serve", formatter_class=fmt,
                       help="审核人员网页界面 / the reviewers' web UI over a run's outputs")
    s.add_argument("dir", help="运行的 --out：目录或 s3://bucket/prefix/ / the run's --out: a folder or "
                               "s3://bucket/prefix/")
    s.add_argument("--host", default="127.0.0.1", help="监听地址 / address to listen on")
    s.add_argument("--port", type=int, default=8000, help="端口 / port")
    s.add_argument("--db", default=None, help="审核记录数据库的 SQLAlchemy URL / SQLAlchemy URL of the reviews "
                   "database（默认 default: 每次运行一个文件，位于 $CERTRIAGE_DATA_DIR 或 "
                   "~/.local/share/certriage，绝不在 <dir> 内 / a file per run there, never in <dir>）")
    s.add_argument("--secure-cookies", action="store_true",
                   help="会话 cookie 标记 Secure（在 https 代理之后） / mark the session cookie Secure "
                        "(behind an https proxy)")
    s.set_defaults(func=cmd_serve)

    u = sub.add_parser("users", formatter_class=fmt, help="网页界面的审核人员账号 / reviewer accounts of the web UI")
    usub = u.add_subparsers(dest="users_command", required=True, title="命令 commands")
    ua = usub.add_parser("add", formatter_class=fmt, help="添加审核人员（提示输入密码） / add a reviewer "
                                                          "(prompts for the password)")
    ua.add_argument("name", help="用户名 / user name")
    ul = usub.add_parser("list", formatter_class=fmt, help="列出审核人员 / list the reviewers")
    ud = usub.add_parser("disable", formatter_class=fmt, help="停用审核人员并结束其会话 / disable a reviewer "
                                                              "and end their sessions")
    ud.add_argument("name", help="用户名 / user name")
    for sp in (ua, ul, ud):
        sp.add_argument("--dir", default=None, help="运行的输出目录：用其默认数据库 / the run's out dir: use its "
                                                    "default database（默认 default: 无 none）")
        sp.add_argument("--db", default=None, help="审核记录数据库的 SQLAlchemy URL / SQLAlchemy URL of the "
                                                   "reviews database（默认 default: 无 none）")
    ua.add_argument("--password-stdin", action="store_true", help="从 stdin 读取密码 / read the password from stdin")
    ua.add_argument("--update", action="store_true", help="为已有用户设置新密码 / set a new password for an "
                                                          "existing user")
    u.set_defaults(func=cmd_users)
    return p


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")  # else onnxruntime writes under ~/.cache
    args = build_parser().parse_args(argv)
    _setup_logging(args.verbose)
    return args.func(args)


if __name__ == "__main__":
    raise SystemExit(main())
