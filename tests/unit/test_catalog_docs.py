"""The catalog's texts (summaries and param docs, from torch's docstrings) read as plain text in
the editor's panel: no reST or LaTeX markup is left over from the docstrings."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from torchcanvas.catalog import catalog
from torchcanvas.catalog.introspect import _clean

# What a reader saw in the panel before: "...Adam and Beyond_ (default: False)", ":attr:`x`",
# "\times", "\text{padding\_left}", ".. math::", ".. note::", "H_{out}".
LEFTOVERS = re.compile(
    r"(?P<ref>\w_(?=[\s.,;:)]|$))"
    r"|(?P<role>:(?:attr|class|func|math|meth|ref):)"
    r"|(?P<tick>`)"
    r"|(?P<tex>\\[A-Za-z_{}])"
    r"|(?P<directive>\.\. ?\w*::|\.\. _)"
    r"|(?P<brace>_\{)"
)


def _texts(value: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _texts(v, f"{path}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _texts(v, f"{path}[{i}]")
    elif isinstance(value, str) and path.rsplit(".", 1)[-1] in {"doc", "summary", "description", "hint"}:
        yield path, value


def test_no_catalog_text_has_markup_left_over() -> None:
    texts = list(_texts(catalog().model_dump(), "catalog"))
    assert len(texts) > 500  # every layer, loss, optimizer, scheduler, dataset and transform, and their params
    bad = [(path, m.lastgroup, text) for path, text in texts if (m := LEFTOVERS.search(text))]
    assert not bad, f"{len(bad)} texts with markup left over, e.g. {bad[:5]}"


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        (
            "whether to use the AMSGrad variant of this algorithm from the paper "
            "`On the Convergence of Adam and Beyond`_ (default: False)",
            "whether to use the AMSGrad variant of this algorithm from the paper On the Convergence of Adam and Beyond "
            "(default: False)",
        ),
        (
            "from the paper On the Convergence of Adam and Beyond_ (default: False)",
            "from the paper On the Convergence of Adam and Beyond (default: False)",
        ),
        (
            "the :math:`\\alpha` value for the ELU formulation. Default: 1.0",
            "the α value for the ELU formulation. Default: 1.0",
        ),
        ("lower bound. Default: :math:`\\frac{1}{8}`", "lower bound. Default: 1/8"),
        (
            "uses (:math:`\\text{padding\\_left}`, :math:`\\text{padding\\_right}`)",
            "uses (padding_left, padding_right)",
        ),
        ("of the form :math:`H_{out} \\times W_{out}`.", "of the form H_out × W_out."),
        ("see :attr:`num_features` and :class:`~torch.nn.Linear`", "see num_features and torch.nn.Linear"),
        ("the center. .. note:: In theory, x.", "the center. Note: In theory, x."),
        ("filter. .. _filters: https://pillow.readthedocs.io/en/latest/handbook/concepts.html#filters", "filter."),
        (
            "keeps snake_case names and a trailing_ underscore-free text",
            "keeps snake_case names and a trailing underscore-free text",
        ),
    ],
)
def test_clean(raw: str, clean: str) -> None:
    assert _clean(raw) == clean
