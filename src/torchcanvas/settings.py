"""Server settings, read from the environment (``TORCHCANVAS_*``) by pydantic-settings."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from torchcanvas.auth.config import AuthSettings, Quotas
from torchcanvas.importer.config import ImportSettings
from torchcanvas.inference.config import InferenceSettings
from torchcanvas.limits import Limits
from torchcanvas.market.config import MarketSettings

PACKAGE_DIR = Path(__file__).resolve().parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TORCHCANVAS_", env_nested_delimiter="__", extra="ignore")

    data_dir: Path = Path("./data")
    # None: a SQLite file in the data dir. A postgresql+psycopg://... URL selects PostgreSQL.
    database_url: str | None = None

    host: str = "127.0.0.1"
    port: int = 8000

    # Limits that keep a hostile or accidental request from exhausting the server. The graph
    # document caps its own node/edge/module counts (torchcanvas.graph.model).
    max_body_bytes: int = Field(default=2 * 1024 * 1024, ge=1024)
    # How deeply a JSON body may nest: a graph document needs about 6 levels; 1,000 would make a
    # recursive parser fail (api.errors.BodyGuard refuses it first, with a 400).
    max_json_depth: int = Field(default=64, ge=8, le=500)
    max_thumbnail_chars: int = Field(default=256 * 1024, ge=0)
    max_preview_images: int = Field(default=32, ge=1)
    max_page_size: int = Field(default=500, ge=1)
    # The bounds on one request's work, estimated from the document before it is done
    # (torchcanvas.limits); e.g. TORCHCANVAS_LIMITS__REQUEST_TIME_BUDGET_S=5.
    limits: Limits = Field(default_factory=Limits)
    # Accounts (TORCHCANVAS_AUTH__SIGNUP_OPEN=false) and per-user quotas (TORCHCANVAS_QUOTAS__MODELS=50).
    auth: AuthSettings = Field(default_factory=AuthSettings)
    quotas: Quotas = Field(default_factory=Quotas)

    market: MarketSettings = Field(default_factory=MarketSettings)  # e.g. TORCHCANVAS_MARKET__VERIFY=false
    # Importing pasted source (off: it runs the code on the server), e.g. TORCHCANVAS_IMPORTER__SOURCE=true.
    importer: ImportSettings = Field(default_factory=ImportSettings)
    # The inference studio (model cache, upload bounds, attribution cost), e.g. TORCHCANVAS_INFERENCE__CACHE_SIZE=16.
    inference: InferenceSettings = Field(default_factory=InferenceSettings)

    # Where the built front end and the example graphs live; None means the packaged default.
    static_dir: Path | None = None
    examples_dir: Path | None = None

    # Origins allowed to call the API from another origin (e.g. a Vite dev server that does
    # not proxy). Empty: same origin only.
    cors_origins: list[str] = Field(default_factory=list)

    # Training runs (torchcanvas.runner): each run is a `python train.py` process in its own folder
    # under <data_dir>/runs. How many run at once; the rest wait in the queue.
    max_concurrent_runs: int = Field(default=1, ge=1, le=64)
    # How many runs may wait in the queue; past it, starting a run (or an experiment's runs) is
    # answered 429 until some have finished. 40 runs queued in 0.14 s once meant days of training.
    max_queued_runs: int = Field(default=8, ge=1, le=10_000)
    # Per run: wall-clock limit in seconds (the process group is killed), and address-space limit
    # in MiB (RLIMIT_AS; not applied to runs that may use CUDA, which reserves far more address
    # space than it uses). 0: none. 30 minutes fits the seed's models on a laptop CPU many times
    # over; a server meant for long training raises it (TORCHCANVAS_RUN_TIME_LIMIT_S=21600).
    run_time_limit_s: float = Field(default=30 * 60, ge=0)
    run_memory_limit_mb: int = Field(default=8192, ge=0)
    # OMP_NUM_THREADS for runs; None keeps torch's default (small models on a busy machine train
    # several times faster with 1).
    run_torch_threads: int | None = Field(default=None, ge=1)
    # The interpreter that runs train.py; None: the server's own.
    run_python: str | None = None
    # Keep one interpreter with torch already imported for the next run (runner/launcher.py):
    # it saves the 4 s of imports between pressing Train and the first metric.
    run_warm_start: bool = True

    @property
    def runs_dir(self) -> Path:
        return self.data_dir / "runs"

    @property
    def datasets_dir(self) -> Path:
        """Where runs download data sets: a document's dataset ``root`` is a name inside it."""
        return self.data_dir / "datasets"

    @property
    def uploads_dir(self) -> Path:
        """The only place ImageFolder data comes from: ``root`` names a folder inside it."""
        return self.data_dir / "uploads"

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
