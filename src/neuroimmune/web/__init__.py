"""The web dashboard: ``neuroimmune serve`` starts it; ``create_app()`` builds it.

FastAPI is imported only when the app is built (``create_app`` is loaded on first use),
so ``import neuroimmune`` and the command line work without the web extras
(``pip install 'neuroimmune[web]'``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from neuroimmune.web.limits import WebLimits

if TYPE_CHECKING:
    from neuroimmune.web.app import create_app

__all__ = ["WebLimits", "create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from neuroimmune.web.app import create_app

        return create_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
