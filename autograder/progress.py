"""Progress that is never silent for long: a long step (recording the
reference, grading a class) prints a status line whenever ``every`` seconds
pass with nothing printed, so a person watching knows it is alive."""
import sys
import threading
import time


class Heartbeat:
    """A file-like wrapper of ``out``: what is written goes through (with
    ``stamp``, each line after the seconds since the start); while the ``with``
    block runs, ``status()`` (a line, or None for nothing) is printed after
    ``every`` seconds of silence."""

    def __init__(self, out=None, status=None, every=8.0, stamp=False):
        self.out, self.status, self.every, self.stamp = out or sys.stdout, status, every, stamp
        self.start = self.last = time.monotonic()
        self._lock, self._stop = threading.Lock(), threading.Event()
        self._thread, self._line_start = None, True

    def elapsed(self):
        return time.monotonic() - self.start

    def write(self, text):
        with self._lock:
            if self.stamp:
                for part in text.splitlines(keepends=True):
                    if self._line_start:
                        self.out.write(f"[{self.elapsed():4.0f} s] ")
                    self.out.write(part)
                    self._line_start = part.endswith("\n")
            else:
                self.out.write(text)
            self.last = time.monotonic()
        return len(text)

    def flush(self):
        self.out.flush()

    def __enter__(self):
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def _watch(self):
        while not self._stop.wait(0.5):
            if time.monotonic() - self.last >= self.every:
                line = self.status() if self.status else None
                if line:
                    self.write(line + "\n")
                    self.flush()
                else:
                    self.last = time.monotonic()
