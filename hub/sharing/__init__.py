"""Moving models between ecohub and Hugging Face-compatible hubs.

``cards`` reads the cards that arrive from elsewhere; ``lineage`` turns a card's ``base_model`` and
``datasets`` into registry lineage and judges them with the license policy; ``importing`` turns a
folder with a card into a registry version; ``export`` writes the card a version shows; ``gitids``
gives files the ids Hugging Face clients expect; ``transfer`` pushes and pulls through
``huggingface_hub``; ``folders`` reads a folder into the registry and writes a version into one,
refusing links out of it and paths that would land outside it or in ``.git``. ``hub serve``
(:mod:`hub.serve`) and the ``push``/``pull-remote`` commands share them, so a model moved either
way keeps its license and lineage. ``record`` writes a version's whole record (card with metrics
and verdicts, reports, training configuration, split, data fingerprints) as files under
``.ecohub/`` that a push uploads and ``hub serve`` shows; ``restore`` checks such a record from
another hub before ``importing`` registers the version with it (docs/sharing.md).
"""
