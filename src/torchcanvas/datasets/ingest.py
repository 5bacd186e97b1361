"""Turning an uploaded file into a data set on disk, or refusing it with reasons.

Two kinds of upload:

- a zip of images in class folders: ``<class>/*`` (split here by ``test_fraction``, per class,
  reproducibly by ``seed``), or ``train/<class>/*`` and ``test/<class>/*``. One top folder around
  either layout is allowed. Every image is decoded, converted to RGB and resized to one size,
  then written as ``train/<class>/00000.png`` and ``test/<class>/00000.png``: the names and bytes
  on disk are ours, never the zip's.
- a CSV of numbers with a header row: the chosen feature columns and the target column, for
  classification (the target's distinct values are the classes) or regression. Split the same
  way (stratified for classification), and written as ``train.csv`` and ``test.csv``: the
  features, then the target (a class index, or the value).

Everything that can be refused from the zip's central directory (names, symlinks, entry count,
empty files, non-images, too many classes, the uncompressed size and compression ratio) is
refused before a byte is decompressed, and the sizes are counted again while decompressing.
A CSV's header line is read with a byte bound before any row. ``UploadRefused`` carries each
problem with the file or column it is about and the fix.
"""

from __future__ import annotations

import csv
import io
import math
import random
import zipfile
from array import array
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from torchcanvas.datasets.config import DatasetSettings
from torchcanvas.datasets.zips import entry_problem
from torchcanvas.limits import IMAGE_FORMATS

Task = Literal["classification", "regression"]
IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff", ".ppm", ".pgm"})
# What archivers and file browsers leave in a zip: skipped, never refused.
JUNK = frozenset({"__MACOSX", "Thumbs.db", "desktop.ini"})
MAX_PROBLEMS = 20  # listed in one refusal; the rest are counted
# The sample grid fits the Training tab's panel (about 270 px wide) unscaled.
GRID_CLASSES, GRID_PER_CLASS, GRID_CELL = 8, 6, 32
# A zip entry this small may compress any amount (a text file of zeros): the ratio is checked above it.
RATIO_FLOOR_BYTES = 1024 * 1024


@dataclass
class Problem:
    message: str
    where: str = ""  # the file or column
    fix: str = ""

    def as_dict(self) -> dict[str, str]:
        return {"message": self.message, "where": self.where, "fix": self.fix}


class UploadRefused(Exception):
    """Nothing was stored. ``problems``: each with the file or column and the fix."""

    def __init__(self, problems: Sequence[Problem], more: int = 0, status: int = 422) -> None:
        self.problems = list(problems)
        self.more = more
        self.status = status
        first = self.problems[0]
        head = f"{first.where}: {first.message}" if first.where else first.message
        n = len(self.problems) + more
        summary = head if n == 1 else f"the upload has {n} problems; the first: {head}"
        super().__init__(f"{summary}; {first.fix}" if first.fix else summary)


def refuse(message: str, where: str = "", fix: str = "", status: int = 422) -> UploadRefused:
    return UploadRefused([Problem(message, where, fix)], status=status)


class Problems:
    """Problems collected while reading, refused all at once (up to MAX_PROBLEMS listed)."""

    def __init__(self) -> None:
        self.items: list[Problem] = []
        self.more = 0

    def add(self, message: str, where: str = "", fix: str = "") -> None:
        if len(self.items) < MAX_PROBLEMS:
            self.items.append(Problem(message, where, fix))
        else:
            self.more += 1

    def raise_any(self) -> None:
        if self.items:
            raise UploadRefused(self.items, self.more)


@dataclass
class Ingested:
    """What the upload became: the row's facts (torchcanvas.db.models.Dataset)."""

    kind: Literal["images", "table"]
    task: Task
    classes: list[str]
    class_counts: dict[str, list[int]]  # "train" / "test": samples per class, in class order
    input_shape: list[int]
    num_train: int
    num_test: int
    details: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def split_indices(n: int, test_fraction: float, rng: random.Random) -> tuple[list[int], list[int]]:
    """(train, test) indices of ``n`` samples: at least one of each when n >= 2."""
    order = list(range(n))
    rng.shuffle(order)
    n_test = min(max(1, round(n * test_fraction)), n - 1) if n >= 2 else 0
    return sorted(order[n_test:]), sorted(order[:n_test])


# ---- zips of images ------------------------------------------------------------------------------


