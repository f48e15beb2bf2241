"""``hostile``: submissions that attack the grader, graded in one batch with
honest ones. Each must get the score it deserves, with a reason, and the
honest submissions exactly the scores they get when graded alone.

Every attack starts from the reference solution of Assignment 1, so what it
deserves is the reference's score less what the attack forfeits.
"""
import hashlib
import shutil
import socket
import threading
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import numpy as np

from ..build.assemble import build
from ..grading.grade import grade
from .submissions import make_submission, mutate, reference_modules

ASSIGNMENT = "a1_backprop"
ALL_TESTS = ("test_linear_forward", "test_linear_backward", "test_relu", "test_softmax_ce",
             "test_initialisers", "test_gradcheck", "test_sgd", "test_train_step", "test_tanh",
             "test_model_size", "test_accuracy")
AFTER_ANSWER_CELL = ("test_model_size", "test_accuracy")  # the tests run after `hidden_sizes`


@dataclass
class Attack:
    name: str
    what: str
    zero: tuple = ()                 # tests it must score 0 on; all others as the reference
    flagged: bool = None             # must (True) or must not (False) be flagged; None: either
    cell: str = ""                   # code appended to the answer cell `hidden_sizes`
    module: tuple = ()               # (file, code appended to it)
    patch: tuple = ()                # (file, old, new): a bug of the reference
    prepare: object = None           # prepare(folder): edits the handed-in folder
    side_checks: list = field(default_factory=list)


def _delete_and_duplicate_tests(folder):
    path = folder / "01_layers.ipynb"
    nb = nbformat.read(path, as_version=4)
    grade_id = lambda c: c.metadata.get("nbgrader", {}).get("grade_id")  # noqa: E731
    nb.cells = [c for c in nb.cells if grade_id(c) != "test_relu"]
    nb.cells.append(nbformat.from_dict(dict(next(c for c in nb.cells if grade_id(c) == "test_linear_forward"))))
    nbformat.write(nb, path)


def _crafted_checkpoint(folder):
    class Payload:
        def __reduce__(self):
            return (print, ("PWNED: the checkpoint ran code",))
    meta = '{"format": 1, "layers": ["__import__(\'os\').system(\'echo PWNED\')"]}'
    with open(folder / "mnist_mlp.npz", "wb") as f:
        np.savez(f, __meta__=np.array(meta), **{"fc1.W": np.array([Payload()], dtype=object)})


HARDCODE_PUBLIC = '''
def _public_answer(self, x):
    self.cache = x
    return np.load("expected/public.npz")["linear_out"]
Linear.forward = _public_answer
'''

READ_HIDDEN = '''
import glob as _glob
_forward = Linear.forward
def _stolen_answer(self, x):
    for path in ("{course}/source/a1_backprop/hidden_expected.npz", "hidden_expected.npz"):
        try:
            stolen = np.load(path)
            if x.shape == stolen["linear_x"].shape:
                return stolen["linear_out"]
        except Exception:
            pass
    for path in _glob.glob("{course}/reference/a1_backprop/answers/*/test_linear_forward/*.npz"):
        try:
            value = np.load(path)["value"]
            if value.shape == (len(x), self.params["W"].shape[1]):
                return value
        except Exception:
            pass
    return _forward(self, x) + 1.0  # wrong: only a stolen answer would score
Linear.forward = _stolen_answer
'''

PATCH_CHECKER = '''
import builtins as _builtins
import scratchnn.checks as _checks
_checks.check_close = lambda name, *a, **k: print("OK  " + name)
_checks.describe_mismatch = lambda *a, **k: None
np.allclose = lambda *a, **k: True
np.isclose = lambda a, b, *x, **k: np.ones(np.broadcast(np.asarray(a), np.asarray(b)).shape, bool)
_builtins.AssertionError = type("Harmless", (Exception,), {})
'''

