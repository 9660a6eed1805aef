"""Errors in the Hugging Face Hub's protocol: a status, an ``X-Error-Code`` and a message.

Clients decide what went wrong from ``X-Error-Code`` alone (a bare 404 reads as "cannot connect"),
and cache a missing file only when an ``EntryNotFound`` carries ``X-Repo-Commit``.
"""

from __future__ import annotations

from starlette.responses import JSONResponse

from hub.errors import HubError

INVALID_CREDENTIALS = "Invalid credentials in Authorization header"


class HubHTTPError(Exception):
    def __init__(self, status: int, message: str, code: str | None = None, *, commit: str | None = None,
                 extra: dict | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.commit = commit
        self.extra = extra or {}


def repo_not_found(name: str) -> HubHTTPError:
    return HubHTTPError(404, f"Repository '{name}' not found, or you may not read it.", "RepoNotFound")


def revision_not_found(name: str, revision: str) -> HubHTTPError:
    return HubHTTPError(404, f"Revision '{revision}' not found in '{name}': use main, v<N>, an alias or a "
                             "commit id.", "RevisionNotFound")


def entry_not_found(name: str, path: str, commit: str) -> HubHTTPError:
    return HubHTTPError(404, f"'{path}' does not exist in '{name}' at commit {commit}.", "EntryNotFound",
                        commit=commit)


def bad_request(message: str) -> HubHTTPError:
    return HubHTTPError(400, message, "BadRequest")


def unauthorized() -> HubHTTPError:
    return HubHTTPError(401, INVALID_CREDENTIALS)


def forbidden(message: str) -> HubHTTPError:
    return HubHTTPError(403, message, "Forbidden")


def from_hub_error(error: HubError, status: int = 400) -> HubHTTPError:
    return HubHTTPError(status, error.message + (f" {error.hint}" if error.hint else ""))


def _header_safe(message: str) -> str:
    return " ".join(message.split()).encode("latin-1", "replace").decode("latin-1")


def error_response(error: HubHTTPError) -> JSONResponse:
    headers = {"X-Error-Message": _header_safe(error.message)}
    if error.code:
        headers["X-Error-Code"] = error.code
    if error.commit:
        headers["X-Repo-Commit"] = error.commit
    return JSONResponse({"error": error.message, **error.extra}, status_code=error.status, headers=headers)
