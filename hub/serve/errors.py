"""Errors in the Hugging Face Hub's protocol: a status, an ``X-Error-Code`` and a message.

Clients decide what went wrong from ``X-Error-Code`` alone (a bare 404 reads as "cannot connect"),
and cache a missing file only when an ``EntryNotFound`` carries ``X-Repo-Commit``. A
``HubHTTPError`` is Starlette's ``HTTPException`` too, so one raised while FastAPI reads a body
(a body over its limit) keeps its status and message instead of becoming "error parsing the body".
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse

from hub.errors import HubError

INVALID_CREDENTIALS = "Invalid credentials in Authorization header"
HEADER_MESSAGE_LIMIT = 2000


class HubHTTPError(HTTPException):
    def __init__(self, status: int, message: str, code: str | None = None, *, commit: str | None = None,
                 extra: dict | None = None):
        super().__init__(status, message)
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


def too_large(what: str, limit: int, setting: str) -> HubHTTPError:
    return HubHTTPError(413, f"{what} is larger than {limit} bytes, the most this hub accepts ({setting}). File "
                             "bytes go through LFS uploads: push with huggingface_hub, which sends them there.",
                        "ContentTooLarge")


def from_hub_error(error: HubError, status: int = 400) -> HubHTTPError:
    return HubHTTPError(status, error.message + (f" {error.hint}" if error.hint else ""))


def _header_safe(message: str) -> str:
    """The message on one line of printable latin-1, short enough for a header (the body has it whole):
    a message may quote a request's path, which can hold any character."""
    line = " ".join(message.split())
    line = line if len(line) <= HEADER_MESSAGE_LIMIT else line[:HEADER_MESSAGE_LIMIT] + "…"
    return "".join(c if c.isprintable() and ord(c) < 256 else "?" for c in line)


def error_response(error: HubHTTPError) -> JSONResponse:
    headers = {"X-Error-Message": _header_safe(error.message)}
    if error.code:
        headers["X-Error-Code"] = error.code
    if error.commit:
        headers["X-Repo-Commit"] = error.commit
    return JSONResponse({"error": error.message, **error.extra}, status_code=error.status, headers=headers)
