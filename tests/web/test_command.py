"""``neuroimmune serve``: loopback by default, a port option, uvicorn underneath."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from neuroimmune.web.command import is_loopback, serve


@pytest.fixture()
def started(monkeypatch):
    """Capture what ``serve`` would hand to uvicorn instead of starting a server."""
    import uvicorn

    calls: list[dict] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: calls.append(
        {"app": app, **options}))
    return calls


def test_serve_binds_loopback_on_8050_by_default(started):
    result = CliRunner().invoke(serve, [])
    assert result.exit_code == 0, result.output
    assert (started[0]["host"], started[0]["port"]) == ("127.0.0.1", 8050)
    assert "http://127.0.0.1:8050/" in result.output
    assert "warning" not in result.output


def test_serve_takes_host_and_port_and_warns_off_loopback(started):
    result = CliRunner().invoke(serve, ["--host", "0.0.0.0", "--port", "9000"])
    assert result.exit_code == 0, result.output
    assert (started[0]["host"], started[0]["port"]) == ("0.0.0.0", 9000)
    assert "no login" in result.output


def test_serve_refuses_a_bad_port():
    result = CliRunner().invoke(serve, ["--port", "70000"])
    assert result.exit_code == 2


@pytest.mark.parametrize("host, expected", [
    ("127.0.0.1", True), ("localhost", True), ("::1", True), ("[::1]", True),
    ("127.8.0.1", True), ("0.0.0.0", False), ("192.168.1.4", False), ("example.org", False),
])
def test_is_loopback(host, expected):
    assert is_loopback(host) is expected


def test_the_command_line_does_not_import_the_web_stack():
    import subprocess
    import sys

    code = ("import sys; from neuroimmune.web.command import serve; "
            "assert 'fastapi' not in sys.modules and 'uvicorn' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)
