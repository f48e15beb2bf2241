"""Reading and checking the standard file formats: IDX (MNIST, Fashion-MNIST)
and CIFAR-10's python batches."""
import gzip
import hashlib
import io
import pickle
import zlib

import numpy as np

from .errors import ChecksumError, FormatError

IDX_MAGIC = {1: 2049, 3: 2051}  # labels, images


# What gzip raises on damaged data: a bad header or CRC, a truncated stream, bad deflate data.
DAMAGED_GZIP = (gzip.BadGzipFile, EOFError, zlib.error)


def decompress(raw, origin):
    """The payload of gzip bytes, or the bytes themselves if not gzipped; damaged
    gzip (bad data, truncated) is a :class:`FormatError` naming ``origin``."""
    if raw[:2] != b"\x1f\x8b":
        return raw
    try:
        return gzip.decompress(raw)
    except DAMAGED_GZIP as exc:
        raise FormatError(f"{origin} is damaged, not a complete gzip file ({exc})") from None


def md5(payload):
    return hashlib.md5(payload).hexdigest()


def verify(payload, spec_file, origin):
    """Raise :class:`ChecksumError` unless the payload's md5 is the published one."""
    got = md5(payload)
    if got != spec_file.md5:
        raise ChecksumError(f"{spec_file.name} from {origin} has md5 {got}, expected "
                            f"{spec_file.md5}: the file is corrupt or not the official one; "
                            f"delete it and fetch again")


def read_idx(payload, name="IDX file"):
    """An IDX payload as a uint8 array: (N,) labels or (N, rows, cols) images."""
    if len(payload) < 8 or payload[:2] != b"\0\0" or payload[2] != 0x08:
        raise FormatError(f"{name} is not an IDX file of unsigned bytes")
    ndim = payload[3]
    magic = int.from_bytes(payload[:4], "big")
    if IDX_MAGIC.get(ndim) != magic:
        raise FormatError(f"{name}: magic number {magic} is neither 2049 (labels) nor 2051 (images)")
    dims = [int.from_bytes(payload[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    header = 4 + 4 * ndim
    if len(payload) - header != int(np.prod(dims)):
        raise FormatError(f"{name}: header says {dims} ({int(np.prod(dims))} bytes of data), "
                          f"file has {len(payload) - header}")
    return np.frombuffer(payload, np.uint8, offset=header).reshape(dims).copy()


class _CifarUnpickler(pickle.Unpickler):
    """Only what a CIFAR batch holds (dicts, lists, bytes, NumPy arrays): a
    file crafted to run code on loading is refused."""
    ALLOWED = {("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
               ("numpy", "ndarray"), ("numpy", "dtype"), ("numpy.core.multiarray", "scalar"),
               ("numpy._core.multiarray", "scalar"), ("_codecs", "encode")}

    def find_class(self, module, name):
        if (module, name) not in self.ALLOWED:
            raise FormatError(f"CIFAR batch refers to {module}.{name}: not a CIFAR batch")
        return super().find_class(module, name)


def read_cifar_batch(payload, name="CIFAR batch"):
    """``(images (N, 32, 32, 3) uint8, labels (N,) uint8)`` from a python batch."""
    batch = _unpickle(payload, name)
    if not isinstance(batch, dict) or b"data" not in batch or b"labels" not in batch:
        raise FormatError(f"{name} lacks the keys b'data' and b'labels'")
    data, labels = np.asarray(batch[b"data"]), np.asarray(batch[b"labels"])
    if data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != 3072 or len(labels) != len(data):
        raise FormatError(f"{name}: data {data.dtype}{data.shape} and {len(labels)} labels; "
                          "expected uint8 (N, 3072) and N labels")
    if labels.min() < 0 or labels.max() > 9:
        raise FormatError(f"{name}: labels outside 0..9")
    return data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1).copy(), labels.astype(np.uint8)


def read_cifar_meta(payload):
    """The ten class names from ``batches.meta``."""
    meta = _unpickle(payload, "batches.meta")
    names = meta.get(b"label_names") if isinstance(meta, dict) else None
    if not names or len(names) != 10:
        raise FormatError("batches.meta lacks ten b'label_names'")
    return [n.decode() if isinstance(n, bytes) else str(n) for n in names]


def _unpickle(payload, name):
    try:
        return _CifarUnpickler(io.BytesIO(payload), encoding="bytes").load()
    except FormatError:
        raise
    except Exception as exc:
        raise FormatError(f"{name} is not a readable CIFAR python batch ({exc})") from None


def check_label_counts(labels, expected, what):
    """Raise unless the per-class counts of ``labels`` are ``expected``."""
    counts = tuple(int(c) for c in np.bincount(labels, minlength=len(expected)))
    if counts != tuple(expected):
        raise FormatError(f"{what}: label counts {counts}, expected {tuple(expected)}")
