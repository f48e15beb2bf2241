"""Collecting LMS zip downloads into submitted/: naming, layout and hostile zips,
all with real zip files."""
import os
import stat
import time
import tracemalloc
import warnings
import zipfile
from datetime import datetime
from fnmatch import fnmatch

import pytest

from autograder.grading.collect import STUDENT_ID, TIMESTAMP_FORMAT, collect_zips

AID = "a1_backprop"


def wanted(rel):
    return ((rel.endswith(".ipynb") and "/" not in rel) or fnmatch(rel, "scratchnn/*.py")
            or rel == "mnist_mlp.npz")


def make_zip(path, entries, compression=zipfile.ZIP_DEFLATED):
    """``entries``: name -> bytes, or a ZipInfo -> bytes for dates and modes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", compression) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return path


def unix_entry(name, mode, data):
    info = zipfile.ZipInfo(name)
    info.create_system = 3  # Unix, whose mode bits live in the high word of external_attr
    info.external_attr = mode << 16
    return {info: data}


def symlink_entry(name, target):
    return unix_entry(name, stat.S_IFLNK | 0o777, target)


def collect(tmp_path, **kwargs):
    return collect_zips(tmp_path / "zips", tmp_path / "submitted", AID, wanted, **kwargs)


def tree(folder):
    """Every path under ``folder``, relative, links included, sorted."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")) if folder.exists() else []


def no_temporary_left(tmp_path):
    return not [p for p in (tmp_path / "submitted").iterdir() if p.name.startswith(".")]


def test_plain_layout(tmp_path):
    early, late = zipfile.ZipInfo("01_layers.ipynb", (2026, 11, 19, 8, 0, 0)), \
        zipfile.ZipInfo("scratchnn/layers.py", (2026, 11, 20, 13, 45, 10))
    make_zip(tmp_path / "zips" / "will_smith.zip", {early: b"{}", late: b"def relu(x): ..."})
    result = collect(tmp_path)
    assert result.problems == []
    assert result.students == {"will_smith": ["01_layers.ipynb", "scratchnn/layers.py", "timestamp.txt"]}
    dest = tmp_path / "submitted" / "will_smith" / AID
    assert (dest / "scratchnn" / "layers.py").read_bytes() == b"def relu(x): ..."
    stamp = (dest / "timestamp.txt").read_text()
    assert stamp == "2026-11-20 13:45:10.000000 UTC"
    assert datetime.strptime(stamp, TIMESTAMP_FORMAT) == datetime(2026, 11, 20, 13, 45, 10)
    assert no_temporary_left(tmp_path)


def test_one_top_folder_is_the_root_and_mac_litter_is_dropped(tmp_path):
    make_zip(tmp_path / "zips" / "ann.zip", {
        f"{AID}/": b"", f"{AID}/01_layers.ipynb": b"{}", f"{AID}/scratchnn/layers.py": b"",
        f"{AID}/.DS_Store": b"junk", f"__MACOSX/{AID}/._01_layers.ipynb": b"junk"})
    make_zip(tmp_path / "zips" / "bo.zip", {"scratchnn/layers.py": b""})  # keeps its folder
    result = collect(tmp_path)
    assert result.problems == []
    assert result.students["ann"] == ["01_layers.ipynb", "scratchnn/layers.py", "timestamp.txt"]
    assert result.students["bo"] == ["scratchnn/layers.py", "timestamp.txt"]
    assert tree(tmp_path / "submitted" / "ann" / AID) == [
        "01_layers.ipynb", "scratchnn", "scratchnn/layers.py", "timestamp.txt"]


def test_double_underscore_ends_the_id(tmp_path):
    make_zip(tmp_path / "zips" / "will_smith__attempt_2026-11-20.zip", {"01_layers.ipynb": b"{}"})
    assert list(collect(tmp_path).students) == ["will_smith"]


def test_roster_takes_the_longest_id_followed_by_a_separator(tmp_path):
    for name in ("will_smith_a1.zip", "will-late.zip", "willow_a1.zip"):
        make_zip(tmp_path / "zips" / name, {"01_layers.ipynb": name.encode()})
    result = collect(tmp_path, roster={"will", "will_smith"})
    assert sorted(result.students) == ["will", "will_smith"]
    submitted = tmp_path / "submitted"
    assert (submitted / "will_smith" / AID / "01_layers.ipynb").read_bytes() == b"will_smith_a1.zip"
    assert (submitted / "will" / AID / "01_layers.ipynb").read_bytes() == b"will-late.zip"
    assert result.problems == ["willow_a1.zip: matches no student id of the roster; skipped"]


