"""Execute one notebook with the grading kernel: the part of grading that runs
inside the sandbox. A standalone script (the sandbox sees none of the
repository but this folder):

    python runner.py NOTEBOOK OUT_DIR --timeout 30 --limits JSON

The kernel runs as an unprivileged user under ``limits`` (see kernel.py); this
process keeps what the kernel cannot touch. Each check the notebook runs drops
its answer in ``ANSWERS``; after every cell the runner moves the new answers
into ``OUT_DIR/answers/<grade id of the cell>/``, so that each answer is filed
under the cell that produced it, out of the kernel's reach. ``OUT_DIR`` receives
``executed.ipynb`` (after every cell) and ``status.json`` (why the run stopped
early, if it did).
"""
import argparse
import json
import os
import queue
import re
import shutil
import stat
import sys
import tempfile
import time
from pathlib import Path

# jsonschema imports this optional IRI checker if it is installed, which builds a
# grammar on import (0.8 s, every notebook); notebooks never need it.
sys.modules.setdefault("rfc3987_syntax", None)

import nbformat  # noqa: E402
from jupyter_client import AsyncKernelClient, AsyncKernelManager  # noqa: E402
from nbclient import NotebookClient  # noqa: E402
from nbclient.exceptions import DeadKernelError  # noqa: E402
from traitlets import default  # noqa: E402

KERNEL = Path(__file__).with_name("kernel.py")
ANSWERS = ".answers"
MAX_ERROR_CHARS = 2000  # per line of an error's message and traceback
# Caps on what the kernel hands in as answers, per notebook (an answer is a few arrays).
MAX_ANSWERS, MAX_ANSWER_BYTES, MAX_ANSWERS_BYTES = 5000, 16 * 2**20, 256 * 2**20


class ReadyClient(AsyncKernelClient):
    """jupyter_client's kernel client, but ready as soon as the kernel has
    answered a kernel_info request on both channels. jupyter_client's own waits
    0.2 s more for IOPub to stay quiet, and 0.2 s each time IOPub was not yet
    connected: 0.15 s of a 0.9 s notebook start, for nothing here, since every
    output is matched to its cell's own request."""

    async def wait_for_ready(self, timeout=None):
        deadline = time.monotonic() + (timeout or float("inf"))
        while time.monotonic() < deadline:
            request = self.kernel_info()
            try:
                while (await self.get_shell_msg(timeout=1))["parent_header"].get("msg_id") != request:
                    pass
                while not self._is_idle_after(await self.get_iopub_msg(timeout=0.05), request):
                    pass
                return
            except queue.Empty:  # no reply yet, or IOPub not connected yet: ask again
                if not await self.is_alive():
                    raise RuntimeError("the kernel died before it was ready") from None
        raise RuntimeError(f"the kernel was not ready within {timeout} s")

    @staticmethod
    def _is_idle_after(msg, request):
        return (msg["msg_type"] == "status" and msg["content"].get("execution_state") == "idle"
                and msg["parent_header"].get("msg_id") == request)


class ReadyKernelManager(AsyncKernelManager):
    @default("client_factory")
    def _client_factory_default(self):
        return ReadyClient


class Runner(NotebookClient):
    """nbclient, with each cell's output capped and its answers filed away."""

    def __init__(self, nb, answers, out, max_output, **kwargs):
        super().__init__(nb, on_cell_executed=self._after_cell, **kwargs)
        self.answers, self.out, self.max_output = answers, out, max_output
        self.output_size = {}
        self.filed = self.filed_bytes = 0

    def output(self, outs, msg, display_id, cell_index):
        if msg["msg_type"] == "error":  # kept, whatever came before, but short
            content = msg["content"]
            content["evalue"] = str(content.get("evalue", ""))[:MAX_ERROR_CHARS]
            content["traceback"] = [str(line)[:MAX_ERROR_CHARS] for line in content.get("traceback", [])[-40:]]
        size = self.output_size.get(cell_index, 0) + len(json.dumps(msg.get("content", {})))
        self.output_size[cell_index] = size
        if size > self.max_output and msg["msg_type"] != "error":
            if size - len(json.dumps(msg.get("content", {}))) <= self.max_output:
                outs.append(nbformat.v4.new_output(
                    "stream", name="stdout", text=f"\n[output beyond {self.max_output:,} bytes dropped]\n"))
            return None
        return super().output(outs, msg, display_id, cell_index)

    def _after_cell(self, cell, cell_index, execute_reply):
        self._show_error(cell, execute_reply)
        self._file_answers(cell, cell_index)
        save(self.nb, self.out)  # so far: if the wall clock stops the run, what ran still counts

    @staticmethod
    def _show_error(cell, reply):
        """An error the kernel never printed (a timeout) becomes an output, so the cell fails."""
        content = (reply or {}).get("content", {})
        if content.get("status") == "error" and not any(
                o.get("output_type") == "error" and o.get("ename") == content.get("ename") for o in cell.outputs):
            cell.outputs.append(nbformat.v4.new_output(
                "error", ename=content.get("ename", "Error"), evalue=content.get("evalue", ""),
                traceback=content.get("traceback") or [f"{content.get('ename')}: {content.get('evalue')}"]))

    def _file_answers(self, cell, cell_index):
        """Move the kernel's new answers under the cell's grade id: regular files
        only (a link would make the judge read what it points to), each and all
        of them under their caps; anything else is deleted unread."""
        grade_id = str(cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", ""))
        safe = re.fullmatch(r"\w[\w-]*", grade_id)  # never a path
        dest = self.out / "answers" / (grade_id if safe else f"cell_{cell_index:03d}")
        for entry in sorted(os.scandir(self.answers), key=lambda e: e.name):
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path)
                continue
            if re.fullmatch(r"\d{6}\.npz", entry.name) and self.filed < MAX_ANSWERS:
                data = _read_plain(entry.path, min(MAX_ANSWER_BYTES, MAX_ANSWERS_BYTES - self.filed_bytes))
                if data is not None:
                    dest.mkdir(parents=True, exist_ok=True)
                    (dest / entry.name).write_bytes(data)
                    self.filed, self.filed_bytes = self.filed + 1, self.filed_bytes + len(data)
            os.unlink(entry.path)


