"""Storage of saved models: SQLAlchemy 2 models, sessions and Alembic migrations."""

from torchcanvas.db.migrate import upgrade
from torchcanvas.db.models import Base, Experiment, ModelVersion, Run, RunEvent, SavedModel
from torchcanvas.db.session import make_engine, make_sessionmaker

__all__ = ["Base", "Experiment", "ModelVersion", "Run", "RunEvent", "SavedModel", "make_engine", "make_sessionmaker", "upgrade"]