WRITE_EVERYWHERE = '''
for _target in ("{course}/gradebook.db", "{course}/source/a1_backprop/01_layers.ipynb",
                "{course}/submitted/honest-reference/a1_backprop/scratchnn/layers.py",
                "{course}/autograded/honest-reference/a1_backprop/02_mlp.ipynb",
                "{course}/nbgrader_config.py"):
    try:
        with open(_target, "a") as _f:
            _f.write("overwritten")
        print("wrote", _target)
    except OSError:
        pass
'''


def attacks(course, port):
    """The catalog; ``course`` is the course directory, ``port`` a listening socket's."""
    course = str(Path(course).resolve())
    return [
        Attack("loop_after_def", "`while True` after the answer is defined", zero=AFTER_ANSWER_CELL,
               cell="while True:\n    pass"),
        Attack("swallows_interrupt", "a loop that swallows KeyboardInterrupt", zero=AFTER_ANSWER_CELL,
               cell="import time\nwhile True:\n    try:\n        time.sleep(0.05)\n"
                    "    except KeyboardInterrupt:\n        pass"),
        Attack("os_exit", "os._exit(0) in an answer cell", zero=AFTER_ANSWER_CELL,
               cell="import os\nos._exit(0)"),
        Attack("memory_bomb", "64 GB allocated on import", zero=ALL_TESTS,
               module=("layers.py", "\n_hog = [bytearray(2 ** 30) for _ in range(64)]\n")),
        Attack("process_bomb", "forks until it cannot", flagged=False,
               cell="import os, time\nfor _ in range(100000):\n    if os.fork() == 0:\n"
                    "        time.sleep(5)\n        os._exit(0)"),
        Attack("reads_hidden", "answers from the hidden expected arrays it can find",
               zero=("test_linear_forward", "test_train_step", "test_accuracy"),
               module=("layers.py", READ_HIDDEN.format(course=course))),
        Attack("writes_everywhere", "writes into the gradebook, source/, another student's folder",
               cell=WRITE_EVERYWHERE.format(course=course)),
        Attack("patches_checker", "a wrong gradient, and the checker, NumPy and AssertionError redefined",
               zero=("test_softmax_ce", "test_train_step"), flagged=True, module=("losses.py", PATCH_CHECKER),
               patch=("losses.py", "    dscores /= n\n", "")),
        Attack("deletes_and_duplicates_tests", "a test cell deleted, another duplicated (both repaired)",
               flagged=True, prepare=_delete_and_duplicate_tests),
        Attack("output_spam", "40 MB printed", cell="for _ in range(200000):\n    print('spam ' * 40)"),
        Attack("network", "connects to a server on 127.0.0.1",
               module=("layers.py", "\nimport socket\ntry:\n    socket.create_connection(('127.0.0.1', "
                       f"{port}), timeout=2).sendall(b'leak')\nexcept OSError:\n    pass\n")),
        Attack("hardcodes_public", "returns the public expected outputs",
               zero=("test_linear_forward", "test_linear_backward", "test_train_step", "test_accuracy"),
               flagged=False, module=("layers.py", HARDCODE_PUBLIC)),
        Attack("crafted_checkpoint", "a checkpoint that would run code when loaded", zero=("test_accuracy",),
               prepare=_crafted_checkpoint),
    ]


class Listener:
    """A TCP server on 127.0.0.1 counting the connections it receives."""

    def __init__(self):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port, self.connections = self.sock.getsockname()[1], 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            conn.close()


