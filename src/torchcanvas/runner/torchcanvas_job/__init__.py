"""The entrypoint of a run on a Ray node: ``python -m torchcanvas_job [OPTIONS] -- TRAIN_ARGS``.

RayExecutor (runner/ray_executor.py) ships this package with every job (the runtime
environment's ``py_modules``), where it is the top-level ``torchcanvas_job``: it imports nothing
of torchcanvas, which the nodes need not have. It runs the job's ``train.py`` as ``__main__``, exactly as
``python train.py TRAIN_ARGS`` would, with three additions:

- ``--memory-bytes N``: the address-space limit of a CPU run (RLIMIT_AS), as the local launcher
  sets it (runner/launcher.py);
- ``--node-data NAME``: the data set's folder is ``NAME`` (such as ``datasets/mnist``) inside this
  node's cache (``$TORCHCANVAS_NODE_DATA``, else ``~/.cache/torchcanvas``), not the relative path
  the server computed for its own disk, which means nothing in the job's copy of the folder;
- ``--return-outputs DIR``: once train.py has ended, ``DIR`` (its ``--out``: the checkpoint and
  the TensorBoard files) is sent back through the job's log, as a gzipped tar in base64 lines
  that start with ``OUTPUTS``; the executor takes them out of the log and unpacks them into the
  run's folder. The log is the one channel from a job to its submitter that Ray keeps after the
  job ends and that needs nothing else from the cluster (no object store owner that outlives
  the job, no storage the server can read). ``--max-output-bytes`` bounds it.

The last line of every job is ``END <exit code>``: the executor knows it has read the whole log.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import os
import resource
import runpy
import signal
import sys
import tarfile
from pathlib import Path

OUTPUTS = "@torchcanvas:outputs "  # a chunk of the outputs: base64 of up to CHUNK bytes
OUTPUTS_END = "@torchcanvas:outputs-end "  # <sha256 hex> <bytes>: the outputs are complete
END = "@torchcanvas:end "  # <exit code>: the last line of the job
CHUNK = 48 * 1024  # 64 KiB of base64 per line


def node_data_dir() -> Path:
    return Path(os.environ.get("TORCHCANVAS_NODE_DATA") or Path.home() / ".cache" / "torchcanvas")


def parse(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    if "--" not in argv:
        raise SystemExit("usage: python -m torchcanvas_job [OPTIONS] -- TRAIN_ARGS")
    cut = argv.index("--")
    parser = argparse.ArgumentParser(prog="torchcanvas_job")
    parser.add_argument("--memory-bytes", type=int, default=None)
    parser.add_argument("--node-data", default=None)
    parser.add_argument("--return-outputs", default=None)
    parser.add_argument("--max-output-bytes", type=int, default=256 * 1024 * 1024)
    return parser.parse_args(argv[:cut]), argv[cut + 1 :]


def with_data_root(train_args: list[str], node_data: str) -> list[str]:
    """``train_args`` with ``--data-root`` pointing into this node's cache."""
    folder = node_data_dir() / node_data
    folder.parent.mkdir(parents=True, exist_ok=True)
    out = list(train_args)
    if "--data-root" in out:
        out[out.index("--data-root") + 1] = str(folder)
    else:
        out += ["--data-root", str(folder)]
    return out


def pack(folder: Path, limit: int) -> bytes | str:
    """``folder`` as a gzipped tar (names start with the folder's name), or why it is not sent."""
    if not folder.is_dir():
        return f"train.py wrote no {folder.name}/ folder"
    size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())
    if size > limit:
        return (
            f"{folder.name}/ holds {size / 2**20:.1f} MiB, over the {limit / 2**20:.0f} MiB a run may send back "
            "(TORCHCANVAS_RAY_MAX_OUTPUT_MB); it stays on the node in the job's working directory"
        )
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz", compresslevel=6) as tar:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and not path.is_symlink():
                tar.add(path, arcname=str(path.relative_to(folder.parent)), recursive=False)
    return buffer.getvalue()


def send(data: bytes) -> None:
    out = sys.stdout
    for start in range(0, len(data), CHUNK):
        out.write(OUTPUTS + base64.b64encode(data[start : start + CHUNK]).decode("ascii") + "\n")
    out.write(f"{OUTPUTS_END}{hashlib.sha256(data).hexdigest()} {len(data)}\n")
    out.flush()


def _stopped(signum: int, _frame: object) -> None:
    # Ray stops a job with SIGTERM, and SIGKILL 3 s later: the outputs written so far (the
    # TensorBoard files of the epochs done) still go back, as a local run's stay in its folder.
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> None:
    options, train_args = parse(sys.argv[1:] if argv is None else argv)
    if options.node_data:
        train_args = with_data_root(train_args, options.node_data)
    if options.memory_bytes:
        import torch  # noqa: F401  (its imports need more address space than the run is allowed)

        resource.setrlimit(resource.RLIMIT_AS, (options.memory_bytes, options.memory_bytes))
    signal.signal(signal.SIGTERM, _stopped)
    code: int | str | None = 0
    cwd = os.getcwd()
    sys.path.insert(0, cwd)  # ``from model import ...``, as python puts a script's folder first
    sys.argv = ["train.py", *train_args]
    try:
        runpy.run_path("train.py", run_name="__main__")
    except SystemExit as exc:
        code = exc.code
    except BaseException as exc:
        import traceback

        tb = exc.__traceback__  # from train.py's frame on: this wrapper's and runpy's say nothing
        while tb is not None and Path(tb.tb_frame.f_code.co_filename).name != "train.py":
            tb = tb.tb_next
        traceback.print_exception(type(exc), exc, tb or exc.__traceback__)
        code = 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        if options.return_outputs:
            os.chdir(cwd)
            packed = pack(Path(options.return_outputs), options.max_output_bytes)
            if isinstance(packed, str):
                print(f"torchcanvas: the outputs are not sent back: {packed}", file=sys.stderr, flush=True)
            else:
                send(packed)
    status = code if isinstance(code, int) else (0 if code is None else 1)
    if isinstance(code, str):
        print(code, file=sys.stderr, flush=True)
    print(f"{END}{status}", flush=True)
    sys.exit(status)


if __name__ == "__main__":
    main()
