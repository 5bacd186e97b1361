"""What every zip this server opens must pass, entry by entry, before anything is inflated: used by
data set uploads (``ingest``), mask zips (``masks``) and the studio's batch predictions
(``inference.batch``)."""

from __future__ import annotations

import stat
import zipfile


def entry_problem(info: zipfile.ZipInfo) -> str | None:
    """Why a zip entry's name or type may not be read: None when it may. (String tests, not
    PurePosixPath: a 20,000-entry zip is checked in milliseconds.)"""
    name = info.filename
    if not name.isprintable():
        return "has control characters in its name"
    if "\\" in name:
        return "has a backslash in its name (a Windows path)"
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return "is an absolute path"
    if ".." in name.split("/"):
        return "climbs out of the zip's folder with '..'"
    if stat.S_ISLNK(info.external_attr >> 16):
        return "is a symbolic link"
    if info.flag_bits & 0x1:
        return "is encrypted"
    return None
