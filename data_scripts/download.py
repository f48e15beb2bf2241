"""Streaming HTTP downloads that survive a dropped connection: bytes go to a
``.part`` file, a broken transfer resumes with a Range request, and mirrors are
tried in order."""
import contextlib
import errno
import importlib.util
import os
import sys
import urllib.error
import urllib.request
from http.client import HTTPException
from pathlib import Path

from .errors import OFFLINE_HINT, RETRY_HINT, DataError, DownloadError

CHUNK = 1 << 16
ATTEMPTS_PER_MIRROR = 3
TIMEOUT_S = 30


def download(url, part, progress=None):
    """Download ``url`` into the file ``part``, resuming from its current size.

    Returns when the transfer is complete; raises ``OSError`` or
    ``HTTPException`` on failure (the bytes received so far stay in ``part``).
    """
    part = Path(part)
    have = part.stat().st_size if part.exists() else 0
    request = urllib.request.Request(url, headers={"Range": f"bytes={have}-"} if have else {})
    try:
        response = urllib.request.urlopen(request, timeout=TIMEOUT_S)
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and have:  # nothing left to send: already complete
            return
        raise
    with response:
        if have and response.status != 206:  # the server ignored Range: start over
            have = 0
        total = response.headers.get("Content-Length")
        total = int(total) + have if total is not None else None
        show = _show_progress() if progress is None else progress
        with open(part, "ab" if have else "wb") as f, _progress_bar(
                show, total=total, initial=have, unit="B", unit_scale=True, desc=Path(url).name) as bar:
            while chunk := response.read(CHUNK):
                f.write(chunk)
                bar.update(len(chunk))
        if total is not None and part.stat().st_size < total:
            raise HTTPException(f"connection closed after {part.stat().st_size} of {total} bytes")


def fetch_from_mirrors(filename, mirrors, part, accept, progress=None):
    """Download ``filename`` from the first mirror whose copy ``accept(path)``
    approves (``accept`` raises to reject); each mirror gets a few attempts,
    resuming where the last one stopped. Returns the path of the accepted file.
    """
    failures = []
    for mirror in mirrors:
        url = mirror.rstrip("/") + "/" + filename
        for _ in range(ATTEMPTS_PER_MIRROR):
            try:
                download(url, part, progress)
                accept(part)
                return part
            except urllib.error.HTTPError as exc:
                failures.append(f"{url}: HTTP {exc.code} {exc.reason}")
                _remove(part)
                break  # a 404 or 500 will not change on retry
            except (urllib.error.URLError, HTTPException, TimeoutError, ConnectionError) as exc:
                reason = getattr(exc, "reason", exc)
                failures.append(f"{url}: {reason}")
                continue  # resume from what arrived
            except OSError as exc:
                if exc.errno == errno.ENOSPC:
                    _remove(part)
                    raise DownloadError(
                        f"the disk is full while writing {part}; free some space or choose "
                        f"another cache folder with SCRATCHNN_DATA_DIR") from None
                raise
            except DataError as exc:  # rejected by accept(): damaged, wrong checksum or format
                failures.append(f"{url}: {exc}")
                _remove(part)
                break
    raise DownloadError(f"could not get {filename} from any mirror:\n  " + "\n  ".join(failures)
                        + "\n" + RETRY_HINT + "\n" + OFFLINE_HINT)


def _remove(path):
    try:
        os.remove(path)
    except FileNotFoundError:
        pass


def _show_progress():
    """A bar in a terminal if tqdm is installed, never under CI."""
    return (sys.stdout.isatty() and not os.environ.get("CI")
            and importlib.util.find_spec("tqdm") is not None)


def _progress_bar(show, **kwargs):
    """A tqdm bar on stdout, or a silent stand-in: tqdm is imported only to be shown."""
    if not show:
        return contextlib.nullcontext(_NoBar())
    from tqdm import tqdm
    return tqdm(file=sys.stdout, leave=False, **kwargs)


class _NoBar:
    """The part of a tqdm bar that ``download`` uses, doing nothing."""

    def update(self, n=1):
        pass
