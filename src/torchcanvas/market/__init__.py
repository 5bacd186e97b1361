"""The model market: publishing, search, forks, stars, comments, and the verified-runnable badge.

- ``publish``: a model's current version becomes an immutable, numbered publication (model card,
  numbers from the shape check, a thumbnail, the result of one of the owner's runs);
- ``verify``: in the background, the published graph's generated code runs one training step;
- ``search``: the market's listing, with full-text search (SQLite FTS5 or PostgreSQL tsvector);
- ``social``: forks, stars and comments; ``seed``: the examples, published on first start.
"""