def _digest(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest() if Path(path).exists() else None


def _submit(course, student, attack=None, modules=None):
    ref = reference_modules(ASSIGNMENT)
    modules = modules or ref
    if attack and attack.patch:
        modules = mutate(modules, *attack.patch)
    if attack and attack.module:
        file, code = attack.module
        modules = {**modules, file: modules[file] + code}
    folder = make_submission(course, student, ASSIGNMENT, modules, solved=True)
    if attack and attack.cell:
        path = folder / "02_mlp.ipynb"
        nb = nbformat.read(path, as_version=4)
        for c in nb.cells:
            if c.metadata.get("nbgrader", {}).get("grade_id") == "hidden_sizes":
                c.source += "\n" + attack.cell
        nbformat.write(nb, path)
    if attack and attack.prepare:
        attack.prepare(folder)
    return folder


def run_suite(course_dir, workers=2, timeout_s=8, wall_s=60):
    """Grade the honest submissions alone, then everything in one batch.
    Returns rows ``(submission, what, expectation, passed, detail)``."""
    course = build(course_dir, [ASSIGNMENT], timeout_s=timeout_s, wall_s=wall_s)
    buggy = mutate(reference_modules(ASSIGNMENT), "losses.py", "    dscores /= n\n", "")
    honest = {"honest-reference": None, "honest-buggy": buggy}
    alone = {}
    for student, modules in honest.items():
        shutil.rmtree(course / "submitted", ignore_errors=True)
        _submit(course, student, modules=modules)
        (alone[student],) = grade(course, ASSIGNMENT, workers=1)
    shutil.rmtree(course / "submitted", ignore_errors=True)
    for student, modules in honest.items():
        _submit(course, student, modules=modules)
    listener = Listener()
    catalog = attacks(course, listener.port)
    for attack in catalog:
        _submit(course, attack.name, attack)
    victims = {p: _digest(p) for p in (course / "source" / ASSIGNMENT / "01_layers.ipynb",
                                       course / "submitted" / "honest-reference" / ASSIGNMENT / "scratchnn" / "layers.py",
                                       course / "nbgrader_config.py")}
    results = {r.student: r for r in grade(course, ASSIGNMENT, workers=workers)}
    reference = alone["honest-reference"]
    rows = []
    for student in honest:
        same = results[student].tests == alone[student].tests
        rows.append((student, "honest", "the score it gets alone", same,
                     f"{results[student].score:g} (alone {alone[student].score:g})"))
    for attack in catalog:
        r = results.get(attack.name)
        want = {t: (0 if t in attack.zero else reference.tests[t]) for t in reference.tests}
        got = r.tests if r else {}
        wrong = [f"{t} {got.get(t, 0):g} not {want[t]:g}" for t in want if got.get(t, 0) != want[t]]
        if attack.flagged is not None and r and r.flagged != attack.flagged:
            wrong.append("flagged" if r.flagged else "not flagged")
        reasons = "; ".join(f"{g}: {', '.join(why)}" for g, why in (r.taken if r else {}).items())
        detail = ", ".join(wrong) or (f"{r.score:g}/{r.max_score:g}" + (" flagged" if r.flagged else "")
                                      + (f" ({reasons})" if reasons else ""))
        expectation = (f"0 on {', '.join(t.removeprefix('test_') for t in attack.zero)}" if attack.zero
                       else "the reference's score") + ("; flagged" if attack.flagged else "")
        rows.append((attack.name, attack.what, expectation, not wrong,
                     detail if len(detail) < 160 else detail[:157] + "..."))
    untouched = all(_digest(p) == d for p, d in victims.items())
    rows.append(("(files)", "source/, other students, config", "unchanged", untouched, ""))
    rows.append(("(network)", "connections to the 127.0.0.1 server", "none", listener.connections == 0,
                 f"{listener.connections} received"))
    autograded = course / "autograded" / "output_spam" / ASSIGNMENT / "02_mlp.ipynb"
    size = autograded.stat().st_size if autograded.exists() else 0
    rows.append(("(output)", "the spammed notebook as stored", "under 5 MB", 0 < size < 5e6, f"{size:,} bytes"))
    outputs = "".join(p.read_text(errors="replace") for p in (course / "autograded").rglob("*.ipynb"))
    rows.append(("(code)", "a checkpoint ran code", "never", "PWNED" not in outputs, ""))
    return rows


def table(rows):
    width = max(len(r[0]) for r in rows) + 2
    lines = [f"{'submission'.ljust(width)}{'verdict':8}expected / got"]
    for name, what, expectation, passed, detail in rows:
        lines.append(f"{name.ljust(width)}{'PASS' if passed else 'FAIL':8}{expectation}"
                     + (f" / {detail}" if detail else "") + f"   [{what}]")
    return "\n".join(lines)
