"""Fixtures for the report tests: one quick `verifier report` run shared by the session, and a
headless Chromium driven over the DevTools protocol.

Chromium is driven through `--remote-debugging-pipe` (JSON messages separated by NUL bytes on
file descriptors 3 and 4): no port, no websocket library, nothing that touches the network.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import select
import shutil
import signal
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "chrome")
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-extensions", "--mute-audio", "--hide-scrollbars")


def chromium_path() -> str | None:
    for name in CHROMIUM_NAMES:
        p = shutil.which(name)
        if p:
            return p
    return None


@dataclass
class PageResult:
    """What a page load produced: console/log errors, the DOM probe, and a PNG screenshot."""

    errors: list[str]
    probe: dict[str, Any]
    screenshot: bytes
    events: list[dict[str, Any]] = field(default_factory=list)


class Chromium:
    """A headless Chromium process with a DevTools connection over pipes."""

    def __init__(self, exe: str, timeout: float = 60.0) -> None:
        self.timeout = timeout
        self.profile = tempfile.mkdtemp(prefix="verifier-chromium-")
        to_child_r, self._w = os.pipe()
        self._r, from_child_w = os.pipe()
        devnull = os.open(os.devnull, os.O_RDWR)
        actions = [(os.POSIX_SPAWN_DUP2, to_child_r, 3), (os.POSIX_SPAWN_DUP2, from_child_w, 4),
                   (os.POSIX_SPAWN_DUP2, devnull, 1), (os.POSIX_SPAWN_DUP2, devnull, 2)]
        argv = [exe, *CHROMIUM_FLAGS, f"--user-data-dir={self.profile}", "--remote-debugging-pipe", "about:blank"]
        self.pid = os.posix_spawn(exe, argv, dict(os.environ), file_actions=actions)
        for fd in (to_child_r, from_child_w, devnull):
            os.close(fd)
        self._buf = b""
        self._id = 0
        self.events: list[dict[str, Any]] = []

    # -- protocol ----------------------------------------------------------------------------
    def _read_message(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no answer from Chromium's DevTools pipe")
            ready, _, _ = select.select([self._r], [], [], left)
            if ready:
                chunk = os.read(self._r, 1 << 20)
                if not chunk:
                    raise RuntimeError("Chromium closed its DevTools pipe")
                self._buf += chunk
        msg, _, self._buf = self._buf.partition(b"\0")
        return json.loads(msg)

    def send(self, method: str, params: dict[str, Any] | None = None, session: str | None = None) -> dict[str, Any]:
        self._id += 1
        msg: dict[str, Any] = {"id": self._id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self._w, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + self.timeout
        while True:
            reply = self._read_message(deadline)
            if reply.get("id") == self._id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_event(self, method: str, session: str | None = None) -> dict[str, Any]:
        for i, ev in enumerate(self.events):
            if ev.get("method") == method and (session is None or ev.get("sessionId") == session):
                return self.events.pop(i)
        deadline = time.monotonic() + self.timeout
        while True:
            ev = self._read_message(deadline)
            if ev.get("method") == method and (session is None or ev.get("sessionId") == session):
                return ev
            self.events.append(ev)

    # -- a page ------------------------------------------------------------------------------
    def load(self, path: Path, probe_js: str, width: int = 1280, max_height: int = 16000) -> PageResult:
        """Open `path`, wait for load, run `probe_js` (must return a JSON string), take a full-page screenshot."""
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        sid = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            self.send(f"{domain}.enable", session=sid)
        self.send("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": False}, session=sid)
        self.events.clear()
        self.send("Page.navigate", {"url": path.resolve().as_uri()}, session=sid)
        self.wait_event("Page.loadEventFired", sid)
        res = self.send("Runtime.evaluate", {"expression": probe_js, "returnByValue": True}, session=sid)
        probe = json.loads(res["result"]["value"])
        metrics = self.send("Page.getLayoutMetrics", session=sid)
        height = min(int(metrics["cssContentSize"]["height"]) + 1, max_height)
        self.send("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False}, session=sid)
        shot = self.send("Page.captureScreenshot", {"format": "png"}, session=sid)
        errors = []
        for ev in self.events:
            m, p = ev.get("method"), ev.get("params", {})
            if m == "Runtime.exceptionThrown":
                errors.append("exception: " + json.dumps(p.get("exceptionDetails", {}))[:300])
            elif m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "warning", "assert"):
                errors.append(f"console.{p.get('type')}: " + json.dumps(p.get("args", []))[:300])
            elif m == "Log.entryAdded" and p.get("entry", {}).get("level") in ("error", "warning"):
                errors.append(f"log.{p['entry']['level']}: {p['entry'].get('text', '')[:300]}")
        events = list(self.events)
        self.send("Target.closeTarget", {"targetId": target})
        return PageResult(errors, probe, base64.b64decode(shot["data"]), events)

    def close(self) -> None:
        with contextlib.suppress(RuntimeError, TimeoutError, OSError):
            self.send("Browser.close")
        for _ in range(50):
            pid, _status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                break
            time.sleep(0.1)
        else:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        for fd in (self._r, self._w):
            with contextlib.suppress(OSError):
                os.close(fd)
        shutil.rmtree(self.profile, ignore_errors=True)


@pytest.fixture(scope="session")
def chromium() -> Any:
    exe = chromium_path()
    if exe is None:
        pytest.skip("chromium is not installed (Debian: apt-get install -y chromium)")
    browser = Chromium(exe)
    yield browser
    browser.close()


@pytest.fixture(scope="session")
def quick_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`verifier report R-LIN --quick` into a temporary directory, once per session."""
    from verifier._cli import main

    out = tmp_path_factory.mktemp("report")
    code = main(["report", "R-LIN", "--package", "zeng_lee", "--quick", "--search-budget", "3", "--out", str(out),
                 "--quiet"])
    # R-LIN's statement holds; its printed proof steps have gaps (violated steps: exit 1)
    assert code in (0, 1)
    doc = json.loads((out / "report.json").read_text())
    assert doc["theorems"][0]["statement_status"] == "holds", doc["theorems"][0]["proof_gaps"]
    return out
