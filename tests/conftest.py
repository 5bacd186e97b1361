"""Defaults for every test's server, in-process or a subprocess (which inherits the environment).

A server seeds the market with the examples at start-up and verifies each publication by running
its code in a fresh Python process: a dozen torch imports per server, which the many servers of
the suite cannot afford. Tests of the market turn them back on explicitly (their settings'
``market=...`` and a LiveServer's ``env`` win over these defaults).
"""

import os

os.environ.setdefault("TORCHCANVAS_MARKET__SEED_EXAMPLES", "false")
os.environ.setdefault("TORCHCANVAS_MARKET__VERIFY", "false")
