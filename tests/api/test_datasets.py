"""Uploaded data sets: upload, list, read, delete; validation messages; hostile uploads refused
fast with nothing written outside the datasets area; who may see and use what."""

from __future__ import annotations

import io
import stat
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.api_support import make_settings, sign_up
from tests.datasets_support import classification_csv, digit_images, image_folder_zip, regression_csv
from torchcanvas.api import create_app
from torchcanvas.datasets.config import DatasetSettings
from torchcanvas.settings import Settings

API = "/api/v1/datasets"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path, datasets=DatasetSettings(max_classes=100, max_columns=1000))


@pytest.fixture
def app_clients(settings: Settings) -> Iterator[tuple[TestClient, TestClient]]:
    """alice (the first account, so the admin) and bob."""
    app = create_app(settings)
    with TestClient(app, raise_server_exceptions=False) as alice:
        sign_up(alice, "alice")
        bob = TestClient(app, raise_server_exceptions=False)
        sign_up(bob, "bob")
        yield alice, bob


@pytest.fixture
def client(app_clients: tuple[TestClient, TestClient]) -> TestClient:
    return app_clients[0]


def upload(client: TestClient, filename: str, data: bytes, **fields: Any) -> Any:
    return client.post(API, files={"file": (filename, data, "application/octet-stream")}, data=fields)


def tree(folder: Path) -> dict[str, int]:
    """Every file under ``folder`` with its size, and every folder (size -1)."""
    return {str(p.relative_to(folder)): (p.stat().st_size if p.is_file() else -1) for p in folder.rglob("*")}


