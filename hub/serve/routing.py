"""Routers whose paths may hold a repository id: ``{repo_id:repo}`` is ``name`` or ``namespace/name``."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.convertors import CONVERTOR_TYPES, Convertor, register_url_convertor


class RepoConvertor(Convertor):
    regex = r"[^/]+(?:/[^/]+)?"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


def router(**options) -> APIRouter:
    """An APIRouter that understands ``{...:repo}`` path parameters."""
    if "repo" not in CONVERTOR_TYPES:
        register_url_convertor("repo", RepoConvertor())
    return APIRouter(**options)
