"""Dependencies and parameter types shared by the routes, as ``Annotated`` aliases."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Path, Query, Request
from sqlalchemy.orm import Session

from torchcanvas.settings import Settings

# Row ids and version numbers are INTEGER columns: 32-bit in PostgreSQL, 64-bit in SQLite. A
# larger number in a URL cannot name a row, and passed on to the database it would be an
# overflow error (a 500), so every id in a path or query is declared with these bounds: 422.
MAX_ID = 2**31 - 1
# OFFSET is a 64-bit integer in both databases.
MAX_OFFSET = 2**63 - 1

IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]
IdQuery = Annotated[int | None, Query(ge=1, le=MAX_ID)]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET)]
# The page size asked for; routes cap it at settings.max_page_size.
PageSize = Annotated[int, Query(ge=1, le=MAX_ID)]


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_db(request: Request) -> Iterator[Session]:
    with request.app.state.sessionmaker() as session:
        yield session


SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[Session, Depends(get_db)]
