"""data_scripts against a real HTTP server on 127.0.0.1 serving files in the
real formats, and against the real MNIST and Fashion-MNIST files."""
import gzip
import hashlib
import io
import pickle
import dataclasses
import tarfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest

import data_scripts
from data_scripts import cli, formats
from data_scripts.sources import MNIST, DatasetSpec, FileSpec

FASHION_DIR = Path("/usr/share/datasets/fashion-mnist")


# -- real-format fixtures ------------------------------------------------------
def idx_bytes(array):
    header = bytes([0, 0, 8, array.ndim]) + b"".join(d.to_bytes(4, "big") for d in array.shape)
    return header + array.astype(np.uint8).tobytes()


def small_idx_dataset(n_train=20, n_test=10, seed=0):
    """Payloads of the four IDX files, and a spec whose md5s are theirs."""
    rng = np.random.default_rng(seed)
    arrays = {"train-images-idx3-ubyte": rng.integers(0, 256, (n_train, 28, 28)),
              "train-labels-idx1-ubyte": np.arange(n_train) % 10,
              "t10k-images-idx3-ubyte": rng.integers(0, 256, (n_test, 28, 28)),
              "t10k-labels-idx1-ubyte": np.arange(n_test) % 10}
    payloads = {name: idx_bytes(a) for name, a in arrays.items()}
    roles = dict(zip(arrays, ("x_train", "y_train", "x_test", "y_test")))
    spec = DatasetSpec(name="tiny", kind="idx", mirrors=(), classes=tuple("0123456789"),
                       files=tuple(FileSpec(n, hashlib.md5(p).hexdigest(), roles[n])
                                   for n, p in payloads.items()))
    return spec, payloads, arrays


def small_cifar_archive(per_batch=10, seed=0):
    """A cifar-10-python.tar.gz in the real layout, and a spec of its md5s."""
    rng = np.random.default_rng(seed)
    members, files = {}, []
    for name, role in [(f"data_batch_{i}", "batch") for i in range(1, 6)] + [("test_batch", "test")]:
        batch = {b"batch_label": name.encode(), b"labels": list(rng.integers(0, 10, per_batch)),
                 b"data": rng.integers(0, 256, (per_batch, 3072)).astype(np.uint8),
                 b"filenames": [b"x.png"] * per_batch}
        members[name] = pickle.dumps(batch, protocol=2)
        files.append(FileSpec(name, hashlib.md5(members[name]).hexdigest(), role))
    members["batches.meta"] = pickle.dumps({b"label_names": [c.encode() for c in
                                            "airplane automobile bird cat deer dog frog horse ship truck".split()],
                                            b"num_vis": 3072}, protocol=2)
    files.append(FileSpec("batches.meta", hashlib.md5(members["batches.meta"]).hexdigest(), "meta"))
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, payload in members.items():
            info = tarfile.TarInfo(f"cifar-10-batches-py/{name}")
            info.size = len(payload)
            tar.addfile(info, io.BytesIO(payload))
    spec = DatasetSpec(name="tinycifar", kind="cifar", files=tuple(files), mirrors=(),
                       classes=tuple("0123456789"), archive="cifar-10-python.tar.gz")
    return spec, buf.getvalue(), members


# -- a local stand-in for the mirrors -------------------------------------------
class Server:
    """Serves ``files`` (path -> bytes) with Range support; ``broken`` paths 404,
    ``truncate[path] = k`` closes the first transfer of that path after k bytes."""

    def __init__(self):
        self.files, self.truncate, self.requests = {}, {}, []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                server.requests.append((self.path, self.headers.get("Range")))
                body = server.files.get(self.path)
                if body is None:
                    self.send_error(404, "Not Found")
                    return
                start = 0
                if self.headers.get("Range"):
                    start = int(self.headers["Range"].split("=")[1].split("-")[0])
                    self.send_response(206)
                    self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
                else:
                    self.send_response(200)
                self.send_header("Content-Length", str(len(body) - start))
                self.end_headers()
                cut = server.truncate.pop(self.path, None)
                self.wfile.write(body[start:cut] if cut is not None else body[start:])
                if cut is not None:
                    self.wfile.flush()
                    self.close_connection = True

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    s = Server()
    yield s
    s.close()


def serve_idx(server, payloads, prefix="/good/"):
    for name, payload in payloads.items():
        server.files[prefix + name + ".gz"] = gzip.compress(payload, mtime=0)


