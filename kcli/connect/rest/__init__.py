"""The Connect REST API of kcli's embedded worker (FastAPI on uvicorn).

`create_app(herder, worker_config)` builds the ASGI app; `RestServer` serves it in a background
thread. Both are loaded on first use, so importing this package stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kcli.connect.rest.app import create_app
    from kcli.connect.rest.server import RestServer

__all__ = ["RestServer", "create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from kcli.connect.rest.app import create_app

        return create_app
    if name == "RestServer":
        from kcli.connect.rest.server import RestServer

        return RestServer
    raise AttributeError(name)
