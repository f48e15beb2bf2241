"""Real Jupyter servers for tests: nbgrader's formgrader over a course
directory, for tests that grade the way an instructor does in the browser (the
"Autograde" button) rather than through ``nbgrader autograde``, and JupyterLab
for the browser tests.

    with running_formgrader(course_dir) as fg:
        reply = fg.autograde("a1_backprop", "ann")   # {"success", "log", and "error" on failure}
        status, html = fg.get("/formgrader")
    with running_jupyter(home, app="lab", env={...}) as lab:
        browser.get(lab.login_url("/lab"))

Only the standard library talks HTTP, to 127.0.0.1. Not a test module itself.
"""
import contextlib
import http.cookiejar
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

START_S = 60  # the server must answer within this
EXTENSION = "nbgrader.server_extensions.formgrader"


class Server:
    """A started server: ``url``, ``token``, ``get``, ``log``, ``login_url``."""

    def __init__(self, url, token, log_path):
        self.url, self.token, self._log_path = url, token, log_path
        # Keeps the login and _xsrf cookies between requests, as a browser does; never
        # through an http_proxy from the environment.
        self._cookies = http.cookiejar.CookieJar()
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}),
                                                   urllib.request.HTTPCookieProcessor(self._cookies))

    def _send(self, request, timeout):
        try:
            with self._opener.open(request, timeout=timeout) as reply:
                return reply.status, reply.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as error:  # 4xx/5xx: a reply all the same
            return error.code, error.read().decode("utf-8", "replace")

    def get(self, path, timeout=30):
        """GET ``path`` (e.g. "/formgrader") -> (status, text). The token goes in the
        Authorization header; the server answers with a login cookie, kept."""
        request = urllib.request.Request(self.url + path,
                                         headers={"Authorization": f"token {self.token}"})
        return self._send(request, timeout)

    def login_url(self, path):
        """``path`` with the token, for a browser: the server answers with a login cookie."""
        return f"{self.url}{path}{'&' if '?' in path else '?'}token={self.token}"

    def log(self):
        """Everything the server has printed so far (while it runs)."""
        return Path(self._log_path).read_text(errors="replace")

    def _cookie(self, name):
        return next((c.value for c in self._cookies if c.name == name), None)


class Formgrader(Server):
    """A server with the formgrader: ``autograde`` as its button does."""

    def autograde(self, assignment_id, student_id, timeout=900):
        """What the Autograde button sends (manage_submissions.js, backbone_xsrf.js):
        an empty POST, authenticated by the login cookie, with the _xsrf cookie echoed
        in X-CSRFToken. No token header: with one, jupyter_server skips the XSRF check
        that the browser's request has to pass. Returns the parsed JSON reply."""
        if self._cookie("_xsrf") is None:
            self.get("/formgrader")  # the page the button is on sets both cookies
        xsrf = self._cookie("_xsrf")
        if xsrf is None or not any(c.name.startswith("username-") for c in self._cookies):
            raise RuntimeError("GET /formgrader set no login or _xsrf cookie")
        path = "/formgrader/api/submission/{}/{}/autograde".format(
            urllib.parse.quote(assignment_id, safe=""), urllib.parse.quote(student_id, safe=""))
        request = urllib.request.Request(self.url + path, data=b"", method="POST",
                                         headers={"X-CSRFToken": xsrf})
        status, text = self._send(request, timeout)
        if status != 200:
            raise RuntimeError(f"POST {path} -> HTTP {status}: {text[:2000]}\n"
                               f"server log tail:\n{self.log()[-4000:]}")
        return json.loads(text)


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running_formgrader(course_dir, env=None):
    """Start a Jupyter server with the formgrader on 127.0.0.1 (a free port), serving
    the nbgrader course directory ``course_dir`` (the one holding nbgrader_config.py);
    yields a :class:`Formgrader`. ``env`` is merged into the server's environment.
    The server and its process group are stopped on exit, error or not."""
    # nbgrader enables it in <venv>/etc/jupyter; say so here too, so the server has it
    # whatever that folder holds.
    with running_jupyter(course_dir, "server", env, extensions={EXTENSION: True}, ready="/formgrader",
                         server_class=Formgrader) as server:
        yield server


@contextlib.contextmanager
def running_jupyter(root, app="server", env=None, extensions=None, ready="/api/status", server_class=Server):
    """Start ``jupyter <app>`` ("server" or "lab") on 127.0.0.1 (a free port, token
    auth) with its working and root folder ``root``; yields a ``server_class`` once
    ``ready`` answers 200. ``env`` is merged into the server's environment (by default
    its Jupyter config, data and runtime folders are temporary ones: never the
    developer's; None unsets a variable); ``extensions``: server extensions to switch
    on or off. The server and its process group are stopped on exit, error or not."""
    root = Path(root).resolve()
    port, token = _free_port(), secrets.token_hex(24)
    with tempfile.TemporaryDirectory(prefix=f"scratchnn-{app}-", dir="/var/tmp") as tmp:
        tmp = Path(tmp)
        child_env = {
            **os.environ,
            # nbgrader runs `alembic` from PATH: this environment's scripts first.
            "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
            # Never read or write the developer's Jupyter config, data or runtime files.
            **{f"JUPYTER_{kind}_DIR": str(tmp / kind.lower()) for kind in ("CONFIG", "DATA", "RUNTIME")},
            **(env or {}),
        }
        child_env = {k: v for k, v in child_env.items() if v is not None}  # None: unset
        command = [sys.executable, "-m", "jupyter", app, "--no-browser", "--allow-root",
                   "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
                   "--ServerApp.port_retries=0",  # a taken port is an error, not another port
                   f"--ServerApp.root_dir={root}",
                   f"--IdentityProvider.token={token}"]
        if extensions:
            command.append(f"--ServerApp.jpserver_extensions={extensions!r}")
        log_path = tmp / "server.log"
        with open(log_path, "wb") as log:
            # cwd: nbgrader reads ./nbgrader_config.py. A session of its own, so one
            # killpg stops the server and whatever it started in its group.
            proc = subprocess.Popen(command, cwd=root, env=child_env, stdout=log,
                                    stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                    start_new_session=True)
        server = server_class(f"http://127.0.0.1:{port}", token, log_path)
        try:
            _wait_until_up(server, proc, ready)
            yield server
        finally:
            _stop(proc)


def _wait_until_up(server, proc, path):
    """Poll ``path`` until it answers 200 (the formgrader's page exists only once its
    extension is loaded), for START_S at most."""
    deadline, status = time.monotonic() + START_S, None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the Jupyter server exited (code {proc.returncode}) before answering; "
                               f"its log:\n{server.log()[-4000:]}")
        try:
            status, _ = server.get(path, timeout=5)
        except (urllib.error.URLError, ConnectionError, socket.timeout):
            status = None  # not listening yet
        if status == 200:
            return
        time.sleep(0.2)
    raise RuntimeError(f"the Jupyter server at {server.url} did not serve {path} within {START_S} s "
                       f"(last HTTP status: {status}); its log:\n{server.log()[-4000:]}")


def _stop(proc):
    """SIGTERM to the group (jupyter_server shuts down cleanly), then SIGKILL to
    whatever of the group is left, or to all of it if the server lingers."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=10)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