def _read_plain(path, cap):
    """The bytes of ``path`` if it is a regular file of at most ``cap`` bytes with
    no other name (never what a link points to), else None."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(f.fileno())
        if not stat.S_ISREG(info.st_mode) or info.st_nlink != 1 or info.st_size > cap:
            return None
        data = f.read(cap + 1)
    return data if len(data) <= cap else None


def save(nb, out):
    partial = out / "executed.ipynb.part"
    nbformat.write(nb, partial)
    partial.replace(out / "executed.ipynb")


def run(notebook, out, timeout, limits, max_output, copy_from=None):
    notebook, out = Path(notebook).resolve(), Path(out).resolve()
    folder = notebook.parent
    if copy_from:  # into the sandbox's own capped working copy
        shutil.copytree(copy_from, folder, dirs_exist_ok=True, symlinks=True)
    answers = folder / ANSWERS
    shutil.rmtree(answers, ignore_errors=True)
    answers.mkdir()
    if limits and os.getuid() == 0:  # the kernel's own user owns the working copy
        for path in [folder, *folder.rglob("*")]:
            os.chown(path, limits["uid"], limits["uid"], follow_symlinks=False)
    specs = Path(tempfile.mkdtemp())
    (specs / "kernels" / "grader").mkdir(parents=True)
    (specs / "kernels" / "grader" / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, str(KERNEL), "-f", "{connection_file}",
                 "--InteractiveShell.xmode=Minimal", "--HistoryManager.hist_file=:memory:"],
        "display_name": "grader", "language": "python"}))
    os.environ.update(JUPYTER_PATH=str(specs), SCRATCHNN_ANSWERS=str(answers),
                      NBGRADER_EXECUTION="autograde")
    if limits:
        os.environ["SCRATCHNN_LIMITS"] = json.dumps(limits)
    nb = nbformat.read(notebook, as_version=4)
    notebook.unlink()  # it holds the hidden tests: the kernel gets them one cell at a time
    runner = Runner(nb, answers, out, max_output, timeout=timeout, kernel_name="grader",
                    kernel_manager_class=ReadyKernelManager,
                    allow_errors=True, interrupt_on_timeout=True, record_timing=False,
                    shutdown_kernel="immediate",  # every output and answer is in: no tidying up to wait for
                    error_on_timeout={"ename": "CellTimeoutError", "evalue": f"no reply within {timeout} s",
                                      "traceback": [f"CellTimeoutError: no reply within {timeout} s"]},
                    resources={"metadata": {"path": str(folder)}})
    status = {"completed": True}
    try:
        runner.execute()
    except DeadKernelError as exc:
        status = {"completed": False, "reason": f"the kernel died ({exc})"}
    except Exception as exc:  # noqa: BLE001 - whatever stopped the run is the student's result
        status = {"completed": False, "reason": f"{type(exc).__name__}: {exc}"}
    save(nb, out)
    (out / "status.json").write_text(json.dumps(status))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("notebook")
    parser.add_argument("out")
    parser.add_argument("--timeout", type=int, default=30)
    parser.add_argument("--limits", type=json.loads, default=None)
    parser.add_argument("--max-output", type=int, default=1_000_000)
    parser.add_argument("--copy-from", help="a read-only folder to copy the working copy from")
    args = parser.parse_args()
    run(args.notebook, args.out, args.timeout, args.limits, args.max_output, args.copy_from)
