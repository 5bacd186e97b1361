"""The HTTP API (FastAPI, under /api/v1) and the server that also serves the web app."""

from torchcanvas.api.main import API_PREFIX, create_app, serve

__all__ = ["API_PREFIX", "create_app", "serve"]
