"""The dashboard's pages, one script each, run by ``st.navigation`` in ``app.py``.

Not named ``pages/``: Streamlit treats a ``pages/`` folder beside the entry script as an old-style
multipage app and would bypass ``st.navigation``.
"""
