"""Train page: a form to train and register a model, then its reports; and what the installed plugins offer."""

import streamlit as st

from hub.dashboard import state
from hub.errors import HubError
from hub.plugins.manager import installed_plugins

DESCRIPTION = st.column_config.TextColumn(width="large")


def progress_bar():
    """A ``progress(message, fraction)`` callback that drives a visible Streamlit progress bar."""
    bar = st.progress(0.0, text="Starting")
    return lambda message, fraction: bar.progress(min(max(fraction, 0.0), 1.0), text=message)


def catalog(datasets, model_types, evaluators) -> None:
    st.header("What the installed plugins provide")
    st.subheader("Datasets")
    st.dataframe([
        {"Dataset": name, "Plugin": p.plugin, "Target": p.spec.target, "Positive label": str(p.spec.positive_label),
         "Sensitive features": ", ".join(p.spec.sensitive_features), "License": p.spec.license,
         "Description": p.spec.description}
        for name, p in datasets.items()
    ], hide_index=True, column_config={"Description": DESCRIPTION}, key="datasets")
    st.subheader("Model types")
    st.dataframe([
        {"Model type": name, "Plugin": p.plugin, "Framework": p.spec.framework, "Description": p.spec.description}
        for name, p in model_types.items()
    ], hide_index=True, column_config={"Description": DESCRIPTION}, key="model-types")
    st.subheader("Evaluators")
    st.dataframe([
        {"Evaluator": name, "Plugin": p.plugin, "Kind": p.spec.kind,
         "Frameworks": ", ".join(p.spec.frameworks) or "any", "Description": p.spec.description}
        for name, p in evaluators.items()
    ], hide_index=True, column_config={"Description": DESCRIPTION}, key="evaluators")


def review(plugins, trained: dict) -> None:
    """After training: run the evaluators on the new version, then link to its review page."""
    version = state.registry().get_version(trained["model"], trained["version"])
    test = version.metrics.get("test", {})
    scores = ", ".join(f"{key} {test[key]:.3f}" for key in ("accuracy", "roc_auc", "f1") if key in test)
    st.success(f"Registered **{version.ref}** (license {version.license}). Held-out {scores}.",
               icon=":material/check_circle:")

    evaluators = plugins.all("evaluators")
    applicable = [key for key, p in evaluators.items() if p.spec.applies_to(version.framework)]
    dataset = plugins.all("datasets").get(trained["dataset"])
    declared = list(dataset.spec.sensitive_features) if dataset else []
    with st.form("evaluate"):
        st.subheader(f"Review {version.ref}")
        chosen = st.multiselect("Evaluators", applicable, default=applicable)
        sensitive = st.multiselect("Sensitive features", declared, default=declared, accept_new_options=True,
                                   help="Columns of the dataset to compare groups by.")
        run = st.form_submit_button("Run evaluators", icon=":material/fact_check:", disabled=not applicable)
    if not applicable:
        st.info(f"No installed evaluator handles {version.framework} models.")
    if run:
        try:
            from hub.jobs.evaluation import evaluate

            results = evaluate(plugins, state.registry(), version.model, version.version,
                               evaluators=chosen or None, sensitive=sensitive or None, progress=progress_bar())
        except HubError as error:
            state.show_error(error)
        else:
            st.session_state["evaluated"] = {result.evaluator: result.summary for result in results}
    for evaluator, summary in st.session_state.get("evaluated", {}).items():
        st.markdown(f"**{evaluator}**")
        st.code(summary, language=None, wrap_lines=True)
    st.page_link("views/model.py", label=f"Open {version.ref} for review", icon=":material/fact_check:",
                 query_params={"model": version.model, "version": str(version.version)})


st.title("Train a model")
plugins = installed_plugins()
datasets, model_types, evaluators = (plugins.all(kind) for kind in ("datasets", "models", "evaluators"))
for info in plugins.infos.values():
    if info.status != "ok":
        st.warning(f"Plugin `{info.name}` {info.status}: {' | '.join(info.errors)}", icon=":material/extension_off:")

if not datasets or not model_types:
    st.info("Install a plugin that provides datasets and one that provides model types (for example "
            "`ecohub-datasets` and `ecohub-sklearn`), then reload this page. `hub plugins list` shows what "
            "is installed.", icon=":material/extension:")
else:
    with st.form("train"):
        dataset_column, type_column = st.columns(2)
        dataset = dataset_column.selectbox("Dataset", list(datasets))
        model_type = type_column.selectbox("Model type", list(model_types))
        name_column, seed_column, size_column = st.columns([2, 1, 1])
        name = name_column.text_input("Registered name", placeholder="dataset-model type",
                                      help="A new version is added if a model of this name exists.")
        seed = seed_column.number_input("Seed", min_value=0, value=0, step=1)
        test_size = size_column.slider("Held-out share", 0.1, 0.5, 0.25, 0.05)
        submitted = st.form_submit_button("Train and register", type="primary", icon=":material/play_arrow:")
    if submitted:
        try:
            from hub.jobs.training import train

            record = train(plugins, state.registry(), dataset=dataset, model_type=model_type,
                           name=name.strip() or f"{dataset}-{model_type}", seed=int(seed), test_size=test_size,
                           progress=progress_bar())
        except HubError as error:
            state.show_error(error)
        else:
            st.session_state["trained"] = {"model": record.model, "version": record.version, "dataset": dataset}
            st.session_state.pop("evaluated", None)
    if "trained" in st.session_state:
        review(plugins, st.session_state["trained"])

catalog(datasets, model_types, evaluators)
