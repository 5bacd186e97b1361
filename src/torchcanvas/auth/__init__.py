"""Accounts, sessions and API tokens, and the one place that decides who may see or change what.

- ``secrets``: password hashing (argon2) and the random secrets behind sessions and tokens.
- ``sessions``: signed-in browsers and personal API tokens, stored hashed.
- ``policy``: may this user read, change or delete this thing? Routes ask; they never decide.
- ``deps``: the FastAPI dependencies ``OptionalUser`` and ``CurrentUser``.
"""
