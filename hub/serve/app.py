"""The ASGI application ``hub serve`` runs: a registry, spoken about in the Hugging Face protocol.

Hugging Face clients (``huggingface_hub``, ``transformers``) pointed at it with ``endpoint=`` or
``HF_ENDPOINT`` read and push models as they would on the Hub. ecohub's own API lives under
``/api/ecohub``.
"""

from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError

from hub import __version__
from hub.errors import HubError
from hub.serve.context import Served
from hub.serve.errors import HubHTTPError, error_response, from_hub_error
from hub.serve.lfs import Tickets


def create_app(registry, staging: str | Path | None = None) -> FastAPI:
    """The application over ``registry``; uploads wait in ``staging`` (a temporary directory by default)."""
    from hub.serve import api, lfs, read_api, write_api

    owned = None if staging is not None else tempfile.TemporaryDirectory(prefix="hub-serve-uploads-")

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        try:
            yield
        finally:
            if owned is not None:
                owned.cleanup()

    app = FastAPI(title="ecohub", version=__version__, lifespan=lifespan,
                  description="ecohub's own API: search, lineage, license checks, reports and the access audit. "
                              "The Hugging Face Hub API is served beside it for huggingface_hub and transformers.",
                  openapi_url="/api/ecohub/openapi.json", docs_url="/api/ecohub/docs", redoc_url=None)
    app.state.served = Served(registry, Path(staging) if staging is not None else Path(owned.name))
    app.state.tickets = Tickets()

    @app.exception_handler(HubHTTPError)
    async def hub_http_error(request: Request, error: HubHTTPError):
        return error_response(error)

    @app.exception_handler(HubError)
    async def hub_error(request: Request, error: HubError):
        return error_response(from_hub_error(error))

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError):
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
        return error_response(HubHTTPError(400, f"Invalid request: {problems}.", "BadRequest"))

    for module in (api, write_api, lfs, read_api):
        app.include_router(module.router)
    return app
