"""inference.batch: zips opened in memory, hostile ones refused from their directory."""

from __future__ import annotations

import io
import struct
import zipfile

import pytest

from torchcanvas.inference.batch import BatchRefused, expand

LIMITS = {"max_files": 10, "max_bytes": 100_000, "max_ratio": 50.0}


def _zip(entries: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries.items():
            z.writestr(name, data)
    return buf.getvalue()


@pytest.mark.parametrize(
    "name", ["../x.png", "a/../../x.png", "/abs.png", "..\\win.png", "C:/drive.png", "a/..\\..\\b.png"]
)
def test_climbing_entries_refuse_the_whole_zip(name: str) -> None:
    with pytest.raises(BatchRefused, match=r"climbs out|absolute path|backslash") as e:
        expand([("z.zip", _zip({"ok.png": b"x", name: b"y"}))], **LIMITS)
    assert e.value.status == 422


def test_a_directory_that_understates_a_size_is_read_no_further() -> None:
    """The central directory says 10 bytes; the entry inflates to 60,000: 10 are inflated, the CRC
    fails, and the file gets an error row."""
    data = bytearray(_zip({"a.png": b"\0" * 60_000, "b.png": b"fine"}))
    central = data.find(b"PK\x01\x02")
    struct.pack_into("<I", data, central + 24, 10)  # a.png's uncompressed size in the central directory
    items = expand([("z.zip", bytes(data))], **LIMITS)
    assert items[0].name == "z.zip/a.png" and items[0].data == b"" and "BadZipFile" in (items[0].error or "")
    assert (items[1].data, items[1].error) == (b"fine", None)


def test_files_folders_and_hidden_entries() -> None:
    items = expand(
        [
            ("a.png", b"1"),
            ("z.zip", _zip({"d/": b"", "d/b.png": b"2", "d/.hidden.png": b"3", "__MACOSX/d/._b.png": b"4"})),
        ],
        **LIMITS,
    )
    assert [(i.name, i.data, i.error) for i in items] == [("a.png", b"1", None), ("z.zip/d/b.png", b"2", None)]


def test_the_byte_budget_counts_across_files_and_zips() -> None:
    with pytest.raises(BatchRefused, match="inflates to") as e:
        expand([("a.png", b"1" * 60_000), ("z.zip", _zip({"b.png": bytes(range(256)) * 200}))], **LIMITS)
    assert e.value.status == 413
