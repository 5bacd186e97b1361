"""Per-user quotas (settings ``quotas``): saved models here; the runner checks the run quotas.

Past a quota the answer is a 429 whose detail names the quota, where the user stands, and the
fix, e.g. "quota: saved models (20 of 20); delete a model or ask the admin to raise
TORCHCANVAS_QUOTAS__MODELS".
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from torchcanvas.auth.config import Quotas
from torchcanvas.db.models import SavedModel


class QuotaExceeded(RuntimeError):
    """A user is at one of their quotas; nothing was done."""

    def __init__(self, quota: str, what: str, used: int | str, limit: int | str, fix: str) -> None:
        raise_it = f"ask the admin to raise TORCHCANVAS_QUOTAS__{quota.upper()}"
        super().__init__(f"quota: {what} ({used} of {limit}); " + (f"{fix} or {raise_it}" if fix else raise_it))
        self.quota = quota


def models_owned(db: Session, owner_id: int) -> int:
    return int(db.scalar(select(func.count()).select_from(SavedModel).where(SavedModel.owner_id == owner_id)) or 0)


def check_models(db: Session, owner_id: int, quotas: Quotas, adding: int = 1) -> None:
    """Raise QuotaExceeded unless the user may save ``adding`` more models."""
    owned = models_owned(db, owner_id)
    if owned + adding > quotas.models:
        raise QuotaExceeded("models", "saved models", owned, quotas.models, "delete a model")
