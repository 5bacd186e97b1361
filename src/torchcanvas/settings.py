"""Server settings, read from the environment (``TORCHCANVAS_*``) by pydantic-settings."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PACKAGE_DIR = Path(__file__).resolve().parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TORCHCANVAS_", extra="ignore")

    data_dir: Path = Path("./data")
    # None: a SQLite file in the data dir. A postgresql+psycopg://... URL selects PostgreSQL.
    database_url: str | None = None

    host: str = "127.0.0.1"
    port: int = 8000

    # Limits that keep a hostile or accidental request from exhausting the server. The graph
    # document caps its own node/edge/module counts (torchcanvas.graph.model).
    max_body_bytes: int = Field(default=2 * 1024 * 1024, ge=1024)
    max_thumbnail_chars: int = Field(default=256 * 1024, ge=0)
    max_preview_images: int = Field(default=32, ge=1)
    max_page_size: int = Field(default=500, ge=1)

    # Where the built front end and the example graphs live; None means the packaged default.
    static_dir: Path | None = None
    examples_dir: Path | None = None

    # Origins allowed to call the API from another origin (e.g. a Vite dev server that does
    # not proxy). Empty: same origin only.
    cors_origins: list[str] = Field(default_factory=list)

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'torchcanvas.db').resolve()}"

    @property
    def resolved_static_dir(self) -> Path:
        return self.static_dir or PACKAGE_DIR / "static"

    @property
    def resolved_examples_dir(self) -> Path:
        """The examples shipped inside the package, else the repository's ``examples/``.

        An installed wheel has only the packaged copy; a source checkout may have only the
        top-level folder, two levels above the package (``src/torchcanvas``).
        """
        if self.examples_dir is not None:
            return self.examples_dir
        packaged = PACKAGE_DIR / "examples"
        if packaged.is_dir():
            return packaged
        return PACKAGE_DIR.parent.parent / "examples"
