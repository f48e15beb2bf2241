"""Turn a dataset's standard files (a local folder, or mirrors) into cache arrays."""
import io
import tarfile
from pathlib import Path

import numpy as np

from . import formats
from .download import fetch_from_mirrors
from .errors import DataError, FormatError


def build(spec, source_dir=None, download_dir=None, mirrors=None, progress=None):
    """The arrays of ``spec`` as a dict (keys of the cache, ``meta`` a dict)."""
    mirrors = tuple(mirrors) if mirrors is not None else spec.mirrors
    if source_dir and not Path(source_dir).is_dir():
        state = "is not a folder" if Path(source_dir).exists() else "does not exist"
        raise DataError(f"{source_dir} {state}: --from (or SCRATCHNN_DATA_FROM) takes a folder "
                        f"holding the dataset's standard files")
    if spec.kind == "idx":
        arrays = _build_idx(spec, source_dir, download_dir, mirrors, progress)
    else:
        arrays = _build_cifar(spec, source_dir, download_dir, mirrors, progress)
    for role, counts in spec.label_counts.items():
        formats.check_label_counts(arrays[role], counts, f"{spec.name} {role}")
    meta = {"dataset": spec.name, "md5": {f.name: f.md5 for f in spec.files},
            "source": str(source_dir) if source_dir else "download"}
    return {**arrays, "classes": np.array(spec.classes)}, meta


def _build_idx(spec, source_dir, download_dir, mirrors, progress):
    arrays = {}
    for f in spec.files:
        payload = (_local_payload(Path(source_dir), f) if source_dir
                   else _downloaded_payload(f, f.name + ".gz", download_dir, mirrors, progress))
        arrays[f.role] = formats.read_idx(payload, f.name)
    for split in ("train", "test"):
        x, y = arrays[f"x_{split}"], arrays[f"y_{split}"]
        if x.ndim != 3 or y.ndim != 1 or len(x) != len(y):
            raise FormatError(f"{spec.name} {split}: images {x.shape} and labels {y.shape} do not match")
    return arrays


def _local_payload(folder, f):
    """The verified payload of ``f`` from ``folder`` (gzipped or not)."""
    for candidate in (folder / (f.name + ".gz"), folder / f.name):
        if candidate.exists():
            payload = _read_local(candidate, formats.decompress)
            formats.verify(payload, f, candidate)
            return payload
    raise DataError(f"{folder} has neither {f.name}.gz nor {f.name}: put the dataset's "
                    f"standard files there, or fetch without --from to download them")


def _downloaded_payload(f, filename, download_dir, mirrors, progress):
    part = Path(download_dir) / (filename + ".part")
    part.parent.mkdir(parents=True, exist_ok=True)
    payloads = {}

    def accept(path):
        payload = formats.decompress(path.read_bytes(), filename)
        formats.verify(payload, f, filename)
        payloads["ok"] = payload

    fetch_from_mirrors(filename, mirrors, part, accept, progress)
    part.unlink()
    return payloads["ok"]


def _build_cifar(spec, source_dir, download_dir, mirrors, progress):
    if source_dir:
        members = _cifar_members_from_folder(Path(source_dir), spec)
    else:
        part = Path(download_dir) / (spec.archive + ".part")
        part.parent.mkdir(parents=True, exist_ok=True)
        found = {}

        def accept(path):
            found.update(_cifar_members_from_tar(path.read_bytes(), spec, spec.archive))

        fetch_from_mirrors(spec.archive, mirrors, part, accept, progress)
        part.unlink()
        members = found
    for f in spec.files:
        formats.verify(members[f.name], f, f.name)
    train = [formats.read_cifar_batch(members[f.name], f.name) for f in spec.files if f.role == "batch"]
    test = [formats.read_cifar_batch(members[f.name], f.name) for f in spec.files if f.role == "test"]
    formats.read_cifar_meta(next(members[f.name] for f in spec.files if f.role == "meta"))
    return {"x_train": np.concatenate([x for x, _ in train]), "y_train": np.concatenate([y for _, y in train]),
            "x_test": np.concatenate([x for x, _ in test]), "y_test": np.concatenate([y for _, y in test])}


def _cifar_members_from_tar(raw, spec, origin):
    """``{file name: bytes}`` of the batch files inside the archive ``origin``."""
    wanted = {f.name for f in spec.files}
    try:
        with tarfile.open(fileobj=io.BytesIO(raw), mode="r:*") as tar:
            members = {Path(m.name).name: tar.extractfile(m).read()
                       for m in tar.getmembers() if m.isfile() and Path(m.name).name in wanted}
    except (tarfile.TarError, OSError, *formats.DAMAGED_GZIP) as exc:
        raise FormatError(f"{origin} is damaged, not a readable tar.gz ({exc})") from None
    missing = wanted - members.keys()
    if missing:
        raise FormatError(f"{origin} lacks {sorted(missing)}")
    return members


def _cifar_members_from_folder(folder, spec):
    """Batches from ``folder``: the archive, an extracted ``cifar-10-batches-py/``, or the files."""
    if (folder / spec.archive).exists():
        return _read_local(folder / spec.archive, lambda raw, path: _cifar_members_from_tar(raw, spec, path))
    for candidate in (folder / "cifar-10-batches-py", folder):
        if all((candidate / f.name).exists() for f in spec.files):
            return {f.name: (candidate / f.name).read_bytes() for f in spec.files}
    raise DataError(f"{folder} holds neither {spec.archive} nor the batch files "
                    f"({', '.join(f.name for f in spec.files)})")


def _read_local(path, read):
    """``read(raw, path)`` of a file from the ``--from`` folder; if it is damaged,
    the error says what to do about it."""
    try:
        return read(path.read_bytes(), path)
    except FormatError as exc:
        raise FormatError(f"{exc}: delete it and put a good copy there, or fetch without "
                          f"--from to download it") from None
