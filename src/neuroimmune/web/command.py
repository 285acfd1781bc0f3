"""``neuroimmune serve``: the dashboard and its HTTP API on one local port.

Registered in the main command line with ``main.add_command(serve)``. FastAPI and
uvicorn are imported when the command runs, so the rest of the command line works
without the web extras installed.
"""

from __future__ import annotations

import ipaddress

import click

from neuroimmune.usage import fail
from neuroimmune.web.limits import WebLimits

LOOPBACK_NAMES = ("127.0.0.1", "localhost")


def is_loopback(host: str) -> bool:
    """Whether ``host`` is reachable only from this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. The default is reachable from this machine only; "
                   "0.0.0.0 opens the dashboard to the network (it has no login).")
@click.option("--port", default=8050, show_default=True, type=click.IntRange(1, 65535),
              help="Port to listen on.")
@click.option("--workers", default=WebLimits.workers, show_default=True,
              type=click.IntRange(1, 32),
              help="Simulation worker threads, one compiled model each (about 1 s to start).")
def serve(host: str, port: int, workers: int) -> None:
    """Start the web dashboard and its HTTP API (OpenAPI docs at /docs)."""
    try:
        import uvicorn

        from neuroimmune.web.app import create_app
    except ImportError as error:
        fail(f"the dashboard needs the web extras ({error.name} is missing); "
             "install them with: pip install 'neuroimmune[web]'")
    loopback = is_loopback(host)
    if not loopback:
        click.echo(f"warning: listening on {host}: anyone who can reach this machine can use "
                   "the dashboard (it has no login)", err=True)
    app = create_app(WebLimits(workers=workers),
                     allowed_hosts=LOOPBACK_NAMES if host in LOOPBACK_NAMES else None)
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"neuroimmune dashboard on http://{shown}:{port}/ (API docs at /docs); "
               "Ctrl+C stops it")
    uvicorn.run(app, host=host, port=port, log_level="warning", server_header=False,
                limit_concurrency=1024, timeout_keep_alive=5)
