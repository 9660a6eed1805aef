"""Who may read and write which models when a registry is served.

``tokens`` issues bearer tokens (stored hashed) with a scope and a model pattern; ``policy`` turns
a request's token into a :class:`~hub.access.policy.Caller` that says what it may do, knowing which
models are private; ``audit`` records every write and every refusal. The tables live beside the
registry's, in the same database.
"""