@dataclass
class ImageOptions:
    image_size: int | None = None  # None: the images' own size when they all share one square size, else 32
    test_fraction: float = 0.2
    seed: int = 0


def _is_junk(parts: Sequence[str]) -> bool:
    return any(p in JUNK or p[:1] == "." for p in parts)


def _class_problem(name: str) -> str | None:
    if len(name) > 100:
        return "is longer than 100 characters"
    if name.strip() != name or not name:
        return "starts or ends with a space"
    return None


@dataclass
class _Member:
    info: zipfile.ZipInfo
    cls: str
    split: str | None  # "train" / "test" for an explicit split, None when it is split here


def _layout(infos: Iterable[zipfile.ZipInfo], problems: Problems) -> list[_Member]:
    """The image members with their class (and split), from names alone."""
    files: list[tuple[list[str], zipfile.ZipInfo]] = []
    for info in infos:
        if info.is_dir():
            continue
        parts = [p for p in info.filename.split("/") if p]
        if _is_junk(parts):
            continue
        files.append((parts, info))
    if not files:
        raise refuse("the zip holds no files", fix="zip folders of images, one per class: <class>/*.png")
    # One folder around everything (a zipped folder): look inside it.
    while (
        len({p[0] for p, _ in files}) == 1
        and all(len(p) >= 3 for p, _ in files)
        and files[0][0][0] not in ("train", "test")
    ):
        files = [(p[1:], i) for p, i in files]
    explicit = {p[0] for p, _ in files} <= {"train", "test"} and all(len(p) >= 3 for p, _ in files)
    members = []
    for parts, info in files:
        where = info.filename
        depth = 3 if explicit else 2
        if len(parts) < depth:
            fix = (
                "put it in train/<class>/ or test/<class>/" if explicit else "put it in a folder named after its class"
            )
            problems.add("is not inside a class folder", where, fix)
            continue
        cls = parts[1] if explicit else parts[0]
        if why := _class_problem(cls):
            problems.add(f"class folder name {cls!r} {why}", where, "rename the folder")
            continue
        suffix = parts[-1][parts[-1].rfind(".") :].lower() if "." in parts[-1] else ""
        if suffix not in IMAGE_SUFFIXES:
            problems.add(
                f"is not an image (a {suffix or 'file without extension'})",
                where,
                "remove it from the zip; images are .png, .jpg, .bmp, .gif, .webp or .tif",
            )
            continue
        if info.file_size == 0:
            problems.add("is empty (0 bytes)", where, "remove it from the zip, or replace it with the image")
            continue
        members.append(_Member(info, cls, parts[0] if explicit else None))
    return members


def _check_directory(zf: zipfile.ZipFile, zip_bytes: int, limits: DatasetSettings) -> list[zipfile.ZipInfo]:
    """The zip's entries, once its central directory passes every check that needs no decompressing."""
    infos = zf.infolist()
    if len(infos) > limits.max_files:
        raise refuse(
            f"the zip has {len(infos):,} entries, over the limit of {limits.max_files:,}",
            fix="upload fewer images, or ask the server's admin to raise TORCHCANVAS_DATASETS__MAX_FILES",
            status=413,
        )
    problems = Problems()
    for info in infos:
        if why := entry_problem(info):
            problems.add(why, info.filename[:200], "remove the entry; a data set's zip holds only folders and images")
    problems.raise_any()
    total = sum(i.file_size for i in infos)
    if total > limits.max_uncompressed_bytes:
        raise refuse(
            f"the zip's files add up to {total:,} bytes uncompressed, over the limit of "
            f"{limits.max_uncompressed_bytes:,} (a zip bomb, or a data set too big for this server)",
            fix="upload a smaller data set",
            status=413,
        )
    if total > RATIO_FLOOR_BYTES and total / max(zip_bytes, 1) > limits.max_ratio:
        raise refuse(
            f"the zip expands {total / max(zip_bytes, 1):,.0f} times, over the limit of {limits.max_ratio:g} "
            "(a zip bomb: images do not compress like that)",
            fix="upload the images themselves, zipped once",
            status=413,
        )
    for info in infos:
        if info.file_size > RATIO_FLOOR_BYTES and info.file_size / max(info.compress_size, 1) > limits.max_ratio:
            raise refuse(
                f"expands {info.file_size / max(info.compress_size, 1):,.0f} times, over the limit of "
                f"{limits.max_ratio:g} (a zip bomb: images do not compress like that)",
                info.filename[:200],
                "remove it from the zip",
                status=413,
            )
    return infos


