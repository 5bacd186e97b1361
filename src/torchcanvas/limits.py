"""The bounds on the work one request may cause, declared once.

Every request's cost is estimated from the document before the work starts (module instances
after expansion, elements per tensor, total parameters, image sizes in every transform, the
ONNX file size); past a bound the request is refused with :class:`LimitExceeded`, which the API
answers with a 422 naming the limit and where it was hit. The defaults are generous for real
models (ViT-L, ResNet-152 and a 1,000-node flat graph sit well inside them) and can be changed
per server with ``TORCHCANVAS_LIMITS__<NAME>`` (see ``torchcanvas.settings``).
"""

from __future__ import annotations

from pydantic import BaseModel, Field


class Limits(BaseModel):
    # How long one request's CPU work (check, codegen, export, previews, lab demos) may take
    # before the server answers 503 instead of waiting for it.
    request_time_budget_s: float = Field(default=20.0, gt=0)
    # How many such requests do their work at once (torchcanvas.api.work), and how long one more
    # waits for a free worker before the server answers 503 "busy, retry".
    max_cpu_jobs: int = Field(default=4, ge=1, le=256)
    cpu_wait_s: float = Field(default=2.0, ge=0)


class LimitExceeded(Exception):
    """A request would cost more than a limit allows; nothing was done.

    ``limit`` is the field of :class:`Limits` that was exceeded, ``where`` names the place in
    the document (a node id, ``training.train_transforms[2]``, ...), ``value`` is the estimated
    cost and ``maximum`` the bound.
    """

    def __init__(self, limit: str, where: str, value: float, maximum: float, fix: str = "") -> None:
        self.limit = limit
        self.where = where
        self.value = value
        self.maximum = maximum
        self.fix = fix
        message = f"{where}: {limit} is {value:,.0f}, over the limit of {maximum:,.0f}"
        super().__init__(f"{message}; {fix}" if fix else message)

    def as_dict(self) -> dict[str, object]:
        return {
            "limit": self.limit,
            "where": self.where,
            "value": self.value,
            "maximum": self.maximum,
            "fix": self.fix,
            "message": str(self),
        }
