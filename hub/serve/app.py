"""The ASGI application ``hub serve`` runs: a registry, spoken about in the Hugging Face protocol.

Hugging Face clients (``huggingface_hub``, ``transformers``) pointed at it with ``endpoint=`` or
``HF_ENDPOINT`` read and push models as they would on the Hub. ecohub's own API lives under
``/api/ecohub``. Every request passes :func:`hub.serve.boundary.check_request` and the body limit
of :mod:`hub.serve.limits` first, and every error is answered in the Hub's format, with a status
and a message: malformed input is a 4xx, never a 500.
"""

from __future__ import annotations

import contextlib

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException

from hub import __version__
from hub.config import ServeSettings, serve_settings
from hub.errors import HubError
from hub.serve.boundary import check_request
from hub.serve.context import Served
from hub.serve.errors import HubHTTPError, error_response, from_hub_error
from hub.serve.lfs import Tickets
from hub.serve.limits import BodyLimit
from hub.serve.staging import Staging

SHOWN = 200
SHOWN_ERRORS = 10


def create_app(registry, settings: ServeSettings | None = None) -> FastAPI:
    """The application over ``registry``, with ``settings`` (limits and staging root) or those of the environment."""
    from hub.serve import api, lfs, read_api, write_api

    settings = settings or serve_settings()
    staging = Staging(settings.staging)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        try:
            yield
        finally:
            staging.close()

    app = FastAPI(title="ecohub", version=__version__, lifespan=lifespan, dependencies=[Depends(check_request)],
                  description="ecohub's own API: search, lineage, license checks, reports and the access audit. "
                              "The Hugging Face Hub API is served beside it for huggingface_hub and transformers.",
                  openapi_url="/api/ecohub/openapi.json", docs_url="/api/ecohub/docs", redoc_url=None)
    app.state.settings = settings
    app.state.served = Served(registry, staging)
    app.state.tickets = Tickets()
    app.add_middleware(BodyLimit, max_body_bytes=settings.max_body_bytes)

    @app.exception_handler(HubHTTPError)
    async def hub_http_error(request: Request, error: HubHTTPError):
        return error_response(error)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException):
        return error_response(HubHTTPError(error.status_code, f"{error.detail}: {request.method} {request.url.path[:SHOWN]}"))

    @app.exception_handler(HubError)
    async def hub_error(request: Request, error: HubError):
        return error_response(from_hub_error(error))

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError):
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors()[:SHOWN_ERRORS])
        return error_response(HubHTTPError(400, f"Invalid request: {problems}.", "BadRequest"))

    for module in (api, write_api, lfs, read_api):
        app.include_router(module.router)
    return app