class _Reader:
    """A member's bytes, bounded by what the directory declared and by the limits, counted again
    while decompressing (the central directory may lie about sizes)."""

    def __init__(self, zf: zipfile.ZipFile, limits: DatasetSettings) -> None:
        self.zf, self.limits, self.total = zf, limits, 0

    def read(self, info: zipfile.ZipInfo) -> bytes:
        bound = min(info.file_size, self.limits.max_image_bytes)
        if info.file_size > self.limits.max_image_bytes:
            raise refuse(
                f"is {info.file_size:,} bytes, over the limit of {self.limits.max_image_bytes:,} for one image",
                info.filename,
                "make the image smaller",
            )
        try:
            with self.zf.open(info) as f:
                data = f.read(bound + 1)
        except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError) as e:
            raise refuse(f"cannot be decompressed ({e})", info.filename, "zip the data set again") from None
        self.total += len(data)
        if len(data) > bound or self.total > self.limits.max_uncompressed_bytes:
            raise refuse(
                "holds more bytes than the zip's directory says (a zip bomb, or a damaged zip)",
                info.filename,
                "zip the data set again",
                status=413,
            )
        return data


def _open_image(data: bytes, where: str, limits: DatasetSettings) -> Any:
    """The image with its header read (no pixels decoded); refuses what is not an image or too large."""
    from PIL import Image, UnidentifiedImageError

    try:
        # Only these decoders: PIL picks one by content, not by name, and some (EPS) run programs.
        img = Image.open(io.BytesIO(data), formats=IMAGE_FORMATS)
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as e:
        raise refuse(f"is not an image that can be read ({str(e)[:120]})", where, "replace or remove it") from None
    w, h = img.size
    if w * h > limits.max_image_pixels or w < 1 or h < 1:
        raise refuse(
            f"is {w} x {h} pixels, over the limit of {limits.max_image_pixels:,} pixels per image",
            where,
            "make the image smaller",
        )
    return img


def _choose_size(sizes: Counter[tuple[int, int]], asked: int | None, limits: DatasetSettings) -> tuple[int, list[str]]:
    notes = []
    if asked is not None:
        size = asked
    elif len(sizes) == 1 and (only := next(iter(sizes)))[0] == only[1] and 4 <= only[0] <= limits.max_image_size:
        size = only[0]
    else:
        size = 32
    if len(sizes) > 1:
        common = ", ".join(f"{n} at {w}x{h}" for (w, h), n in sizes.most_common(3))
        others = f" and {len(sizes) - 3} other sizes" if len(sizes) > 3 else ""
        notes.append(
            f"the images have {len(sizes)} different sizes ({common}{others}): all were resized to {size}x{size}"
        )
    elif (only := next(iter(sizes))) != (size, size):
        notes.append(f"the images are {only[0]}x{only[1]}: they were resized to {size}x{size}")
    return size, notes