def leftovers(cache_dir):
    """Files in the cache folder other than finished caches."""
    return sorted(str(p.relative_to(cache_dir)) for p in Path(cache_dir).rglob("*")
                  if p.is_file() and p.suffix != ".npz")


# -- downloads -----------------------------------------------------------------
def test_clean_download(server, tmp_path):
    spec, payloads, arrays = small_idx_dataset()
    serve_idx(server, payloads)
    data = data_scripts.load(spec, cache_dir=tmp_path, mirrors=[server.url + "/good/"])
    np.testing.assert_array_equal(data["x_train"], arrays["train-images-idx3-ubyte"])
    np.testing.assert_array_equal(data["y_test"], arrays["t10k-labels-idx1-ubyte"])
    assert data["meta"]["md5"] == {f.name: f.md5 for f in spec.files}
    assert leftovers(tmp_path) == []


def test_second_fetch_reuses_the_cache(server, tmp_path):
    spec, payloads, _ = small_idx_dataset()
    serve_idx(server, payloads)
    data_scripts.fetch(spec, cache_dir=tmp_path, mirrors=[server.url + "/good/"])
    served = len(server.requests)
    data_scripts.fetch(spec, cache_dir=tmp_path, mirrors=[server.url + "/good/"])
    assert len(server.requests) == served == 4


def test_a_mirror_that_404s_then_a_good_one(server, tmp_path):
    spec, payloads, arrays = small_idx_dataset()
    serve_idx(server, payloads)
    data = data_scripts.load(spec, cache_dir=tmp_path,
                             mirrors=[server.url + "/dead/", server.url + "/good/"])
    np.testing.assert_array_equal(data["x_test"], arrays["t10k-images-idx3-ubyte"])
    assert server.requests[0] == ("/dead/train-images-idx3-ubyte.gz", None)
    assert server.requests[1][0] == "/good/train-images-idx3-ubyte.gz"


def test_truncated_transfer_resumes_with_a_range_request(server, tmp_path):
    spec, payloads, arrays = small_idx_dataset(n_train=200)
    serve_idx(server, payloads)
    path = "/good/train-images-idx3-ubyte.gz"
    server.truncate[path] = 1000
    data = data_scripts.load(spec, cache_dir=tmp_path, mirrors=[server.url + "/good/"])
    np.testing.assert_array_equal(data["x_train"], arrays["train-images-idx3-ubyte"])
    image_requests = [r for r in server.requests if r[0] == path]
    assert image_requests == [(path, None), (path, "bytes=1000-")]


def test_wrong_checksum_is_rejected_and_nothing_is_cached(server, tmp_path):
    spec, payloads, _ = small_idx_dataset()
    payloads["t10k-labels-idx1-ubyte"] = idx_bytes(np.arange(10)[::-1] % 10)  # not the published file
    serve_idx(server, payloads)
    with pytest.raises(data_scripts.DownloadError, match="md5") as err:
        data_scripts.fetch(spec, cache_dir=tmp_path, mirrors=[server.url + "/good/"])
    assert "t10k-labels-idx1-ubyte" in str(err.value)
    assert not data_scripts.cache_path("tiny", tmp_path).exists()
    assert leftovers(tmp_path) == []


def test_every_mirror_failing_lists_each_one(server, tmp_path):
    spec, _, _ = small_idx_dataset()
    with pytest.raises(data_scripts.DownloadError) as err:
        data_scripts.fetch(spec, cache_dir=tmp_path, mirrors=[server.url + "/a/", server.url + "/b/"])
    message = str(err.value)
    assert "/a/train-images-idx3-ubyte.gz: HTTP 404" in message
    assert "/b/train-images-idx3-ubyte.gz: HTTP 404" in message
    assert "--from" in message


def test_no_network_says_how_to_work_offline(tmp_path):
    import socket
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    spec, _, _ = small_idx_dataset()
    with pytest.raises(data_scripts.DownloadError) as err:
        data_scripts.fetch(spec, cache_dir=tmp_path, mirrors=[f"http://127.0.0.1:{port}/"])
    assert "refused" in str(err.value).lower()
    assert "--from" in str(err.value) and "bundled" in str(err.value)
    assert not data_scripts.cache_path("tiny", tmp_path).exists()


def test_corrupt_cache_is_rebuilt(server, tmp_path):
    spec, payloads, arrays = small_idx_dataset()
    serve_idx(server, payloads)
    path = data_scripts.cache_path("tiny", tmp_path)
    path.write_bytes(b"PK\x03\x04 this is not a zip file")
    data = data_scripts.load(spec, cache_dir=tmp_path, mirrors=[server.url + "/good/"])
    np.testing.assert_array_equal(data["x_train"], arrays["train-images-idx3-ubyte"])


