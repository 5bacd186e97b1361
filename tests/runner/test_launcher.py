"""The warm launcher runs train.py exactly as ``python train.py`` does."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from torchcanvas.codegen import generate
from torchcanvas.graph.model import Graph
from torchcanvas.runner.executor import LAUNCHER as _LAUNCHER

ROOT = Path(__file__).resolve().parents[2]


def _epochs(stdout: str) -> list[dict]:
    lines = [json.loads(line) for line in stdout.splitlines() if line.startswith('{"event": "epoch"')]
    for line in lines:
        line.pop("seconds")
    return lines


def test_launcher_matches_plain_python(tmp_path: Path) -> None:
    graph = Graph.model_validate_json((ROOT / "examples" / "seed_mlp_weight_decay.json").read_text())
    for name, text in generate(graph).items():
        (tmp_path / name).write_text(text)
    env = {**os.environ, "OMP_NUM_THREADS": "1", "TQDM_DISABLE": "1"}
    args = ["--epochs", "5", "--seed", "3", "--progress"]

    plain = subprocess.run([sys.executable, "train.py", *args, "--out", str(tmp_path / "plain")], cwd=tmp_path,
                           env=env, capture_output=True, text=True, timeout=300)
    assert plain.returncode == 0, plain.stderr[-2000:]

    spec = {"cwd": str(tmp_path), "args": [*args, "--out", str(tmp_path / "warm")], "memory_bytes": 8 << 30}
    warm = subprocess.run([sys.executable, _LAUNCHER], cwd=tmp_path.parent, env=env, input=json.dumps(spec) + "\n",
                          capture_output=True, text=True, timeout=300)
    assert warm.returncode == 0, warm.stderr[-2000:]

    assert len(_epochs(plain.stdout)) == 5
    assert _epochs(warm.stdout) == _epochs(plain.stdout)
    assert (tmp_path / "warm" / "checkpoint.pt").exists()


def test_launcher_reports_a_failing_script(tmp_path: Path) -> None:
    (tmp_path / "train.py").write_text("import sys\nprint('before')\nraise SystemExit(3)\n")
    spec = {"cwd": str(tmp_path), "args": []}
    done = subprocess.run([sys.executable, _LAUNCHER], input=json.dumps(spec) + "\n", capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 3 and "before" in done.stdout


def test_launcher_without_a_run_exits_quietly() -> None:
    done = subprocess.run([sys.executable, _LAUNCHER], input="", capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and done.stdout == ""


def test_a_run_yields_the_cpu_to_the_server(tmp_path: Path) -> None:
    # A training run's priority is below the server's, so requests do not queue behind it.
    (tmp_path / "train.py").write_text("import os\nprint('nice', os.nice(0))\n")
    spec = {"cwd": str(tmp_path), "args": []}
    done = subprocess.run([sys.executable, _LAUNCHER], input=json.dumps(spec) + "\n", capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stdout
    assert int(done.stdout.split()[-1]) >= os.nice(0) + 10


def test_the_launcher_gives_the_run_its_thread_count(tmp_path: Path) -> None:
    """A small model's run gets one torch thread (runner/threads.py), whatever the launcher's
    environment said when it started, and so does anything train.py starts (OMP_NUM_THREADS)."""
    (tmp_path / "train.py").write_text("import os, torch\nprint(torch.get_num_threads(), os.environ['OMP_NUM_THREADS'])\n")
    env = {**os.environ, "OMP_NUM_THREADS": "2"}
    spec = {"cwd": str(tmp_path), "args": [], "threads": 1}
    done = subprocess.run([sys.executable, _LAUNCHER], env=env, input=json.dumps(spec) + "\n", capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["1", "1"]
    spec["threads"] = None  # a big model: torch's own default, from the environment
    done = subprocess.run([sys.executable, _LAUNCHER], env=env, input=json.dumps(spec) + "\n", capture_output=True,
                          text=True, timeout=300)
    assert done.stdout.split() == ["2", "2"]