def ingest_zip(path: Path, out: Path, opts: ImageOptions, limits: DatasetSettings) -> Ingested:
    """Read the zip at ``path`` into ``out`` (train/<class>/*.png, test/<class>/*.png, grid.png),
    or raise UploadRefused having written nothing that the caller does not remove with ``out``."""
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as e:
        raise refuse(f"the upload is not a zip file ({e})", fix="upload a .zip of class folders, or a .csv") from None
    with zf:
        infos = _check_directory(zf, path.stat().st_size, limits)
        problems = Problems()
        members = _layout(infos, problems)
        problems.raise_any()
        classes = sorted({m.cls for m in members})  # torchvision's ImageFolder sorts them so
        if len(classes) > limits.max_classes:
            raise refuse(
                f"the zip has {len(classes):,} class folders, over the limit of {limits.max_classes:,}",
                fix="a class is a folder of images; merge classes, or ask the admin to raise "
                "TORCHCANVAS_DATASETS__MAX_CLASSES",
                status=413,
            )
        explicit = members[0].split is not None
        if len(classes) < 2:
            raise refuse(
                f"the zip has one class ({classes[0]!r}); a classifier needs at least 2",
                fix="add a folder of images for each class",
            )
        by_class: dict[str, list[_Member]] = {c: [] for c in classes}
        for m in members:
            by_class[m.cls].append(m)
        for c, ms in by_class.items():
            train = [m for m in ms if m.split != "test"] if explicit else ms
            if explicit and not train:
                problems.add("has no training images", f"train/{c}", f"add images to train/{c}/, or remove test/{c}/")
            elif not explicit and len(ms) < 2:
                problems.add(
                    f"has {len(ms)} image; a class needs at least 2 (one to train on, one to test on)",
                    c,
                    f"add images to {c}/, or remove the folder",
                )
        problems.raise_any()

        reader = _Reader(zf, limits)
        # Pass 1: every header (sizes, formats), so that one size is chosen before any resize.
        sizes: Counter[tuple[int, int]] = Counter()
        for m in members:
            sizes[_open_image(reader.read(m.info), m.info.filename, limits).size] += 1
        size, notes = _choose_size(sizes, opts.image_size, limits)

        # The split: explicit, or per class by the seed (stratified by construction).
        rng = random.Random(opts.seed)
        assigned: dict[str, dict[str, list[_Member]]] = {"train": {}, "test": {}}
        for c in classes:
            ms = sorted(by_class[c], key=lambda m: m.info.filename)
            if explicit:
                for s in ("train", "test"):
                    assigned[s][c] = [m for m in ms if m.split == s]
            else:
                tr, te = split_indices(len(ms), opts.test_fraction, rng)
                assigned["train"][c], assigned["test"][c] = [ms[i] for i in tr], [ms[i] for i in te]
        missing_test = [c for c in classes if not assigned["test"][c]]
        if len(missing_test) == len(classes):
            raise refuse(
                "the zip has train/ but no test images",
                "test/",
                "add test/<class>/ folders, or zip the class folders alone to have them split by test share",
            )
        if missing_test:
            notes.append(f"{len(missing_test)} classes have no test images: {', '.join(missing_test[:5])}")

        # Pass 2: decode, convert, resize, write; and the grid's thumbnails.
        from PIL import Image

        reader.total = 0
        thumbs: dict[str, list[Any]] = {c: [] for c in classes[:GRID_CLASSES]}
        converted = 0
        for s in ("train", "test"):
            for c in classes:
                folder = out / s / c
                folder.mkdir(parents=True, exist_ok=True)
                for i, m in enumerate(assigned[s][c]):
                    img = _open_image(reader.read(m.info), m.info.filename, limits)
                    try:
                        img.load()
                        mode = img.mode
                        rgb = img.convert("RGB")
                    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as e:
                        raise refuse(
                            f"is a damaged image ({str(e)[:120]})", m.info.filename, "replace or remove it"
                        ) from None
                    converted += mode != "RGB"
                    if rgb.size != (size, size):
                        rgb = rgb.resize((size, size), Image.Resampling.BILINEAR)
                    rgb.save(folder / f"{i:05d}.png")
                    if c in thumbs and len(thumbs[c]) < GRID_PER_CLASS:
                        thumbs[c].append(rgb.resize((GRID_CELL, GRID_CELL), Image.Resampling.NEAREST))
        if converted:
            notes.append(f"{converted} images are grayscale, or have a palette or alpha: converted to RGB (3 channels)")
        _grid(thumbs, out / "grid.png")
    counts = {s: [len(assigned[s][c]) for c in classes] for s in ("train", "test")}
    return Ingested(
        kind="images",
        task="classification",
        classes=classes,
        class_counts=counts,
        input_shape=[3, size, size],
        num_train=sum(counts["train"]),
        num_test=sum(counts["test"]),
        details={
            "image_size": size,
            "split": "folders" if explicit else f"{opts.test_fraction:g} of each class held out, seed {opts.seed}",
            "test_fraction": None if explicit else opts.test_fraction,
            "seed": None if explicit else opts.seed,
            "source_sizes": [[w, h, n] for (w, h), n in sizes.most_common(10)],
        },
        notes=notes,
    )


