"""Storage of saved models: SQLAlchemy 2 models, sessions and Alembic migrations."""

from torchcanvas.db.migrate import upgrade
from torchcanvas.db.models import Base, ModelVersion, SavedModel
from torchcanvas.db.session import make_engine, make_sessionmaker

__all__ = ["Base", "ModelVersion", "SavedModel", "make_engine", "make_sessionmaker", "upgrade"]
