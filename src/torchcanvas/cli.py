"""The command line: check, codegen, export-onnx, catalog, import, serve, worker, db upgrade,
admin create-user, demos build."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from torchcanvas.graph.model import Graph
from torchcanvas.graph.validate import GraphError
from torchcanvas.limits import LimitExceeded, Limits


def _load(path: str) -> Graph:
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text()
    except OSError as e:
        raise SystemExit(f"error: cannot read {path}: {e.strerror}") from e
    try:
        return Graph.model_validate_json(text)
    except ValidationError as e:
        lines = [f"error: {path} is not a valid graph document:"]
        for err in e.errors()[:20]:
            loc = ".".join(str(p) for p in err["loc"])
            lines.append(f"  {loc}: {err['msg']}")
        raise SystemExit("\n".join(lines)) from e


def _limits() -> Limits:
    """The same bounds as the server's (TORCHCANVAS_LIMITS__*), so a document behaves alike in both."""
    from torchcanvas.settings import Settings

    return Settings().limits


def _fmt_count(n: int) -> str:
    for unit, size in (("G", 1e9), ("M", 1e6), ("K", 1e3)):
        if n >= size:
            return f"{n / size:.1f}{unit}"
    return str(n)


def cmd_check(args: argparse.Namespace) -> int:
    from torchcanvas.shapes import check

    graph = _load(args.graph)
    result = check(graph, limits=_limits())
    if args.json:
        print(result.model_dump_json(indent=2))
        return 0 if result.ok else 1
    rows = [("node", "type", "output shape", "params", "FLOPs")]
    for node in graph.nodes:
        r = result.nodes[node.id]
        kind = getattr(node, "type", None) or getattr(node, "module", None) or node.kind
        shown = r.inputs if node.kind == "output" else r.outputs
        shapes = "; ".join(f"({', '.join(map(str, s))})" for s in shown.values()) or ("error" if r.errors else "")
        rows.append((node.id, kind, shapes, f"{r.params:,}", _fmt_count(r.flops)))
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    for i, row in enumerate(rows):
        print("  ".join(c.ljust(w) if j < 3 else c.rjust(w) for j, (c, w) in enumerate(zip(row, widths, strict=True))))
        if i == 0:
            print("  ".join("-" * w for w in widths))
    print(f"\ntotal: {result.total_params:,} params, {_fmt_count(result.total_flops)} FLOPs per sample")
    if result.frozen_params:
        trainable = result.total_params - result.frozen_params
        print(f"training: {trainable:,} params trainable, {result.frozen_params:,} frozen (training.freeze)")
    if result.issues:
        print(f"\n{len(result.issues)} error(s):", file=sys.stderr)
        for issue in result.issues:
            where = ".".join(p for p in (issue.module, issue.node) if p) or "graph"
            param = f" [{issue.param}]" if issue.param else ""
            print(f"  {where}{param}: {issue.message}" + (f"\n    fix: {issue.fix}" if issue.fix else ""), file=sys.stderr)
        return 1
    return 0


def _report(e: GraphError) -> int:
    print(f"error: the graph has {len(e.issues)} problem(s):", file=sys.stderr)
    for issue in e.issues:
        print(f"  {issue}", file=sys.stderr)
    return 1


def cmd_codegen(args: argparse.Namespace) -> int:
    from torchcanvas.codegen import generate

    try:
        files = generate(_load(args.graph), limits=_limits())
    except GraphError as e:
        return _report(e)
    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (out / name).write_text(text)
    print(f"wrote {', '.join(files)} to {out}/")
    return 0


def cmd_export_onnx(args: argparse.Namespace) -> int:
    from torchcanvas.codegen.onnx_export import export_verified

    try:
        exported = export_verified(_load(args.graph), limits=_limits())
    except GraphError as e:
        return _report(e)
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_bytes(exported.data)
    print(f"wrote {args.output} ({len(exported.data):,} bytes), {exported.verification.summary()}")
    return 0


