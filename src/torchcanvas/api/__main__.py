"""``python -m torchcanvas.api [--host H] [--port P]``: run the server."""

from __future__ import annotations

import argparse

from torchcanvas.api.main import serve


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m torchcanvas.api", description="Run the torchcanvas server.")
    parser.add_argument("--host", default=None, help="default 127.0.0.1 (TORCHCANVAS_HOST)")
    parser.add_argument("--port", type=int, default=None, help="default 8000 (TORCHCANVAS_PORT)")
    args = parser.parse_args(argv)
    serve(args.host, args.port)


if __name__ == "__main__":
    main()
