"""The runner tests sign in through the API too: argon2 at its smallest costs (api_support)."""

from tests.api.api_support import cheap_password_hashing

__all__ = ["cheap_password_hashing"]
