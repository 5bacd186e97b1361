"""Unit tests: a package, so that they import each other and the references as tests.unit.*."""
