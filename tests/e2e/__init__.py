"""Browser tests: the built editor in a real Chromium against the real server."""
