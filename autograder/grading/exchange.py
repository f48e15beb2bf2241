"""nbgrader's exchange ``collect``, made safe. The exchange's inbound folder is
written by students, and ``nbgrader collect`` copies from it with the
instructor's rights, following links. Here only folders and regular files are
copied; a link is copied as a link (for ingest to refuse and report), and
devices, pipes and sockets are left behind. Set in ``nbgrader_config.py`` as
``c.ExchangeFactory.collect``."""
import os
import shutil
import stat
from fnmatch import fnmatch
from pathlib import Path

from nbgrader.exchange.default import ExchangeCollect


def copy_plain(src, dest, ignore=()):
    """Copy the tree ``src`` to ``dest``, never following a link."""
    dest.mkdir(parents=True, exist_ok=True)
    with os.scandir(src) as entries:
        for entry in entries:
            if any(fnmatch(entry.name, pattern) for pattern in ignore):
                continue
            mode = entry.stat(follow_symlinks=False).st_mode
            target = dest / entry.name
            if stat.S_ISDIR(mode):
                copy_plain(Path(entry.path), target, ignore)
            elif stat.S_ISLNK(mode):
                os.symlink(os.readlink(entry.path), target)
            elif stat.S_ISREG(mode):
                fd = os.open(entry.path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
                with os.fdopen(fd, "rb") as f, open(target, "xb") as out:
                    shutil.copyfileobj(f, out)


class SafeCollect(ExchangeCollect):
    def do_copy(self, src, dest, log=None):
        copy_plain(Path(src), Path(dest), self.coursedir.ignore)
