"""Registry page: search models with the registry's filter language, a page at a time.

The expression is kept in the URL (``?q=license:mit task:tabular-classification``), so a search
can be shared; pages follow each other by keyset cursor (``?after=NAME``), as ``hub models search
--after`` does, so the hundredth page costs what the first does. Each row is a model's latest
version, with where its aliases point, whether a reviewer signed it off, and its permalink.
"""

import streamlit as st

from hub.dashboard import frames, state
from hub.errors import HubError

PAGE_SIZES = (10, 25, 50, 100)
SYNTAX = """
Filters joined by `AND`, `OR` and parentheses; filters side by side are ANDed. A model matches
when one of its versions satisfies the whole expression.

| filter | matches |
|---|---|
| `name:acme/*` | a glob on the model name (`*`, `?`) |
| `license:apache-2.0` | a license in the concluded license, any id spelling |
| `task:tabular-classification` | the version's task; also `framework:sklearn` |
| `dataset:german-credit` | trained on that dataset |
| `tag:team=risk` | a version tag (`tag:team`: the tag is set) |
| `base:acme/llama` | made directly from that model (`:3` for one version, `hf:org/name` for external) |
| `ancestor:acme/llama` | made from it at any depth |
| `alias:production` | the version an alias points at |
| `created>=2025-01-31` | registered since then; also `>`, `<`, `<=` |

Examples: `alias:production license:mit`, `dataset:sms-spam OR base:credit-risk`,
`tag:owner="Ana Maria" (license:cc-by-4.0 OR license:mit)`.
"""


def new_search() -> None:
    """A changed expression or page size starts again at the first page."""
    st.query_params.pop("after", None)
    st.session_state["earlier_pages"] = []


def next_page(cursor: str) -> None:
    st.session_state.setdefault("earlier_pages", []).append(st.query_params.get("after"))
    st.query_params["after"] = cursor


def previous_page() -> None:
    earlier = st.session_state.get("earlier_pages") or [None]
    cursor = earlier.pop()
    if cursor is None:
        st.query_params.pop("after", None)
    else:
        st.query_params["after"] = cursor


st.title("Model registry")
registry = state.registry()
search, size = st.columns([5, 1])
expression = search.text_input("Search", key="q", bind="query-params", on_change=new_search,
                               placeholder="license:mit task:tabular-classification dataset:german-credit",
                               help="The registry's filter language; the syntax is below. The URL keeps it.")
page_size = size.selectbox("Per page", PAGE_SIZES, index=1, key="size", bind="query-params", on_change=new_search)
with st.expander("Search syntax and examples"):
    st.markdown(SYNTAX)

after = st.query_params.get("after")
try:
    page = registry.search(expression, limit=page_size, after=after)
except HubError as error:
    state.show_error(error)
    st.stop()

if not page.models:
    if expression or after:
        st.info("No model matches this search." if expression else "This page is past the last model.",
                icon=":material/search_off:")
    else:
        state.empty_registry()
    st.stop()

reviews = {summary.latest.ref: registry.latest_sign_off(summary.latest) for summary in page.models}
metrics = {column: st.column_config.NumberColumn(format="%.3f") for column in
           (f"Test {frames.metric_label(key)}" for key in frames.KEY_METRICS)}
st.dataframe(frames.search_frame(page.models, reviews), hide_index=True, key="results", column_config={
    **metrics,
    "Open": st.column_config.LinkColumn("Open", display_text="open version", help="The version's permalink"),
    "Review": st.column_config.TextColumn(help="The latest sign-off decision on the latest version"),
})

first = after is None
back, where, forward = st.columns([1, 4, 1])
back.button("Previous page", on_click=previous_page, disabled=first, icon=":material/chevron_left:")
where.caption(f"{len(page.models)} model(s) on this page" + ("" if first else f", after '{after}'")
              + ("; more on the next page." if page.next_cursor else "; the last page."))
forward.button("Next page", on_click=next_page, args=(page.next_cursor,), disabled=page.next_cursor is None,
               icon=":material/chevron_right:")

st.subheader("Open a version")
for summary in page.models:
    st.page_link("views/model.py", label=f"{summary.name} v{summary.latest.version}", icon=":material/fact_check:",
                 query_params={"model": summary.name, "version": str(summary.latest.version)})