def _grid(thumbs: dict[str, list[Any]], path: Path) -> None:
    """A PNG: one row per class (the first GRID_CLASSES), its name and up to GRID_PER_CLASS samples."""
    from PIL import Image, ImageDraw

    label_w, pad = 64, 2
    rows = [c for c in thumbs if thumbs[c]]
    w = label_w + GRID_PER_CLASS * (GRID_CELL + pad)
    h = max(1, len(rows)) * (GRID_CELL + pad)
    grid = Image.new("RGB", (w, h), (255, 255, 255))
    draw = ImageDraw.Draw(grid)
    for r, c in enumerate(rows):
        y = r * (GRID_CELL + pad)
        draw.text((3, y + GRID_CELL // 2 - 6), c[:10], fill=(40, 40, 40))
        for k, t in enumerate(thumbs[c]):
            grid.paste(t, (label_w + k * (GRID_CELL + pad), y))
    grid.save(path)


# ---- CSV tables --------------------------------------------------------------------------------------


@dataclass
class TableOptions:
    target: str | None = None  # None: the last column
    features: list[str] | None = None  # None: every column but the target
    task: Task = "classification"
    test_fraction: float = 0.2
    seed: int = 0


def _header(path: Path, limits: DatasetSettings) -> list[str]:
    with path.open("rb") as f:
        line = f.readline(limits.max_header_bytes + 1)
    if len(line) > limits.max_header_bytes:
        raise refuse(
            f"the CSV's header line is longer than {limits.max_header_bytes:,} bytes "
            f"(more columns than the limit of {limits.max_columns:,} allows)",
            "header",
            "upload fewer columns",
            status=413,
        )
    try:
        text = line.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise refuse("the CSV is not UTF-8 text", "header", "save it as UTF-8 CSV") from None
    if text.count(",") + 1 > limits.max_columns:
        raise refuse(
            f"the CSV has {text.count(',') + 1:,} columns, over the limit of {limits.max_columns:,}",
            "header",
            "upload fewer columns",
            status=413,
        )
    names = next(csv.reader([text]), [])
    if len(names) < 2:
        raise refuse(
            "the CSV needs a header row naming at least 2 columns (features and a target)",
            "header",
            "add a first row of column names, separated by commas",
        )
    problems = Problems()
    seen: set[str] = set()
    for k, n in enumerate(names):
        if not n.strip():
            problems.add(f"column {k + 1} has no name", f"column {k + 1}", "name it in the header row")
        elif n in seen:
            problems.add("is named twice", n, "give each column its own name")
        seen.add(n)
    problems.raise_any()
    return names


def _number(text: str) -> float | None:
    try:
        v = float(text)
    except ValueError:
        return None
    return v if math.isfinite(v) else None


def _read_rows(
    reader: Iterable[list[str]],
    names: list[str],
    features: list[str],
    cols: list[int],
    tcol: int,
    max_rows: int,
    xs: list[array[float]],
    ys: list[str],
    bad: dict[str, tuple[int, str]],
) -> None:
    next(iter(reader), None)  # the header, read already
    for line, row in enumerate(reader, start=2):
        if not row:
            continue
        if len(xs) >= max_rows:
            raise refuse(
                f"the CSV has more than {max_rows:,} rows of {len(cols)} features "
                "(over the server's limit on rows or on values)",
                f"line {line}",
                "upload fewer rows or columns",
                status=413,
            )
        if len(row) != len(names):
            raise refuse(
                f"has {len(row)} values but the header names {len(names)} columns",
                f"line {line}",
                "give every row one value per column (quote values that contain commas)",
            )
        values = array("d")
        for c, k in zip(features, cols, strict=True):
            v = _number(row[k])
            if v is None:
                bad.setdefault(c, (line, row[k]))
                v = 0.0
            values.append(v)
        xs.append(values)
        ys.append(row[tcol].strip())


def ingest_csv(path: Path, out: Path, opts: TableOptions, limits: DatasetSettings) -> Ingested:
    """Read the CSV at ``path`` into ``out`` (train.csv, test.csv), or raise UploadRefused."""
    names = _header(path, limits)
    target = opts.target if opts.target is not None else names[-1]
    if target not in names:
        raise refuse(f"there is no column {target!r}", "target", f"choose one of: {', '.join(names[:20])}")
    features = opts.features if opts.features else [n for n in names if n != target]
    problems = Problems()
    for f in features:
        if f not in names:
            problems.add(f"there is no column {f!r}", f, f"choose among: {', '.join(names[:20])}")
        elif f == target:
            problems.add("is the target; it cannot be a feature too", f, "remove it from the features")
    problems.raise_any()
    if not features:
        raise refuse("no feature columns are chosen", "features", "choose at least one feature column")
    cols = [names.index(f) for f in features]
    tcol = names.index(target)

    xs: list[array[float]] = []  # 8 bytes a value: max_cells bounds the memory
    ys: list[str] = []
    bad: dict[str, tuple[int, str]] = {}  # column -> its first non-numeric (line, value)
    max_rows = min(limits.max_rows, limits.max_cells // len(cols))
    try:
        with path.open(encoding="utf-8-sig", newline="") as text:
            _read_rows(csv.reader(text), names, features, cols, tcol, max_rows, xs, ys, bad)
    except csv.Error as e:
        raise refuse(f"is not valid CSV ({e})", "the file", "save it again as CSV") from None
    except UnicodeDecodeError:
        raise refuse("the CSV is not UTF-8 text", "the file", "save it as UTF-8 CSV") from None
    if bad:
        for c, (line, value) in bad.items():
            what = "is empty" if not value.strip() else f"has {value[:40]!r}"
            problems.add(
                f"is not numeric: line {line} {what}",
                c,
                "encode it as numbers, fill the empty values, or leave the column out of the features",
            )
        problems.raise_any()
    if len(xs) < 2:
        raise refuse(f"the CSV has {len(xs)} data rows; a data set needs at least 2", fix="add rows")

    rng = random.Random(opts.seed)
    notes: list[str] = []
    if opts.task == "classification":
        distinct = set(ys)
        if len(distinct) > limits.max_classes:
            raise refuse(
                f"has {len(distinct):,} distinct values, over the limit of {limits.max_classes:,} classes",
                target,
                "choose regression for a numeric target, or another target column",
                status=413,
            )
        numeric = all(_number(v) is not None for v in distinct)
        classes = sorted(distinct, key=lambda v: (_number(v) or 0.0, v) if numeric else (0.0, v))
        if len(classes) < 2:
            raise refuse(f"has one value ({classes[0]!r}); a classifier needs at least 2 classes", target)
        index = {c: i for i, c in enumerate(classes)}
        labels = [index[y] for y in ys]
        by_class: dict[int, list[int]] = {}
        for i, y in enumerate(labels):
            by_class.setdefault(y, []).append(i)
        for i, c in enumerate(classes):
            if len(by_class[i]) < 2:
                problems.add(
                    f"class {c!r} has {len(by_class[i])} row; a class needs at least 2 (one to train on, one to test on)",
                    target,
                    "add rows of that class, or remove its row",
                )
        problems.raise_any()
        train_idx, test_idx = [], []
        for i in range(len(classes)):
            tr, te = split_indices(len(by_class[i]), opts.test_fraction, rng)
            train_idx += [by_class[i][k] for k in tr]
            test_idx += [by_class[i][k] for k in te]
        train_idx.sort()
        test_idx.sort()
        targets: list[str] = [str(v) for v in labels]
        counts = {
            "train": [sum(1 for k in train_idx if labels[k] == i) for i in range(len(classes))],
            "test": [sum(1 for k in test_idx if labels[k] == i) for i in range(len(classes))],
        }
    else:
        values = [_number(y) for y in ys]
        first_bad = next((i for i, v in enumerate(values) if v is None), None)
        if first_bad is not None:
            raise refuse(
                f"is not numeric: line {first_bad + 2} has {ys[first_bad][:40]!r}",
                target,
                "a regression target is a number; choose classification for labels",
            )
        classes, counts = [], {}
        train_idx, test_idx = split_indices(len(xs), opts.test_fraction, rng)
        targets = [repr(v) for v in values]
    for name, idx in (("train.csv", train_idx), ("test.csv", test_idx)):
        with (out / name).open("w", newline="", encoding="utf-8") as written:
            w = csv.writer(written)
            w.writerow([*features, target])
            for i in idx:
                w.writerow([*(repr(v) for v in xs[i]), targets[i]])
    return Ingested(
        kind="table",
        task=opts.task,
        classes=classes,
        class_counts=counts,
        input_shape=[len(features)],
        num_train=len(train_idx),
        num_test=len(test_idx),
        details={
            "features": features,
            "target": target,
            "columns": names[:200],
            "split": f"{opts.test_fraction:g} held out{', per class' if opts.task == 'classification' else ''}, "
            f"seed {opts.seed}",
            "test_fraction": opts.test_fraction,
            "seed": opts.seed,
            "preview": [[*list(xs[i])[:8], ys[i]] for i in range(min(5, len(xs)))],
        },
        notes=notes,
    )
