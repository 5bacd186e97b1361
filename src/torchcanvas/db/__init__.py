"""Storage of saved models: SQLAlchemy 2 models, sessions and Alembic migrations."""

from torchcanvas.db.migrate import upgrade
from torchcanvas.db.models import (
    ApiToken,
    AuthSession,
    Base,
    Comment,
    Experiment,
    ModelVersion,
    Publication,
    Run,
    RunEvent,
    SavedModel,
    Star,
    User,
)
from torchcanvas.db.session import make_engine, make_sessionmaker

__all__ = [
    "ApiToken",
    "AuthSession",
    "Base",
    "Comment",
    "Experiment",
    "ModelVersion",
    "Publication",
    "Run",
    "RunEvent",
    "SavedModel",
    "Star",
    "User",
    "make_engine",
    "make_sessionmaker",
    "upgrade",
]