def test_unmatched_name_is_reported_not_renamed(tmp_path):
    make_zip(tmp_path / "zips" / "Smith, Will - a1.zip", {"01_layers.ipynb": b"{}"})
    result = collect(tmp_path, roster=["ann"])
    assert result.students == {}
    assert len(result.problems) == 1 and result.problems[0].startswith("Smith, Will - a1.zip: ")
    assert tree(tmp_path / "submitted") == []


def test_invalid_dotted_and_reserved_ids_are_reported(tmp_path):
    names = (".reference.zip", "release.zip", "Feedback.zip", "a b.zip", "__x.zip")
    for name in names:
        make_zip(tmp_path / "zips" / name, {"01_layers.ipynb": b"{}"})
    result = collect(tmp_path)
    assert result.students == {}
    assert sorted(p.split(": ")[0] for p in result.problems) == sorted(names)
    assert tree(tmp_path / "submitted") == []
    assert not STUDENT_ID.fullmatch(".reference") and not STUDENT_ID.fullmatch("a/b")


def test_two_zips_for_one_id_collect_neither(tmp_path):
    make_zip(tmp_path / "zips" / "ann.zip", {"01_layers.ipynb": b"1"})
    make_zip(tmp_path / "zips" / "ann__late.zip", {"01_layers.ipynb": b"2"})
    make_zip(tmp_path / "zips" / "bo.zip", {"01_layers.ipynb": b"3"})
    result = collect(tmp_path)
    assert list(result.students) == ["bo"]
    assert sorted(p.split(": ")[0] for p in result.problems) == ["ann.zip", "ann__late.zip"]
    assert not (tmp_path / "submitted" / "ann").exists()