def zip_of(entries: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries.items():
            z.writestr(name, data)
    return buf.getvalue()


def digits_entries(classes: int = 2, per_class: int = 4, size: int = 16) -> dict[str, bytes]:
    return {
        f"{c}/{i}.png": png for c, pngs in digit_images(classes, per_class, size).items() for i, png in enumerate(pngs)
    }


# ---- the happy path -------------------------------------------------------------------------------


def test_upload_list_read_delete_an_image_zip(client: TestClient, settings: Settings, tmp_path: Path) -> None:
    r = upload(client, "digits.zip", image_folder_zip(tmp_path / "d.zip", classes=3, per_class=10).read_bytes())
    assert r.status_code == 201, r.text
    ds = r.json()
    assert ds["name"] == "digits" and ds["kind"] == "images" and ds["visibility"] == "private"
    assert ds["classes"] == ["one", "two", "zero"]  # sorted, as torchvision's ImageFolder orders them
    # 10 per class, 0.2 held out per class: stratified
    assert ds["class_counts"] == {"train": [8, 8, 8], "test": [2, 2, 2]}
    assert ds["input_shape"] == [3, 16, 16]  # they all share one size: kept
    assert ds["choice"] == {
        "type": "ImageFolder",
        "params": {"dataset": ds["id"], "root": "digits", "image_size": 16, "num_classes": 3},
    }
    assert ds["sample_grid"].startswith("data:image/png;base64,")
    folder = settings.data_dir / "uploads" / ".datasets" / str(ds["id"])
    assert sorted(p.name for p in (folder / "train").iterdir()) == ["one", "two", "zero"]
    assert len(list((folder / "test" / "zero").glob("*.png"))) == 2
    # nothing is left in the incoming area
    assert not any((settings.data_dir / "uploads" / ".incoming").iterdir())

    listed = client.get(API).json()["items"]
    assert [d["id"] for d in listed] == [ds["id"]] and "sample_grid" not in listed[0]
    got = client.get(f"{API}/{ds['id']}").json()
    assert got["class_counts"] == ds["class_counts"] and got["sample_grid"] == ds["sample_grid"]

    assert client.delete(f"{API}/{ds['id']}").status_code == 204
    assert not folder.exists()
    assert client.get(f"{API}/{ds['id']}").status_code == 404


def test_the_split_is_reproducible_by_seed(client: TestClient, settings: Settings, tmp_path: Path) -> None:
    data = image_folder_zip(tmp_path / "d.zip", classes=2, per_class=10).read_bytes()
    ids = [upload(client, "d.zip", data, name=f"d{i}", seed=str(s)).json()["id"] for i, s in enumerate((7, 7, 8))]
    area = settings.data_dir / "uploads" / ".datasets"

    def test_files(i: int) -> list[bytes]:
        return [p.read_bytes() for p in sorted((area / str(i) / "test").rglob("*.png"))]

    assert test_files(ids[0]) == test_files(ids[1])
    assert test_files(ids[0]) != test_files(ids[2])


def test_an_explicit_train_test_split_inside_a_top_folder(client: TestClient, tmp_path: Path) -> None:
    data = image_folder_zip(tmp_path / "d.zip", classes=2, per_class=8, split=True, top="mydata/").read_bytes()
    ds = upload(client, "d.zip", data).json()
    assert ds["class_counts"] == {"train": [6, 6], "test": [2, 2]}
    assert ds["details"]["split"] == "folders"


def test_mixed_sizes_are_said_and_resized_to_the_chosen_size(client: TestClient, tmp_path: Path) -> None:
    entries = {**digits_entries(2, 3, size=16), **{f"x{k}": v for k, v in digits_entries(2, 3, size=24).items()}}
    entries = {("zero/" if "zero" in k else "one/") + k.replace("/", "_"): v for k, v in entries.items()}
    ds = upload(client, "mixed.zip", zip_of(entries), image_size="20").json()
    assert ds["input_shape"] == [3, 20, 20]
    assert any("2 different sizes" in n and "resized to 20x20" in n for n in ds["notes"]), ds["notes"]


def test_csv_regression_and_classification(client: TestClient, settings: Settings, tmp_path: Path) -> None:
    r = upload(client, "houses.csv", regression_csv(tmp_path / "h.csv").read_bytes(), task="regression",
               features="a,b,c")  # fmt: skip
    assert r.status_code == 201, r.text
    reg = r.json()
    assert reg["type"] == "CSVRegression" and reg["input_shape"] == [3] and reg["num_train"] + reg["num_test"] == 120
    assert reg["choice"]["params"] == {"dataset": reg["id"], "root": "houses", "features": 3}
    folder = settings.data_dir / "uploads" / ".datasets" / str(reg["id"])
    assert (folder / "train.csv").read_text().splitlines()[0] == "a,b,c,y"

    r = upload(client, "angles.csv", classification_csv(tmp_path / "c.csv").read_bytes())
    assert r.status_code == 201, r.text
    cls = r.json()
    assert cls["type"] == "CSVClassification" and cls["classes"] == ["blue", "green", "red"]
    assert cls["input_shape"] == [2] and cls["choice"]["params"]["num_classes"] == 3
    # stratified: each class's test share is within one row of 20 %
    for n_train, n_test in zip(cls["class_counts"]["train"], cls["class_counts"]["test"], strict=True):
        assert abs(n_test - 0.2 * (n_train + n_test)) <= 1


# ---- validation: each message names the file or column and the fix --------------------------------


def problems(r: Any) -> list[dict[str, str]]:
    body = r.json()
    assert body["detail"] and all(p["message"] for p in body["problems"])
    return list(body["problems"])


def test_a_corrupt_image_is_named(client: TestClient) -> None:
    entries = {**digits_entries(2, 3), "one/broken.png": b"\x89PNG\r\n\x1a\nnot really"}
    r = upload(client, "d.zip", zip_of(entries))
    assert r.status_code == 422
    [p] = problems(r)
    assert p["where"] == "one/broken.png" and "not an image" in p["message"] and p["fix"]


def test_a_class_with_one_sample_is_named(client: TestClient) -> None:
    entries = {**digits_entries(2, 3), "lonely/0.png": digits_entries(1, 1)["zero/0.png"]}
    r = upload(client, "d.zip", zip_of(entries))
    assert r.status_code == 422
    [p] = problems(r)
    assert p["where"] == "lonely" and "needs at least 2" in p["message"] and "add images to lonely/" in p["fix"]


def test_non_numeric_columns_are_named(client: TestClient) -> None:
    csv = "a,b,colour,y\n1,2,red,0\n3,,blue,1\n5,6,red,0\n7,8,blue,1\n"
    r = upload(client, "t.csv", csv.encode())
    assert r.status_code == 422
    found = {p["where"]: p for p in problems(r)}
    assert set(found) == {"b", "colour"}
    assert "line 3 is empty" in found["b"]["message"] and "'red'" in found["colour"]["message"]
    assert "leave the column out of the features" in found["colour"]["fix"]
    # leaving it out makes it a data set
    assert upload(client, "t.csv", csv.replace(",,", ",4,").encode(), features="a,b").status_code == 201


def test_a_regression_target_must_be_numeric(client: TestClient, tmp_path: Path) -> None:
    r = upload(client, "c.csv", classification_csv(tmp_path / "c.csv").read_bytes(), task="regression")
    assert r.status_code == 422 and problems(r)[0]["where"] == "kind"


def test_a_second_data_set_of_the_same_name_is_refused(client: TestClient, tmp_path: Path) -> None:
    data = image_folder_zip(tmp_path / "d.zip", classes=2, per_class=4).read_bytes()
    assert upload(client, "d.zip", data).status_code == 201
    r = upload(client, "d.zip", data)
    assert r.status_code == 409 and "already have a data set named 'd'" in r.json()["detail"]


# ---- hostile uploads: refused in milliseconds, nothing written outside the datasets area ---------


def _symlink_zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in digits_entries(2, 2).items():
            z.writestr(name, data)
        link = zipfile.ZipInfo("one/evil.png")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        z.writestr(link, "/etc/passwd")
    return buf.getvalue()


def _bomb() -> bytes:
    """One 'image' of 64 MB of zeros: about 64 kB compressed, 1,000 times."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for name, data in digits_entries(2, 2).items():
            z.writestr(name, data)
        with z.open("one/huge.png", "w", force_zip64=True) as f:
            chunk = bytes(1024 * 1024)
            for _ in range(64):
                f.write(chunk)
    return buf.getvalue()


def _many_classes() -> bytes:
    png = digits_entries(1, 1)["zero/0.png"]
    return zip_of({f"class{k:05d}/0.png": png for k in range(10_000)})


HOSTILE: dict[str, tuple[str, Any, int, str]] = {
    # name: (file name, its bytes (made lazily), status, a text the refusal contains)
    "zip bomb": ("bomb.zip", _bomb, 413, "zip bomb"),
    "../ entry": ("up.zip", lambda: zip_of({**digits_entries(2, 2), "../../../escaped.png": b"x"}), 422, "'..'"),
    "absolute entry": ("abs.zip", lambda: zip_of({**digits_entries(2, 2), "/tmp/abs.png": b"x"}), 422, "absolute"),
    "symlink entry": ("link.zip", _symlink_zip, 422, "symbolic link"),
    "non-image": ("txt.zip", lambda: zip_of({**digits_entries(2, 2), "one/notes.txt": b"hello"}), 422, "not an image"),
    "0-byte file": (
        "empty.zip",
        lambda: zip_of({**digits_entries(2, 2), "one/empty.png": b""}),
        422,
        "empty (0 bytes)",
    ),
    "10k classes": ("classes.zip", _many_classes, 413, "10,000 class folders"),
    "10^6 columns": ("wide.csv", lambda: (",".join(f"c{k}" for k in range(10**6)) + "\n1\n").encode(), 413, "header"),
    "not a zip": ("fake.zip", lambda: b"PK\x03\x04 and then nothing", 422, "not a zip file"),
    "no file": ("", None, 422, "no file"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_uploads_are_refused_fast_leaving_nothing(client: TestClient, settings: Settings, case: str) -> None:
    filename, make, expected, text = HOSTILE[case]
    data = make() if make else None
    upload(client, "warm.csv", b"a,b\n")  # the first request's imports are not the refusal's cost
    before = tree(settings.data_dir)
    start = time.perf_counter()
    r = client.post(API, files={"notfile": (None, b"x")}) if data is None else upload(client, filename, data)
    elapsed = time.perf_counter() - start
    assert r.status_code == expected, r.text
    assert text in r.text, r.text
    assert elapsed < 1.0, f"{case} took {elapsed:.2f} s"
    after = tree(settings.data_dir)
    changed = {k for k in before.keys() ^ after.keys()} | {k for k in before if after.get(k) != before[k]}
    # the database file changes (a refused upload writes no row, but SQLite may touch its journal)
    assert {k for k in changed if not k.startswith("torchcanvas.db")} == set(), changed
    assert not (Path("/tmp/abs.png").exists() or (settings.data_dir.parent / "escaped.png").exists())


def test_an_upload_over_the_size_limit_is_refused_while_streaming(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, datasets=DatasetSettings(max_upload_bytes=64 * 1024))
    with TestClient(create_app(settings), raise_server_exceptions=False) as c:
        sign_up(c, "alice")
        r = upload(c, "big.csv", b"a,b\n" + b"1,2\n" * 40_000)
        assert r.status_code == 413 and "larger than the limit" in r.text  # by its Content-Length
        incoming = settings.data_dir / "uploads" / ".incoming"
        assert not incoming.exists() or not any(incoming.iterdir())

        # a body with no Content-Length is counted as it streams
        def body() -> Iterator[bytes]:
            yield b'--b\r\nContent-Disposition: form-data; name="file"; filename="x.csv"\r\n\r\n'
            for _ in range(100):
                yield b"1,2\n" * 1000

        r = c.post(API, content=body(), headers={"Content-Type": "multipart/form-data; boundary=b"})
        assert r.status_code == 413 and "larger than the limit" in r.text
        assert not any(incoming.iterdir())  # the part written so far is gone


# ---- who may see what --------------------------------------------------------------------------


def test_other_users_private_data_sets_are_404_and_public_ones_listed(
    app_clients: tuple[TestClient, TestClient], tmp_path: Path
) -> None:
    alice, bob = app_clients
    ds = upload(alice, "d.zip", image_folder_zip(tmp_path / "d.zip", classes=2, per_class=4).read_bytes()).json()
    assert bob.get(f"{API}/{ds['id']}").status_code == 404
    assert bob.delete(f"{API}/{ds['id']}").status_code == 404
    assert bob.get(API).json()["items"] == []
    assert alice.patch(f"{API}/{ds['id']}", json={"visibility": "public"}).status_code == 200
    seen = bob.get(f"{API}/{ds['id']}").json()
    assert seen["owner"] == "alice" and seen["can_delete"] is False
    assert [d["id"] for d in bob.get(API).json()["items"]] == [ds["id"]]
    assert bob.delete(f"{API}/{ds['id']}").status_code == 404
    assert bob.patch(f"{API}/{ds['id']}", json={"visibility": "private"}).status_code == 404


def test_uploading_needs_an_account(settings: Settings, tmp_path: Path) -> None:
    with TestClient(create_app(settings), raise_server_exceptions=False) as anonymous:
        r = upload(anonymous, "d.csv", b"a,b\n1,2\n")
        assert r.status_code == 401
        assert not (settings.data_dir / "uploads" / ".datasets").exists()
