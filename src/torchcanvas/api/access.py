"""Loading a thing for a user: the thing, or a 404 when it does not exist *or* the user may not
act on it. Routes load through here, so that what a refusal reveals is decided once.

The rules themselves are in ``torchcanvas.auth.policy``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from fastapi import HTTPException, status
from sqlalchemy.orm import Session

from torchcanvas.auth import policy
from torchcanvas.db.models import SavedModel, User

ModelCheck = Callable[[User | None, SavedModel], bool]


def model_not_found(model_id: uuid.UUID) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, detail=f"there is no saved model with id {model_id}")


def load_model(
    db: Session, user: User | None, model_id: uuid.UUID, allowed: ModelCheck = policy.can_read_model
) -> SavedModel:
    """The model, if it exists and ``allowed(user, model)``; else the same 404 either way."""
    model = db.get(SavedModel, model_id)
    if model is None or not allowed(user, model):
        raise model_not_found(model_id)
    return model
