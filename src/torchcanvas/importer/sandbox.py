"""Import pasted source in a child process: the one place where a user's Python runs on the server.

Building a module from source executes that source, so the API process never does it. When the
admin has turned it on (``TORCHCANVAS_IMPORTER__SOURCE=true``), :func:`import_source` writes the
text into a fresh folder and runs ``python -m torchcanvas.importer.sandbox`` there:

- in its own session (the whole process group is killed at the time limit),
- with an address-space limit (RLIMIT_AS), a CPU-time limit (RLIMIT_CPU), a file-size limit
  (RLIMIT_FSIZE) and no core dumps,
- with a bare environment (no server settings or secrets are inherited),
- without network where the kernel allows it: a new user and network namespace (only a
  loopback that is down). Where namespaces are not available the import still runs, and the
  answer says so (``network_isolated: false``).

The child reads ``{"name", "input_shape"}`` on stdin and prints one JSON line: the document, or
the refusal. The parent trusts nothing in it: the document is validated again with the server's
limits before anyone checks it.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torchcanvas
from torchcanvas.importer.config import ImportSettings

SOURCE_FILE = "pasted_model.py"
MAX_OUTPUT_BYTES = 16 * 1024 * 1024
_CLONE_NEWUSER = 0x10000000
_CLONE_NEWNET = 0x40000000


class SourceImportFailed(Exception):
    """The pasted source could not be imported; ``kind`` is "source" (the code or the name is
    wrong), "refused" (the module has ops the document cannot hold) or "limit" (time or memory)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True)
class SourceImport:
    graph: dict[str, Any]  # the document as JSON, to be validated by the caller
    network_isolated: bool


def _limits(settings: ImportSettings) -> Any:
    def setup() -> None:  # runs in the child between fork and exec (single-threaded)
        memory = settings.memory_limit_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        cpu = int(settings.time_limit_s) + 1
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
        resource.setrlimit(resource.RLIMIT_FSIZE, (8 * 1024 * 1024, 8 * 1024 * 1024))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        with contextlib.suppress(Exception):  # no namespaces here: the child reports it
            libc = ctypes.CDLL(None, use_errno=True)
            libc.unshare(_CLONE_NEWUSER | _CLONE_NEWNET)

    return setup


def _environment(folder: Path) -> dict[str, str]:
    """What the child sees: enough to run Python and find torchcanvas, nothing of the server's."""
    package_root = str(Path(torchcanvas.__file__).resolve().parent.parent)
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": package_root,
        "HOME": str(folder),
        "TMPDIR": str(folder),
        "OMP_NUM_THREADS": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
    }


def import_source(
    source: str, name: str, input_shape: list[int] | None, settings: ImportSettings, work_root: Path
) -> SourceImport:
    """Import ``name`` (a module class, or a function returning a module) from ``source`` in a
    child process. Raises SourceImportFailed. Blocking: call it from a worker thread."""
    work_root.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="import-", dir=work_root))
    try:
        (folder / SOURCE_FILE).write_text(source, encoding="utf-8")
        proc = subprocess.Popen(
            [sys.executable, "-m", "torchcanvas.importer.sandbox"],
            cwd=folder,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=_environment(folder),
            start_new_session=True,
            preexec_fn=_limits(settings),
        )
        request = json.dumps({"name": name, "input_shape": input_shape}).encode()
        try:
            out, _ = proc.communicate(request, timeout=settings.time_limit_s)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            raise SourceImportFailed(
                "limit", f"the import took longer than the server's limit of {settings.time_limit_s:g} s"
            ) from None
        return _answer(out, proc.returncode, settings)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _answer(out: bytes, returncode: int, settings: ImportSettings) -> SourceImport:
    line = out[:MAX_OUTPUT_BYTES].strip().splitlines()[-1:] if out else []
    try:
        answer = json.loads(line[0]) if line else None
    except ValueError:
        answer = None
    if not isinstance(answer, dict):
        if returncode in (-signal.SIGKILL, -signal.SIGXCPU):
            why = f"it was stopped at the limit of {settings.time_limit_s:g} s of CPU time"
        elif returncode == 0 and len(out) > MAX_OUTPUT_BYTES:
            why = "its document is larger than the server accepts"
        else:
            why = (
                f"the importing process ended with code {returncode} "
                f"(out of memory past {settings.memory_limit_mb} MiB, or the code exited)"
            )
        raise SourceImportFailed("limit", f"the import failed: {why}")
    if not answer.get("ok"):
        raise SourceImportFailed(str(answer.get("kind", "source")), str(answer.get("message", "the import failed")))
    graph = answer.get("graph")
    if not isinstance(graph, dict):
        raise SourceImportFailed("source", "the import produced no document")
    return SourceImport(graph=graph, network_isolated=bool(answer.get("network_isolated")))


# --- the child ------------------------------------------------------------------------------


def _network_isolated() -> bool:
    """True when this process's network namespace has no interface but loopback (which a new
    namespace starts with, down)."""
    import socket

    try:
        return {name for _index, name in socket.if_nameindex()} <= {"lo"}
    except OSError:
        return False


def _where_in_source(exc: BaseException) -> str:
    """' (pasted_model.py line N)' for the deepest frame of the pasted file, or ''."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if Path(f.filename).name == SOURCE_FILE]
    return f" (line {frames[-1].lineno})" if frames else ""


def _child() -> dict[str, Any]:
    isolated = _network_isolated()
    request = json.loads(sys.stdin.read() or "{}")
    name = str(request.get("name", ""))
    shape = request.get("input_shape")
    from torchcanvas.importer import ImportRefused, import_module
    from torchcanvas.importer.sources import SourceError, file_module, guess_input_shape

    try:
        module = file_module(SOURCE_FILE, name)
    except SourceError as e:
        message = str(e).replace(f"{SOURCE_FILE}:", "").replace(SOURCE_FILE, "the source")
        return {"ok": False, "kind": "source", "message": message}
    except SyntaxError as e:
        return {"ok": False, "kind": "source", "message": f"the source does not parse: {e.msg} (line {e.lineno})"}
    except MemoryError:
        return {"ok": False, "kind": "limit", "message": "running the source ran out of memory (the server's limit)"}
    except Exception as e:  # the user's code raised while it was run or built
        return {
            "ok": False,
            "kind": "source",
            "message": f"running the source raised {type(e).__name__}: {e}{_where_in_source(e)}",
        }
    shape = shape or guess_input_shape(module)
    if not shape:
        return {
            "ok": False,
            "kind": "source",
            "message": f"cannot tell {name}'s input shape from its first layer; give input_shape, e.g. [3, 224, 224]",
        }
    try:
        graph = import_module(module, list(shape), name=name)
    except ImportRefused as e:
        return {"ok": False, "kind": "refused", "message": str(e)}
    except Exception as e:  # forward raised on the traced input
        return {
            "ok": False,
            "kind": "source",
            "message": f"tracing {name} raised {type(e).__name__}: {e}{_where_in_source(e)}",
        }
    return {"ok": True, "graph": graph.model_dump(mode="json"), "network_isolated": isolated}


def main() -> None:
    try:
        answer = _child()
    except MemoryError:
        answer = {"ok": False, "kind": "limit", "message": "the import ran out of memory"}
    if "message" in answer:  # lines as "line 12: code", without the server's folder
        here = os.getcwd() + os.sep
        answer["message"] = str(answer["message"]).replace(here, "").replace(f"{SOURCE_FILE}:", "line ")
    sys.stdout.write(json.dumps(answer) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
