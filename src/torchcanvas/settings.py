"""Server settings, read from the environment (``TORCHCANVAS_*``) by pydantic-settings."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from torchcanvas.auth.config import AuthSettings, Quotas
from torchcanvas.datasets.config import DatasetSettings
from torchcanvas.importer.config import ImportSettings
from torchcanvas.inference.config import InferenceSettings
from torchcanvas.limits import Limits
from torchcanvas.market.config import MarketSettings

PACKAGE_DIR = Path(__file__).resolve().parent


class MetricsSettings(BaseModel):
    """``GET /metrics`` for Prometheus (torchcanvas.api.observability; docs/deploy.md).

    Not public: the figures tell an outsider how busy the server is and what its users run. A
    scrape is answered when it comes straight from an address in ``allow`` (the loopback by
    default, for a Prometheus on the same machine), or when it sends ``Authorization: Bearer
    <token>``. A request that came through a proxy (X-Forwarded-For, Forwarded or X-Real-IP) needs
    the token whatever its address: behind nginx every request comes from 127.0.0.1.
    """

    enabled: bool = True
    token: str | None = Field(default=None, min_length=16)  # TORCHCANVAS_METRICS__TOKEN
    allow: list[str] = Field(default_factory=lambda: ["127.0.0.0/8", "::1/128"])  # addresses or networks

    @field_validator("allow")
    @classmethod
    def _networks(cls, v: list[str]) -> list[str]:
        for net in v:
            ipaddress.ip_network(net, strict=False)  # a ValueError names the bad entry
        return v


class WeightsSettings(BaseModel):
    """Initial weights users upload for their runs (torchcanvas.runner.weights), e.g.
    TORCHCANVAS_WEIGHTS__MAX_BYTES=2147483648."""

    max_bytes: int = Field(default=1024 * 1024 * 1024, ge=1024)  # one file: vit_b_16's state_dict is 330 MB
    max_files: int = Field(default=20, ge=1, le=10_000)  # per user
    max_total_bytes: int = Field(default=4 * 1024 * 1024 * 1024, ge=1024)  # per user, all files together


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
    weights: WeightsSettings = Field(default_factory=WeightsSettings)
    # Uploaded data sets (zips of images, CSVs): sizes, counts, ratios, e.g. TORCHCANVAS_DATASETS__MAX_FILES=5000.
    datasets: DatasetSettings = Field(default_factory=DatasetSettings)

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

    # Run workers (torchcanvas.worker). Who executes runs: "local" (train.py as a child process of
    # the worker) or "ray" (a Ray job per run, on the cluster at RAY_ADDRESS; the .[cluster] extra).
    runner: Literal["local", "ray"] = "local"
    # A worker inside this API process (what a single `create_app()` needs to train anything).
    # `torchcanvas serve` turns it off in its API processes and starts `torchcanvas worker` instead.
    embedded_worker: bool = True
    # How many runs one worker executes at once (the embedded one: max_concurrent_runs).
    worker_concurrency: int | None = Field(default=None, ge=1, le=64)
    # A worker refreshes the lease of its runs every heartbeat; a run whose lease is older than
    # run_lease_s is marked interrupted by any worker or API process (its worker died).
    run_heartbeat_s: float = Field(default=1.0, gt=0, le=60)
    run_lease_s: float = Field(default=10.0, gt=0, le=3600)
    # SQLite has no LISTEN/NOTIFY: workers look for queued runs, and event streams for new
    # events, this often (PostgreSQL wakes both at once, and polls only as a fallback).
    worker_poll_s: float = Field(default=0.2, gt=0, le=10)
    events_poll_s: float = Field(default=0.25, gt=0, le=10)
    # Run the migrations when an app starts; `serve` runs them once before it forks its API
    # processes, and turns this off in them.
    migrate_on_start: bool = True

    # Logs of the server and the run worker (torchcanvas.logs): "plain" lines for a terminal, or
    # "json", one object per line (time, level, logger, message, request_id, run_id, exception)
    # for a log collector.
    log_format: Literal["plain", "json"] = "plain"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    metrics: MetricsSettings = Field(default_factory=MetricsSettings)  # e.g. TORCHCANVAS_METRICS__TOKEN=...
    # On SIGTERM the server stops accepting connections and waits this long for the requests in
    # flight; event streams, which never end by themselves, are then closed (the browser reconnects
    # to another process with Last-Event-ID).
    shutdown_grace_s: int = Field(default=20, ge=1, le=3600)
    # serve's supervisor restarts an API process that does not answer its ping for this long. At
    # uvicorn's 5 s, a process that was alive but starved of CPU (load average 20 on 2 cores, in
    # bench/load.py) was killed with the requests it was answering.
    api_process_healthcheck_s: int = Field(default=30, ge=1, le=3600)

    @field_validator("data_dir")
    @classmethod
    def _absolute(cls, v: Path) -> Path:
        # Absolute from the start: a run executes in its own folder, so a relative path (the
        # default ./data) would name another place from there (`make run`'s runs failed so).
        return v.expanduser().absolute()

    @field_validator("log_format", "log_level", mode="before")
    @classmethod
    def _case_insensitive(cls, v: object) -> object:
        if not isinstance(v, str):
            return v
        return v.upper() if v.upper() in ("DEBUG", "INFO", "WARNING", "ERROR") else v.lower()

    # A Ray cluster runs the runs (TORCHCANVAS_RUNNER=ray, the .[cluster] extra; see the README's
    # "Running on a Ray cluster" and runner/ray_executor.py). The cluster's job API, such as
    # http://head:8265; unset: Ray's own RAY_ADDRESS.
    ray_address: str | None = None
    # Where the cluster's machines see this data directory (shared storage, e.g. an NFS mount).
    # Set: runs read data sets and write runs/ there directly. Unset: each node downloads data sets
    # into its own cache, and a run's outputs come back through its job's log.
    ray_shared_data_dir: str | None = None
    ray_run_cpus: float = Field(default=1, gt=0, le=1024)  # the CPUs Ray reserves for each run
    # The largest outputs (runs/: checkpoint and TensorBoard files, compressed) a run may send
    # back without shared storage; past it they stay on the node, and the log says so.
    ray_max_output_mb: int = Field(default=256, ge=1, le=16_384)
    # Every job's submission id starts with it: two servers sharing one cluster use two prefixes.
    ray_job_prefix: str = Field(default="torchcanvas", pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$")

    @property
    def runs_dir(self) -> Path:
        return self.data_dir / "runs"

    @property
    def datasets_dir(self) -> Path:
        """Where runs download data sets: a document's dataset ``root`` is a name inside it."""
        return self.data_dir / "datasets"

    @property
    def uploads_dir(self) -> Path:
        """The only place ImageFolder data comes from: ``root`` names a folder inside it; uploaded
        data sets are kept in its ``.datasets/`` folder (torchcanvas.datasets.store)."""
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