def cmd_catalog(args: argparse.Namespace) -> int:
    from torchcanvas.catalog import catalog

    print(json.dumps(catalog().model_dump(), indent=2 if args.pretty else None))
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from torchcanvas.importer import ImportRefused, import_module
    from torchcanvas.importer.sources import SourceError, guess_input_shape, load

    try:
        module, _, shape = load(args.source)
        if args.input_shape:
            shape = [int(d) for d in args.input_shape.split(",")]
        shape = shape or guess_input_shape(module)
        if shape is None:
            raise SourceError("cannot tell the input's shape from the model; give --input-shape, e.g. 3,224,224")
        warnings: list[Any] = []
        graph = import_module(module, shape, warnings=warnings)
    except (SourceError, ImportRefused) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    except ValueError as e:
        print(f"error: --input-shape must be sizes separated by commas, e.g. 3,224,224 ({e})", file=sys.stderr)
        return 1
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(graph.model_dump_json(indent=2))
    print(f"wrote {args.output}: {len(graph.nodes)} nodes, {len(graph.modules)} module definitions")
    for w in warnings:
        print(f"warning: {w.message}\n    fix: {w.fix}", file=sys.stderr)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from torchcanvas.api import serve

    if args.workers < 1:
        raise SystemExit("error: --workers must be at least 1")
    serve(host=args.host, port=args.port, workers=args.workers, run_worker=not args.no_worker)
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    from torchcanvas.worker import main as worker_main

    return worker_main(["--concurrency", str(args.concurrency)] if args.concurrency else [])


def _password(args: argparse.Namespace, for_whom: str) -> str:
    """The new account's password: a line of stdin (--password-stdin), else typed twice."""
    from torchcanvas.auth.accounts import PASSWORD_MAX, PASSWORD_MIN

    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        import getpass

        password = getpass.getpass(f"password for {for_whom}: ")
        if getpass.getpass("again: ") != password:
            raise SystemExit("error: the two passwords differ")
    if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        raise SystemExit(f"error: a password has {PASSWORD_MIN} to {PASSWORD_MAX} characters")
    return password


def _username(name: str) -> str:
    from torchcanvas.auth.accounts import USERNAME, normalize_username

    name = normalize_username(name)
    if not USERNAME.fullmatch(name):
        raise SystemExit(
            f"error: {name!r} is not a username: 2 to 39 characters, a-z, 0-9, '_' and '-', starting with a letter or digit"
        )
    return name


def _upgraded_database() -> Any:
    """Sessions of the server's database (TORCHCANVAS_DATABASE_URL, else the data dir's), migrated
    to the latest revision."""
    from torchcanvas.db import make_engine, make_sessionmaker, upgrade
    from torchcanvas.settings import Settings

    engine = make_engine(Settings().resolved_database_url)
    upgrade(engine)
    return make_sessionmaker(engine)


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from torchcanvas.auth import accounts

    sessions = _upgraded_database()
    print("the database is at the latest revision")
    if args.owner is None:
        with sessions() as db:
            if accounts.legacy_pending(db):
                print("its models, runs and experiments go to the first account created (or use --owner NAME)")
        return 0
    name = _username(args.owner)
    with sessions() as db:
        user = accounts.by_name(db, name)
        if user is None:
            user = accounts.create_user(db, name, _password(args, name), admin=True)
            print(f"created the admin account {name}")
        accounts.claim_legacy(db, user)  # if create_user has not: it claims only for the first account
        db.commit()
        owned = accounts.models_of(db, user)
    print(f"{name} owns {owned} saved model(s); a single-user database's runs and experiments are theirs too")
    return 0


def cmd_create_user(args: argparse.Namespace) -> int:
    from torchcanvas.auth import accounts

    name = _username(args.name)
    sessions = _upgraded_database()
    with sessions() as db:
        try:
            user = accounts.create_user(db, name, _password(args, name), email=args.email, admin=args.admin)
        except accounts.UsernameTaken as e:
            raise SystemExit(f"error: {e}") from None
        print(f"created {'the admin account' if user.is_admin else 'the account'} {user.username}")
    return 0


# --- demos (the inference studio's demo models; torchcanvas.inference.demos) --------------------


def cmd_demos_build(args: argparse.Namespace) -> int:
    """Train the demo models through the normal run path, as the built-in account's public runs."""
    from torchcanvas.inference import demos
    from torchcanvas.runner import Runner
    from torchcanvas.settings import Settings

    settings = Settings()
    sessions = _upgraded_database()
    runner = Runner(sessions, settings)
    with sessions() as db:
        try:
            pending = demos.queue(db, runner, settings.resolved_examples_dir)
        except demos.NoSeedAccount as e:
            raise SystemExit(f"error: {e}") from None
    if not pending:
        print("the demos are built: see the Use page (#/use)")
        return 0
    if args.queue_only:
        print(f"queued demo run(s) {', '.join(map(str, pending))}: a server's workers train them")
        return 0
    # A worker of our own takes them (or a server's workers do, whichever claims a run first).
    runner.start()
    try:
        failed = 0
        for run_id in pending:
            status = runner.wait(run_id, timeout=settings.run_time_limit_s or None)
            print(f"demo run {run_id}: {status}")
            failed += status != "succeeded"
    finally:
        runner.stop()
    return 1 if failed else 0