def test_symlink_entries_are_refused_and_nothing_is_written_through_them(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("keep")
    entries = {**symlink_entry("scratchnn", str(outside)),
               **symlink_entry("01_layers.ipynb", str(outside / "secret.txt")),
               "scratchnn/layers.py": b"evil", "02_model.ipynb": b"{}",
               **unix_entry("03_fifo.ipynb", stat.S_IFIFO | 0o644, b""),
               **unix_entry("scratchnn/plain.py", 0o644, b"")}  # no type bits: a plain file
    make_zip(tmp_path / "zips" / "mal.zip", entries)
    with zipfile.ZipFile(tmp_path / "zips" / "mal.zip") as zf:  # the zip does hold links
        assert stat.S_ISLNK(zf.getinfo("scratchnn").external_attr >> 16)
    result = collect(tmp_path)
    dest = tmp_path / "submitted" / "mal" / AID
    assert sorted(p for p in result.problems if "symbolic link" in p) == [
        "mal.zip: '01_layers.ipynb': symbolic link; skipped", "mal.zip: 'scratchnn': symbolic link; skipped"]
    assert "mal.zip: '03_fifo.ipynb': not a regular file; skipped" in result.problems
    assert result.students["mal"] == ["02_model.ipynb", "scratchnn/layers.py", "scratchnn/plain.py",
                                      "timestamp.txt"]
    assert not any(p.is_symlink() for p in dest.rglob("*"))
    assert (dest / "scratchnn").is_dir() and (dest / "scratchnn" / "layers.py").read_bytes() == b"evil"
    assert tree(outside) == ["secret.txt"] and (outside / "secret.txt").read_text() == "keep"


def test_an_earlier_link_in_the_destination_is_not_written_through(tmp_path):
    outside = tmp_path / "secret.txt"
    outside.write_text("keep")
    dest = tmp_path / "submitted" / "ann" / AID
    dest.mkdir(parents=True)
    (dest / "01_layers.ipynb").symlink_to(outside)
    make_zip(tmp_path / "zips" / "ann.zip", {"01_layers.ipynb": b"new"})
    collect(tmp_path)
    assert outside.read_text() == "keep"
    assert not (dest / "01_layers.ipynb").is_symlink() and (dest / "01_layers.ipynb").read_bytes() == b"new"


def test_unsafe_paths_are_refused(tmp_path):
    absolute = tmp_path / "abs_evil.py"
    make_zip(tmp_path / "zips" / "mal.zip", {
        "../evil.py": b"x", f"{absolute}": b"x", "scratchnn\\..\\..\\win.py": b"x",
        "scratchnn/../../up.py": b"x", "nulXpy.ipynb": b"x", "01_layers.ipynb": b"{}"})
    raw = (tmp_path / "zips" / "mal.zip").read_bytes()  # zipfile will not write a NUL itself
    (tmp_path / "zips" / "mal.zip").write_bytes(raw.replace(b"nulXpy", b"nul\0py"))
    result = collect(tmp_path)
    assert result.students["mal"] == ["01_layers.ipynb", "timestamp.txt"]
    assert len([p for p in result.problems if "unsafe path" in p]) == 5
    assert not absolute.exists() and not (tmp_path / "evil.py").exists()
    assert tree(tmp_path) == sorted(["zips", "zips/mal.zip", "submitted", "submitted/mal",
                                     f"submitted/mal/{AID}", f"submitted/mal/{AID}/01_layers.ipynb",
                                     f"submitted/mal/{AID}/timestamp.txt"])


def test_duplicate_and_clashing_entries_keep_the_first(tmp_path):
    path = tmp_path / "zips" / "ann.zip"
    path.parent.mkdir()
    with zipfile.ZipFile(path, "w") as zf, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the duplicate name is the point
        for name, data in (("01_layers.ipynb", b"first"), ("01_layers.ipynb", b"second"),
                           ("scratchnn", b"a file"), ("scratchnn/layers.py", b"")):
            zf.writestr(name, data)
    result = collect_zips(path.parent, tmp_path / "submitted", AID, lambda rel: True)
    assert result.students["ann"] == ["01_layers.ipynb", "scratchnn", "timestamp.txt"]
    assert (tmp_path / "submitted" / "ann" / AID / "01_layers.ipynb").read_bytes() == b"first"
    assert result.problems == ["ann.zip: '01_layers.ipynb': clashes with another entry; skipped",
                               "ann.zip: 'scratchnn/layers.py': clashes with another entry; skipped"]


def test_a_zip_bomb_costs_at_most_the_cap(tmp_path):
    bomb = tmp_path / "zips" / "bomb.zip"
    bomb.parent.mkdir()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf, zf.open("mnist_mlp.npz", "w") as f:
        for _ in range(300):
            f.write(bytes(2**20))  # 300 MB of zeros
    assert bomb.stat().st_size < 2 * 2**20
    make_zip(tmp_path / "zips" / "ann.zip", {"01_layers.ipynb": b"{}"})
    tracemalloc.start()
    start = time.perf_counter()
    try:
        result = collect(tmp_path, max_total_bytes=4 * 2**20)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - start < 5
    assert peak < 32 * 2**20
    assert list(result.students) == ["ann"]  # the others are still collected
    assert result.problems == [f"bomb.zip: unpacks to over {4 * 2**20} bytes in all; nothing of it collected"]
    assert not (tmp_path / "submitted" / "bomb").exists() and no_temporary_left(tmp_path)


def test_caps_on_entries_and_file_size(tmp_path):
    make_zip(tmp_path / "zips" / "many.zip", {f"{i:03}.ipynb": b"{}" for i in range(30)})
    make_zip(tmp_path / "zips" / "big.zip", {"01_layers.ipynb": b"{}", "mnist_mlp.npz": os.urandom(5000)})
    result = collect(tmp_path, max_files=20, max_file_bytes=4096)
    assert result.students == {}
    assert result.problems == [
        "big.zip: 'mnist_mlp.npz' unpacks to over 4096 bytes; nothing of it collected",
        "many.zip: 30 entries, more than the 20 allowed; nothing of it collected"]


def test_corrupt_zips_are_reported_and_skipped(tmp_path):
    zips = tmp_path / "zips"
    zips.mkdir()
    (zips / "cara.zip").write_bytes(b"PK\x03\x04 this is not a zip file")
    good = make_zip(zips / "dan.zip", {"01_layers.ipynb": b"{}" * 1000}).read_bytes()
    (zips / "dan.zip").write_bytes(good[:len(good) // 2])  # cut short
    make_zip(zips / "eve.zip", {"01_layers.ipynb": b"A" * 1000, "02_model.ipynb": b"B" * 1000},
             zipfile.ZIP_STORED)
    raw = (zips / "eve.zip").read_bytes()
    (zips / "eve.zip").write_bytes(raw.replace(b"B" * 10, b"C" * 10, 1))  # a bad CRC, found mid-read
    result = collect(tmp_path)
    assert result.students == {}
    assert [p.split(": ")[0] for p in result.problems] == ["cara.zip", "dan.zip", "eve.zip"]
    assert all("not a readable zip" in p for p in result.problems)
    assert tree(tmp_path / "submitted") == []


def test_wanted_keeps_the_handed_in_files_and_one_line_sums_up_the_rest(tmp_path):
    make_zip(tmp_path / "zips" / "ann.zip", {"01_layers.ipynb": b"{}", "mnist_mlp.npz": b"npz",
                                             "notes.txt": b"hi", "scratchnn/layers.py": b""})
    make_zip(tmp_path / "zips" / "bo.zip", {"01_layers.ipynb": b"{}",
                                            **{f"venv/lib/m{i}.py": b"" for i in range(20)}})
    result = collect(tmp_path)
    assert result.students["ann"] == ["01_layers.ipynb", "mnist_mlp.npz", "scratchnn/layers.py",
                                      "timestamp.txt"]
    assert not (tmp_path / "submitted" / "ann" / AID / "notes.txt").exists()
    assert result.problems[0] == "ann.zip: ignored 1 file(s) not asked for: notes.txt"
    assert len(result.problems) == 2 and result.problems[1].startswith("bo.zip: ignored 20 file(s)")


def test_the_zips_own_timestamp_is_kept(tmp_path):
    make_zip(tmp_path / "zips" / "ann.zip", {"01_layers.ipynb": b"{}",
                                             "timestamp.txt": b"2026-01-02 03:04:05.000000 UTC"})
    collect(tmp_path)
    stamp = tmp_path / "submitted" / "ann" / AID / "timestamp.txt"
    assert stamp.read_bytes() == b"2026-01-02 03:04:05.000000 UTC"


def test_collecting_again_replaces_the_earlier_folder(tmp_path):
    zip_path = make_zip(tmp_path / "zips" / "ann.zip", {"01_layers.ipynb": b"v1", "scratchnn/old.py": b""})
    collect(tmp_path)
    make_zip(zip_path, {"01_layers.ipynb": b"v2"})
    result = collect(tmp_path)
    dest = tmp_path / "submitted" / "ann" / AID
    assert result.students["ann"] == ["01_layers.ipynb", "timestamp.txt"]
    assert tree(dest) == ["01_layers.ipynb", "timestamp.txt"]
    assert (dest / "01_layers.ipynb").read_bytes() == b"v2"
    zip_path.write_bytes(b"not a zip")  # a failed collection keeps the earlier one
    assert collect(tmp_path).students == {}
    assert (dest / "01_layers.ipynb").read_bytes() == b"v2" and no_temporary_left(tmp_path)


def test_a_folder_without_zips_says_what_is_expected(tmp_path):
    (tmp_path / "zips").mkdir()
    (tmp_path / "zips" / "ann.tar.gz").write_bytes(b"")
    for folder in (tmp_path / "zips", tmp_path / "missing"):
        with pytest.raises(SystemExit, match=f"no .zip file in {folder}.*<student id>.zip"):
            collect_zips(folder, tmp_path / "submitted", AID, wanted)


def test_exchange_collect_copies_no_link_target_and_no_device(tmp_path):
    """What a student left in the exchange: a file, a link to a file only root
    may read, a pipe (reading it would block the collect)."""
    from autograder.grading.exchange import copy_plain
    inbound = tmp_path / "inbound" / "ann+a1"
    (inbound / "scratchnn").mkdir(parents=True)
    (inbound / "scratchnn" / "layers.py").write_text("x = 1\n")
    (inbound / "secret").symlink_to("/etc/shadow")
    os.mkfifo(inbound / "pipe")
    copy_plain(inbound, tmp_path / "submitted", ignore=["*.pyc"])
    assert (tmp_path / "submitted" / "scratchnn" / "layers.py").read_text() == "x = 1\n"
    assert os.readlink(tmp_path / "submitted" / "secret") == "/etc/shadow"  # a link, for ingest to refuse
    assert not (tmp_path / "submitted" / "pipe").exists()
