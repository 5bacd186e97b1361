"""``python -m torchcanvas_job``: see the package."""

from . import main

main()