def _add_demos(sub: Any) -> None:
    p = sub.add_parser("demos", help="the inference studio's demo models")
    demos_sub = p.add_subparsers(dest="demos_command", required=True)
    p = demos_sub.add_parser(
        "build", help="train the demo digits and faces classifiers on offline data, reproducibly (seed 0)"
    )
    p.add_argument("--queue-only", action="store_true", help="queue the runs for a running server to train")
    p.set_defaults(func=cmd_demos_build)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="torchcanvas", description="Build PyTorch models as graphs: check shapes, generate code.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("check", help="shapes, params and FLOPs of every node; exit 1 on errors")
    p.add_argument("graph", help="graph document (JSON), or - for stdin")
    p.add_argument("--json", action="store_true", help="print the full result as JSON")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("codegen", help="write model.py, train.py, requirements.txt and README.md")
    p.add_argument("graph")
    p.add_argument("-o", "--output", required=True, help="output directory")
    p.set_defaults(func=cmd_codegen)

    p = sub.add_parser("export-onnx", help="export the model to ONNX")
    p.add_argument("graph")
    p.add_argument("-o", "--output", required=True, help="the .onnx file to write")
    p.set_defaults(func=cmd_export_onnx)

    p = sub.add_parser("catalog", help="print the catalog as JSON")
    p.add_argument("--pretty", action="store_true")
    p.set_defaults(func=cmd_catalog)

    p = sub.add_parser("import", help="import a PyTorch model as a graph document (torch.fx)")
    p.add_argument("source", help="torchvision:NAME, or path/to/file.py:NAME (runs that file)")
    p.add_argument("-o", "--output", required=True, help="the graph document (JSON) to write")
    p.add_argument("--input-shape", help="one sample's shape, e.g. 3,224,224 (default: from the source or its first layer)")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("serve", help="serve the web editor")
    # Unset: TORCHCANVAS_HOST / TORCHCANVAS_PORT, else 127.0.0.1:8000 (torchcanvas.settings).
    p.add_argument("--host", default=None, help="default: TORCHCANVAS_HOST, else 127.0.0.1")
    p.add_argument("--port", type=int, default=None, help="default: TORCHCANVAS_PORT, else 8000")
    p.add_argument("--workers", type=int, default=2, help="API processes (uvicorn's workers; default 2)")
    p.add_argument(
        "--no-worker",
        action="store_true",
        help="start no run worker: runs are executed by `torchcanvas worker` processes elsewhere",
    )
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("worker", help="claim queued runs from the database and execute them (until SIGTERM)")
    p.add_argument(
        "--concurrency", type=int, default=None, help="runs at once (default: TORCHCANVAS_MAX_CONCURRENT_RUNS)"
    )
    p.set_defaults(func=cmd_worker)

    p = sub.add_parser("db", help="the database")
    db_sub = p.add_subparsers(dest="db_command", required=True)
    p = db_sub.add_parser("upgrade", help="migrate the database to the latest revision")
    p.add_argument(
        "--owner",
        metavar="NAME",
        help="give a single-user database's models, runs and experiments to this account (created as admin if missing)",
    )
    p.add_argument("--password-stdin", action="store_true", help="read a new account's password from stdin")
    p.set_defaults(func=cmd_db_upgrade)

    p = sub.add_parser("admin", help="accounts")
    admin_sub = p.add_subparsers(dest="admin_command", required=True)
    p = admin_sub.add_parser("create-user", help="create an account (even when sign-up is closed)")
    p.add_argument("name")
    p.add_argument("--admin", action="store_true", help="the account is an admin")
    p.add_argument("--email", default=None)
    p.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    p.set_defaults(func=cmd_create_user)

    _add_demos(sub)

    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except LimitExceeded as e:
        print(f"error: {e}\n  (raise it with TORCHCANVAS_LIMITS__{e.limit.upper()}=...)", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