def test_cache_from_another_version_is_rebuilt(server, tmp_path):
    spec, payloads, _ = small_idx_dataset()
    serve_idx(server, payloads)
    path = data_scripts.fetch(spec, cache_dir=tmp_path, mirrors=[server.url + "/good/"])
    with np.load(path) as old:
        arrays = {k: old[k] for k in old.files}
    arrays["meta"] = np.array(str(arrays["meta"]).replace('"format": 1', '"format": 0'))
    np.savez(path, **arrays)
    with pytest.raises(data_scripts.CacheError, match="another version"):
        data_scripts.cache.read(path)
    requests_before = len(server.requests)
    data = data_scripts.load(spec, cache_dir=tmp_path, mirrors=[server.url + "/good/"])
    assert data["meta"]["format"] == 1
    assert len(server.requests) == requests_before + 4


def test_interrupted_run_leaves_no_cache_and_resumes(server, tmp_path, monkeypatch):
    spec, payloads, arrays = small_idx_dataset(n_train=300)
    serve_idx(server, payloads)
    from data_scripts import download

    class InterruptedBar:
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def update(self, n=1):  # Ctrl-C right after the first chunk is written
            raise KeyboardInterrupt

    monkeypatch.setattr(download, "CHUNK", 4096)
    monkeypatch.setattr(download, "_progress_bar", lambda show, **kwargs: InterruptedBar())
    with pytest.raises(KeyboardInterrupt):
        data_scripts.fetch(spec, cache_dir=tmp_path, mirrors=[server.url + "/good/"])
    assert not data_scripts.cache_path("tiny", tmp_path).exists()
    assert leftovers(tmp_path) == ["downloads/train-images-idx3-ubyte.gz.part"]

    monkeypatch.undo()
    data = data_scripts.load(spec, cache_dir=tmp_path, mirrors=[server.url + "/good/"])
    np.testing.assert_array_equal(data["x_train"], arrays["train-images-idx3-ubyte"])
    assert server.requests[1] == ("/good/train-images-idx3-ubyte.gz", "bytes=4096-")
    assert leftovers(tmp_path) == []


def test_cifar_archive_download_and_parse(server, tmp_path):
    spec, archive, members = small_cifar_archive()
    server.files["/kriz/cifar-10-python.tar.gz"] = archive
    data = data_scripts.load(spec, cache_dir=tmp_path, mirrors=[server.url + "/kriz/"])
    assert data["x_train"].shape == (50, 32, 32, 3) and data["x_test"].shape == (10, 32, 32, 3)
    first = pickle.loads(members["data_batch_1"])
    np.testing.assert_array_equal(data["x_train"][0], first[b"data"][0].reshape(3, 32, 32).transpose(1, 2, 0))
    np.testing.assert_array_equal(data["y_train"][:10], first[b"labels"])


def test_cifar_from_an_extracted_folder(tmp_path):
    spec, _, members = small_cifar_archive(seed=1)
    folder = tmp_path / "src" / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    for name, payload in members.items():
        (folder / name).write_bytes(payload)
    data = data_scripts.load(spec, source_dir=tmp_path / "src", cache_dir=tmp_path / "cache")
    assert len(data["y_train"]) == 50


def test_crafted_cifar_batch_runs_no_code(tmp_path):
    marker = tmp_path / "pwned"

    class Evil:
        def __reduce__(self):
            return (Path.touch, (marker,))

    payload = pickle.dumps({b"data": Evil(), b"labels": [0]})
    with pytest.raises(data_scripts.FormatError, match="pathlib"):
        formats.read_cifar_batch(payload)
    assert not marker.exists()


def test_idx_structure_errors():
    with pytest.raises(data_scripts.FormatError, match="magic"):
        formats.read_idx(bytes([0, 0, 8, 2]) + (1).to_bytes(4, "big") * 2 + b"\0")
    good = idx_bytes(np.zeros((2, 28, 28)))
    with pytest.raises(data_scripts.FormatError, match="header says"):
        formats.read_idx(good[:-5])


