"""``hub serve``: any ecohub registry as a hub that unmodified Hugging Face clients use.

``app`` builds the ASGI application; ``read_api``, ``write_api`` and ``lfs`` answer the Hub's
protocol; ``api`` is ecohub's own JSON API; ``context`` maps repositories and revisions onto the
registry; ``blobs`` serves file bytes checked against their sha256; ``runner`` runs it all with
uvicorn. Importing this package imports nothing heavy: FastAPI loads with ``app``.
"""
