"""API tests: a package, so that their module names cannot collide with tests/unit."""