def test_cli_reports_errors_without_traceback(tmp_path, capsys):
    assert cli.main(["fetch", "mnist", "--from", str(tmp_path), "--cache-dir", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error:") and "train-images-idx3-ubyte" in err
    assert "Traceback" not in err


# -- damaged files, chosen mirrors, a missing folder ---------------------------
# The three ways gzip reports damage: EOFError, zlib.error and BadGzipFile.
def truncated(gz):
    return gz[:len(gz) // 2]


def bad_deflate_data(gz):
    return gz[:10] + b"\xff" + gz[11:]  # the first block after the 10-byte header: invalid type


def bad_crc(gz):
    return gz[:-8] + bytes(4) + gz[-4:]  # the trailer: CRC32, then the size


DAMAGES = [truncated, bad_deflate_data, bad_crc]


def serve_damaged(server, payloads, prefix, damage, name="train-images-idx3-ubyte"):
    serve_idx(server, payloads, prefix)
    server.files[prefix + name + ".gz"] = damage(server.files[prefix + name + ".gz"])


@pytest.mark.parametrize("damage", DAMAGES)
def test_a_damaged_gzip_from_a_mirror_falls_through_to_the_next(server, tmp_path, damage):
    spec, payloads, arrays = small_idx_dataset(n_train=200)
    serve_damaged(server, payloads, "/bad/", damage)
    serve_idx(server, payloads, "/good/")
    data = data_scripts.load(spec, cache_dir=tmp_path, mirrors=[server.url + "/bad/", server.url + "/good/"])
    np.testing.assert_array_equal(data["x_train"], arrays["train-images-idx3-ubyte"])
    images = [path for path, _ in server.requests if path.endswith("train-images-idx3-ubyte.gz")]
    assert images == ["/bad/train-images-idx3-ubyte.gz", "/good/train-images-idx3-ubyte.gz"]
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("damage", DAMAGES)
def test_a_damaged_gzip_on_the_last_mirror_is_named_with_what_to_do(server, tmp_path, damage):
    spec, payloads, _ = small_idx_dataset(n_train=200)
    serve_damaged(server, payloads, "/bad/", damage)
    with pytest.raises(data_scripts.DownloadError) as err:
        data_scripts.fetch(spec, cache_dir=tmp_path, mirrors=[server.url + "/bad/"])
    message = str(err.value)
    assert f"{server.url}/bad/train-images-idx3-ubyte.gz: train-images-idx3-ubyte.gz is damaged, " \
           f"not a complete gzip file" in message
    assert "again" in message and "--mirror URL" in message
    assert not data_scripts.cache_path("tiny", tmp_path).exists()
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("damage", DAMAGES)
def test_a_damaged_gzip_in_the_from_folder_is_named_with_what_to_do(tmp_path, monkeypatch, capsys, damage):
    spec, payloads, _ = small_idx_dataset(n_train=200)
    monkeypatch.setitem(data_scripts.DATASETS, "tiny", spec)
    folder = tmp_path / "src"
    folder.mkdir()
    for name, payload in payloads.items():
        (folder / (name + ".gz")).write_bytes(gzip.compress(payload, mtime=0))
    damaged = folder / "t10k-images-idx3-ubyte.gz"
    damaged.write_bytes(damage(damaged.read_bytes()))
    assert cli.main(["fetch", "tiny", "--from", str(folder), "--cache-dir", str(tmp_path / "cache")]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"error: {damaged} is damaged, not a complete gzip file (")
    assert "delete it" in err and "Traceback" not in err
    assert not (tmp_path / "cache" / "tiny.npz").exists()


def test_a_damaged_cifar_archive_in_the_from_folder_is_named(tmp_path):
    spec, archive, _ = small_cifar_archive()
    (tmp_path / spec.archive).write_bytes(truncated(archive))
    with pytest.raises(data_scripts.FormatError) as err:
        data_scripts.fetch(spec, source_dir=tmp_path, cache_dir=tmp_path / "cache")
    assert str(err.value).startswith(f"{tmp_path / spec.archive} is damaged, not a readable tar.gz")
    assert "delete it" in str(err.value)


def test_cli_mirrors_are_tried_in_the_order_given_before_the_built_in_ones(server, tmp_path, monkeypatch, capsys):
    spec, payloads, arrays = small_idx_dataset()
    serve_idx(server, payloads, "/second/")
    serve_idx(server, payloads, "/builtin/")
    builtin = dataclasses.replace(spec, mirrors=(server.url + "/builtin/",))
    monkeypatch.setitem(data_scripts.DATASETS, "tiny", builtin)
    argv = ["fetch", "tiny", "--mirror", server.url + "/first/", "--mirror", server.url + "/second/",
            "--cache-dir", str(tmp_path)]
    assert cli.main(argv) == 0
    assert capsys.readouterr().out == f"tiny: {data_scripts.cache_path('tiny', tmp_path)}\n"
    assert [path for path, _ in server.requests][:3] == [
        "/first/train-images-idx3-ubyte.gz", "/second/train-images-idx3-ubyte.gz",
        "/first/train-labels-idx1-ubyte.gz"]
    assert not any(path.startswith("/builtin/") for path, _ in server.requests)
    np.testing.assert_array_equal(data_scripts.load("tiny", cache_dir=tmp_path)["x_test"],
                                  arrays["t10k-images-idx3-ubyte"])


def test_cli_falls_back_on_the_built_in_mirrors(server, tmp_path, monkeypatch):
    spec, payloads, _ = small_idx_dataset()
    serve_idx(server, payloads, "/builtin/")
    builtin = dataclasses.replace(spec, mirrors=(server.url + "/builtin/",))
    monkeypatch.setitem(data_scripts.DATASETS, "tiny", builtin)
    assert cli.main(["fetch", "tiny", "--mirror", server.url + "/dead", "--cache-dir", str(tmp_path)]) == 0
    assert [path for path, _ in server.requests][:2] == ["/dead/train-images-idx3-ubyte.gz",
                                                         "/builtin/train-images-idx3-ubyte.gz"]


def test_cli_takes_a_folder_or_mirrors_not_both(tmp_path, capsys):
    with pytest.raises(SystemExit):
        cli.main(["fetch", "mnist", "--from", str(tmp_path), "--mirror", "http://127.0.0.1:9/"])
    assert "--mirror: not allowed with argument --from" in capsys.readouterr().err


def test_from_a_folder_that_does_not_exist_says_so(tmp_path, capsys):
    missing = tmp_path / "no" / "such" / "folder"
    assert cli.main(["fetch", "mnist", "--from", str(missing), "--cache-dir", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"error: {missing} does not exist: --from")
    assert "Traceback" not in err


# -- the real files ------------------------------------------------------------
@pytest.fixture(scope="module")
def real_mnist(mnist_dir, tmp_path_factory):
    cache = tmp_path_factory.mktemp("cache")
    return data_scripts.load("mnist", source_dir=mnist_dir, cache_dir=cache)


def test_real_mnist_verifies_with_its_label_counts(real_mnist):
    assert real_mnist["x_train"].shape == (60000, 28, 28)
    assert real_mnist["x_test"].shape == (10000, 28, 28)
    assert tuple(np.bincount(real_mnist["y_train"])) == MNIST.label_counts["y_train"]
    assert tuple(np.bincount(real_mnist["y_test"])) == MNIST.label_counts["y_test"]


def test_bundled_set_is_the_official_images_at_its_indices(real_mnist):
    mini = data_scripts.load_bundled()
    assert mini["x_train"].shape == (6000, 28, 28) and mini["x_test"].shape == (1000, 28, 28)
    np.testing.assert_array_equal(mini["x_train"], real_mnist["x_train"][mini["train_index"]])
    np.testing.assert_array_equal(mini["y_test"], real_mnist["y_test"][mini["test_index"]])
    assert np.bincount(mini["y_train"]).tolist() == [600] * 10
    assert data_scripts.BUNDLED.stat().st_size < 5e6


def test_real_mnist_with_a_wrong_file_is_rejected(mnist_dir, tmp_path):
    for f in mnist_dir.iterdir():
        (tmp_path / f.name).write_bytes(f.read_bytes())
    (tmp_path / "t10k-labels-idx1-ubyte.gz").write_bytes(
        gzip.compress(idx_bytes(np.zeros(10000, dtype=np.uint8))))
    with pytest.raises(data_scripts.ChecksumError, match="t10k-labels-idx1-ubyte"):
        data_scripts.fetch("mnist", source_dir=tmp_path, cache_dir=tmp_path / "cache")
    assert not (tmp_path / "cache" / "mnist.npz").exists()


@pytest.mark.skipif(not FASHION_DIR.exists(), reason="Debian package dataset-fashion-mnist "
                    "is not installed (apt-get install -y dataset-fashion-mnist)")
def test_real_fashion_mnist(tmp_path):
    data = data_scripts.load("fashion_mnist", source_dir=FASHION_DIR, cache_dir=tmp_path)
    assert data["x_train"].shape == (60000, 28, 28)
    assert np.bincount(data["y_test"]).tolist() == [1000] * 10
    assert data["classes"][9] == "Ankle boot"
