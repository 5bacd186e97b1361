"""Typed rendering: the only way a value from a document reaches generated source.

Each function takes an already validated value and returns a Python literal or a comment; none of
them pastes text into code. Strings become ``repr()`` literals, numbers are re-created from their
type, comments lose every non-printable character (a newline would end the comment).
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess
from typing import Any


class RenderError(ValueError):
    pass


def literal(v: Any) -> str:
    """A Python literal for a JSON-like value."""
    if v is None:
        return "None"
    if isinstance(v, bool):
        return "True" if v else "False"
    if isinstance(v, int):
        return str(int(v))
    if isinstance(v, float):
        if not math.isfinite(v):
            raise RenderError(f"cannot render {v!r}")
        return repr(float(v))
    if isinstance(v, str):
        # Double quotes, as ruff formats them (a required enum such as StochasticDepth's mode is
        # written positionally). JSON's escapes are all valid in a Python string.
        return repr(str(v)) if '"' in v else json.dumps(str(v), ensure_ascii=False)
    if isinstance(v, (list, tuple)):
        items = [literal(x) for x in v]
        return "(" + items[0] + ",)" if len(items) == 1 else "(" + ", ".join(items) + ")"
    raise RenderError(f"cannot render a value of type {type(v).__name__}")


def _printable(text: str) -> str:
    return " ".join("".join(c if c.isprintable() else " " for c in str(text)).split())


def _cut(text: str, limit: int) -> str:
    """``text`` in at most ``limit`` characters, cut at a word boundary (mid-word only for a word
    longer than a third of the limit) and marked with "..."."""
    if len(text) <= limit:
        return text
    head = text[: limit - 3]
    space = head.rfind(" ")
    if space >= (limit - 3) * 2 // 3:
        head = head[:space]
    return head.rstrip(" ,;:.") + "..."


def comment(text: str, limit: int = 100) -> str:
    """Text safe to place after ``#``: printable, one line, bounded, cut between words."""
    return _cut(_printable(text), limit)


def comment_lines(text: str, width: int, max_lines: int = 4) -> list[str]:
    """Text safe after ``#``, wrapped at word boundaries into at most ``max_lines`` lines of
    ``width`` characters; what does not fit ends the last line with "..."."""
    import textwrap

    clean = _printable(text)
    lines = textwrap.wrap(clean, width, break_long_words=True, break_on_hyphens=False)
    if len(lines) <= max_lines:
        return lines
    rest = " ".join(lines[max_lines - 1 :])
    return [*lines[: max_lines - 1], _cut(rest, width)]


def docstring_text(text: str, limit: int = 100) -> str:
    """Text safe inside a triple-quoted docstring: a comment's rules, and no quote or backslash."""
    return comment(text, limit).replace("\\", "/").replace('"', "'")


def _ruff() -> str | None:
    try:
        from ruff.__main__ import find_ruff_bin

        return str(find_ruff_bin())
    except (ImportError, FileNotFoundError):
        return shutil.which("ruff")


_RUFF = _ruff()


LINE_LENGTH = 100


def format_source(source: str, filename: str = "model.py", canonical: bool = False) -> str:
    """ruff format with fixed settings (the user's own config must not change our output), then compile.

    ``canonical``: the emitter already writes ruff's layout (tests/unit/test_codegen.py holds it to
    that), so ruff, which costs 40 ms on a 1,000-node model, only runs when a line is too long.
    """
    if canonical and all(len(line) <= LINE_LENGTH for line in source.splitlines()):
        compile(source, filename, "exec")
        return source
    if _RUFF is not None:
        done = subprocess.run(
            [_RUFF, "format", "--isolated", "--line-length", str(LINE_LENGTH), "--stdin-filename", filename, "-"],
            input=source, capture_output=True, text=True, timeout=30, check=False,
        )
        if done.returncode != 0:
            raise RenderError(f"generated {filename} does not format: {done.stderr.strip()[:500]}")
        source = done.stdout
    compile(source, filename, "exec")
    return source
