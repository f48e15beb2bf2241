"""Similarity between what students wrote (the library modules they write and
the notebooks' answer cells), by copydetect: winnowed fingerprints of the
tokenised code, in which every name is the same token, so renamed variables
still match, and fingerprints have no order, so reordered functions do too.
The released skeleton's lines never count: kept as comments (shown, never
compared), and the skeleton is copydetect's boilerplate besides.
A prompt for review, never a verdict: short exercises have few ways to be
written, and students may have worked together as allowed."""
import difflib
import os
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

import nbformat

from .. import sources

THRESHOLD = 0.5   # share of one side's own code found in the other, at which a pair is listed
MAX_BYTES = 1_000_000  # a module or notebook larger than this is not read


@dataclass
class Pair:
    a: str
    b: str
    share_a: float     # of a's own code (the skeleton discounted), how much is also in b
    share_b: float
    html_a: str        # a's code with the shared regions highlighted (escaped), around them only
    html_b: str

    @property
    def share(self):
        return max(self.share_a, self.share_b)


def _text(path):
    """A regular file's text, never following a link; None if absent or too large."""
    try:
        info = os.lstat(path)
    except OSError:
        return None
    if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_BYTES:
        return None
    return Path(path).read_text(encoding="utf-8", errors="replace")


def written_pieces(folder, aid):
    """``{label: text}``: the modules a submission in ``folder`` writes, then
    its code answer cells."""
    pieces = {}
    for name in sources.student_modules(aid):
        text = _text(Path(folder) / "scratchnn" / name)
        if text is not None:
            pieces[f"scratchnn/{name}"] = text
    for notebook in sorted(Path(n).stem for n in sources.manifest(aid)["notebooks"]):
        text = _text(Path(folder) / f"{notebook}.ipynb")
        try:
            cells = nbformat.reads(text, as_version=4).cells if text else []
        except Exception:  # noqa: BLE001 - a malformed notebook has no answers to compare
            cells = []
        for cell in cells:
            meta = cell.get("metadata", {}).get("nbgrader", {})
            if cell.get("cell_type") == "code" and meta.get("solution"):
                pieces[f"{notebook}: {meta.get('grade_id', '')}"] = cell.source
    return pieces


def own_lines(text, skeleton):
    """``text`` with the lines it keeps of ``skeleton`` turned into comments:
    shown around the student's code, never compared (copydetect drops
    comments). Boilerplate alone would still count the fingerprints that span
    from a skeleton line into the student's first one."""
    mine, given = text.splitlines(), (skeleton or "").splitlines()
    out = []
    for tag, _, _, j1, j2 in difflib.SequenceMatcher(None, given, mine, autojunk=False).get_opcodes():
        out += [f"#| {line}" for line in mine[j1:j2]] if tag == "equal" else mine[j1:j2]
    return "\n".join(out)


def document(pieces, skeleton=None):
    """One Python text of ``pieces``, each under a comment naming it, with
    the lines of ``skeleton``'s same piece as comments."""
    skeleton = skeleton or {}
    return "\n\n".join(f"# ==== {label}\n{own_lines(text, skeleton.get(label)) if skeleton else text}"
                         for label, text in pieces.items()) + "\n"


def similar_pairs(data, threshold=THRESHOLD):
    """Pairs of submissions of which one shares at least ``threshold`` of its
    own code with the other, most similar first."""
    from copydetect import CopyDetector
    course, aid = data.course, data.aid
    with tempfile.TemporaryDirectory(prefix="scratchnn-similarity-") as tmp:
        tmp = Path(tmp)
        (tmp / "students").mkdir()
        (tmp / "skeleton").mkdir()
        skeleton = written_pieces(course.release(aid), aid)
        (tmp / "skeleton" / "release.py").write_text(document(skeleton))
        files = {}
        for student in data.students:
            folder = course.autograded(student.id, aid)  # after ingest: links and oversized files gone
            if not folder.is_dir():
                folder = course.submitted(student.id, aid)
            if folder.is_dir() and not folder.is_symlink():
                path = tmp / "students" / f"{len(files):04d}.py"
                path.write_text(document(written_pieces(folder, aid), skeleton))
                files[str(path)] = student.id
        if len(files) < 2:
            return []
        detector = CopyDetector(test_dirs=[str(tmp / "students")], boilerplate_dirs=[str(tmp / "skeleton")],
                                extensions=["py"], display_t=0.0, truncate=True, autoopen=False,
                                silent=True, out_file=str(tmp / "copydetect.html"))
        detector.run()
        pairs = []
        for share_a, share_b, file_a, file_b, html_a, html_b, _ in detector.get_copied_code_list():
            if max(share_a, share_b) < threshold:  # copydetect lists any overlap at display_t=0
                continue
            a, b = files[file_a], files[file_b]
            if a > b:
                a, b, share_a, share_b, html_a, html_b = b, a, share_b, share_a, html_b, html_a
            pairs.append(Pair(a, b, float(share_a), float(share_b), html_a, html_b))
    return sorted(pairs, key=lambda p: (-p.share, p.a, p.b))
