"""Train page: choose a dataset, a model type and its base, train in the background with a live loss
chart and a Cancel button, then evaluate the new version; and what the installed plugins offer.

Training and evaluation run as session jobs (:mod:`hub.dashboard.running`), so the page stays live
while they work and can cancel them; the page only draws their progress.
"""

from __future__ import annotations

import json
from typing import Any

import streamlit as st

from hub.dashboard import running, state

from hub.errors import HubError
from hub.plugins.manager import Plugins, installed_plugins

DESCRIPTION = st.column_config.TextColumn(width="large")
TRAINING, EVALUATION = "training", "evaluation"
POLL_SECONDS = 0.5
CHART_POINTS = 500
"""Training-loss points drawn at most: the chart is sent again on every poll, so a long run is thinned."""


def catalog(datasets, model_types, evaluators) -> None:
    st.header("What the installed plugins provide")
    st.subheader("Datasets")
    st.dataframe([
        {"Dataset": name, "Plugin": p.plugin, "Task": p.spec.task, "Target": p.spec.target,
         "Positive label": "" if p.spec.positive_label is None else str(p.spec.positive_label),
         "Sensitive features": ", ".join(p.spec.sensitive_features), "License": p.spec.license,
         "Description": p.spec.description}
        for name, p in datasets.items()
    ], hide_index=True, column_config={"Description": DESCRIPTION}, key="datasets")
    st.subheader("Model types")
    st.dataframe([
        {"Model type": name, "Plugin": p.plugin, "Framework": p.spec.framework, "Tasks": ", ".join(p.spec.tasks),
         "Adapts a base": p.spec.base_relation or "no", "Description": p.spec.description}
        for name, p in model_types.items()
    ], hide_index=True, column_config={"Description": DESCRIPTION}, key="model-types")
    st.subheader("Evaluators")
    st.dataframe([
        {"Evaluator": name, "Plugin": p.plugin, "Kind": p.spec.kind,
         "Frameworks": ", ".join(p.spec.frameworks) or "any", "Description": p.spec.description}
        for name, p in evaluators.items()
    ], hide_index=True, column_config={"Description": DESCRIPTION}, key="evaluators")


def base_choices(plugins: Plugins, model_spec) -> dict[str, tuple[str, bool]]:
    """Label -> (base, registered) for a model type that adapts one: registered versions of its
    framework (newest first, aliases shown), then the plugins' base models not registered yet."""
    versions = [v for model in state.registry().list_models() for v in reversed(model.versions)
                if v.framework == model_spec.framework]
    choices = {v.ref + (f"  ({', '.join(v.aliases)})" if v.aliases else ""): (v.ref, True) for v in versions}
    registered = {v.model for v in versions}
    for name, provided in plugins.all("base_models").items():
        if name not in registered and provided.spec.framework in ("", model_spec.framework):
            choices[f"{name} (from plugin {provided.plugin}; registered when training starts)"] = (name, False)
    return choices


def param_input(column, key: str, default: Any) -> Any:
    """An input for one model parameter, typed by its default; lists and mappings are typed as JSON."""
    if isinstance(default, bool):
        return column.checkbox(key, value=default)
    if isinstance(default, int):
        return column.number_input(key, value=default, step=1)
    if isinstance(default, float):
        return column.number_input(key, value=default, format="%g", step=default / 10 or 0.1)
    if isinstance(default, str):
        return column.text_input(key, value=default)
    return column.text_input(key, value=json.dumps(default), help="JSON")


def parsed(key: str, default: Any, value: Any) -> Any:
    """A parameter's value as the trainer takes it: what the JSON inputs hold, decoded."""
    if isinstance(default, (bool, int, float, str)):
        return value
    try:
        return json.loads(value)
    except ValueError:
        raise HubError(f"The parameter '{key}' is not valid JSON: {value!r}.",
                       f"Write it as JSON, like its default {json.dumps(default)}.") from None


def training_form(plugins: Plugins, datasets, model_types) -> None:
    columns = st.columns(3)
    dataset = columns[0].selectbox("Dataset", list(datasets), key="train-dataset",
                                   format_func=lambda name: f"{name}  ({datasets[name].spec.task})")
    spec = datasets[dataset].spec
    fitting = [name for name, p in model_types.items() if spec.task in p.spec.tasks]
    if not fitting:
        st.warning(f"No installed model type handles the {spec.task} task of '{dataset}'. Install a plugin "
                   "that does (see the Plugins page).", icon=":material/extension:")
        return
    model_type = columns[1].selectbox("Model type", fitting, key="train-model-type",
                                      help=f"The model types that handle {spec.task}.")
    model_spec = model_types[model_type].spec
    base_label, choices = None, {}
    if model_spec.base_relation:
        choices = base_choices(plugins, model_spec)
        base_label = columns[2].selectbox(f"Base model ({model_spec.base_relation})", list(choices),
                                          key="train-base", index=0 if choices else None,
                                          placeholder="No base model is available")
    st.caption(f"**{dataset}** ({datasets[dataset].plugin}): {spec.description}  \n"
               f"Task {spec.task}; target `{spec.target}`"
               + (f" (positive: `{spec.positive_label}`)" if spec.positive_label is not None else "")
               + f"; sensitive columns: {', '.join(spec.sensitive_features) or 'none declared'}; "
                 f"license {spec.license}.  \n**{model_type}**: {model_spec.description.rstrip('.')}.")

    busy = running.running(TRAINING) or running.running(EVALUATION)
    with st.form("train"):
        name_column, seed_column, size_column, rows_column = st.columns([2, 1, 1, 1])
        name = name_column.text_input("Registered name", placeholder=f"{dataset}-{model_type}",
                                      help="A new version is added if a model of this name exists.")
        seed = seed_column.number_input("Seed", min_value=0, value=0, step=1)
        test_size = size_column.slider("Held-out share", 0.1, 0.5, 0.25, 0.05)
        max_rows = rows_column.number_input("Max training rows", min_value=2, value=None, step=100,
                                            placeholder="all", help="A seeded, stratified sample of the "
                                            "training split; the held-out rows stay the same.")
        defaults = dict(model_spec.default_params)
        if defaults:
            st.markdown(f"**Parameters of {model_type}**")
        param_columns = st.columns(4)
        values = {key: param_input(param_columns[index % 4], key, default)
                  for index, (key, default) in enumerate(defaults.items())}
        if "epochs" in defaults and "max_steps" not in defaults:
            # The training loop's step limit, as 'hub train --max-steps': not a default, so offered apart.
            values["max_steps"] = param_columns[len(values) % 4].number_input(
                "max_steps", min_value=1, value=None, step=100, placeholder="by epochs",
                help="Optimiser steps to train for; overrides epochs when set.")
        submitted = st.form_submit_button("Train and register", type="primary", icon=":material/play_arrow:",
                                          disabled=busy)
    if not submitted:
        return
    try:
        params = {key: parsed(key, defaults.get(key, 0), value) for key, value in values.items() if value is not None}
    except HubError as error:
        state.show_error(error)
        return
    if model_spec.base_relation and not choices:
        st.error(f"'{model_type}' adapts a base model, and there is none of its framework "
                 f"({model_spec.framework}) registered or offered by a plugin.")
        return
    base, registered = choices[base_label] if base_label else (None, True)
    request = {"dataset": dataset, "model_type": model_type, "name": name.strip() or f"{dataset}-{model_type}",
               "params": params, "seed": int(seed), "test_size": float(test_size), "base": base,
               "max_rows": int(max_rows) if max_rows is not None else None}

    def work(job: running.Job):
        from hub.jobs.training import train

        arguments = dict(request)
        if not registered:
            from hub.jobs.training import register_base_model

            job.progress(f"Registering the base model {base}", 0.0)
            arguments["base"] = register_base_model(plugins, state.registry(), base).ref
        return train(plugins, state.registry(), **arguments, progress=job.progress, on_event=job.on_event)

    running.forget(EVALUATION)
    st.session_state.pop("trained", None)
    running.start(TRAINING, f"Training {model_type} on {dataset}", work,
                  stopped=f"Training {model_type} on {dataset} was cancelled: no version was registered, and "
                          "its temporary files were removed.")
    st.rerun()


def loss_chart(events) -> None:
    """Training loss per step, with each validation metric per epoch, as the events arrive."""
    import altair as alt
    import pandas as pd

    losses = [e for e in events if e.kind == "step" and e.loss is not None]
    thinned = losses[::max(1, -(-len(losses) // CHART_POINTS))]
    if losses and thinned[-1] is not losses[-1]:
        thinned.append(losses[-1])  # the latest loss is always drawn
    rows = [{"step": e.step, "series": "training loss", "value": e.loss} for e in thinned]
    rows += [{"step": e.step, "series": (name if name.startswith("validation") else f"validation {name}")
              .replace("_", " "), "value": value} for e in events
             if e.kind == "validation" and e.metric for name, value in e.metric.items()]
    if not rows:
        return
    chart = alt.Chart(pd.DataFrame(rows)).mark_line(point=alt.OverlayMarkDef(size=12)).encode(
        x=alt.X("step:Q", title="optimiser step"), y=alt.Y("value:Q", title=None),
        color=alt.Color("series:N", title=None, legend=alt.Legend(orient="top")),
        tooltip=["series", "step", alt.Tooltip("value:Q", format=".4f")],
    ).properties(height=260)
    st.altair_chart(chart, width="stretch")


def training_figures(events) -> None:
    """The latest step, loss, learning rate, validation metric and the trainer's ETA."""
    steps = [e for e in events if e.kind == "step"]
    validations = [e for e in events if e.kind == "validation" and e.metric]
    if not steps and not validations:
        return
    last = steps[-1] if steps else validations[-1]
    columns = st.columns(5)
    columns[0].metric("Step", f"{last.step} of {last.total_steps}", help=f"epoch {last.epoch}")
    columns[1].metric("Loss", "-" if last.loss is None else f"{last.loss:.4f}")
    columns[2].metric("Learning rate", "-" if last.learning_rate is None else f"{last.learning_rate:.2e}")
    if validations:
        name, value = next(iter(validations[-1].metric.items()))
        label = name if name.startswith("validation") else f"validation {name}"
        columns[3].metric(label.replace("_", " ").capitalize(), f"{value:.4f}")
    eta = next((e.eta_seconds for e in reversed(steps) if e.eta_seconds is not None), None)
    columns[4].metric("ETA", "-" if eta is None else f"{eta:.0f} s")


def job_panel(key: str, cancel_label: str) -> None:
    """A running job's progress (message, fraction, elapsed seconds), live figures and Cancel button.

    When the job ends the whole page runs again, to show its outcome instead of this panel.
    """
    job = running.current(key)
    if job is None:
        return
    if job.done:
        st.rerun(scope="app")
    stopping = " (stopping at the next stage)" if job.stopping else ""
    st.progress(job.fraction, text=f"{job.title}: {job.message}{stopping} · {job.elapsed:.0f} s elapsed")
    events = job.events
    training_figures(events)
    loss_chart(events)
    st.button(cancel_label, icon=":material/stop_circle:", key=f"cancel-{key}", disabled=job.stopping,
              on_click=job.stop)


@st.fragment(run_every=POLL_SECONDS)
def training_panel() -> None:
    job_panel(TRAINING, "Cancel training")


@st.fragment(run_every=POLL_SECONDS)
def evaluation_panel() -> None:
    job_panel(EVALUATION, "Cancel evaluation")


def failure(job: running.Job) -> None:
    """Why a job ended without a result: a cancel as a warning, any other error as an error."""
    if job.cancelled:
        st.warning(job.error.message, icon=":material/cancel:")
    else:
        state.show_error(job.error)


def training_outcome() -> None:
    """What the last training job ended with: the registered version, or why it did not register."""
    job = running.current(TRAINING)
    if job is None or not job.done:
        return
    if job.error is not None:
        failure(job)
        return
    version = job.result
    test = version.metrics.get("test", {})
    scores = ", ".join(f"{key} {test[key]:.3f}" for key in ("accuracy", "roc_auc", "f1", "r2", "rmse") if key in test)
    st.success(f"Registered **{version.ref}** (license {version.license}) in {job.elapsed:.1f} s. "
               f"Held-out {scores}.", icon=":material/check_circle:")
    st.session_state["trained"] = {"model": version.model, "version": version.version,
                                   "dataset": version.config.get("dataset")}


def review(plugins: Plugins, trained: dict) -> None:
    """After training: run the evaluators on the new version in the background, then link to its page."""
    version = state.registry().get_version(trained["model"], trained["version"])
    evaluators = plugins.all("evaluators")
    applicable = [key for key, p in evaluators.items() if p.spec.applies_to(version.framework)]
    dataset = plugins.all("datasets").get(trained["dataset"])
    declared = list(dataset.spec.sensitive_features) if dataset else []
    job = running.current(EVALUATION)
    with st.form("evaluate"):
        st.subheader(f"Review {version.ref}")
        chosen = st.multiselect("Evaluators", applicable, default=applicable)
        sensitive = st.multiselect("Sensitive features", declared, default=declared, accept_new_options=True,
                                   help="Columns of the dataset to compare groups by.")
        run = st.form_submit_button("Run evaluators", icon=":material/fact_check:",
                                    disabled=not applicable or running.running(EVALUATION))
    if not applicable:
        st.info(f"No installed evaluator handles {version.framework} models.")
    if run:
        def work(job: running.Job):
            from hub.jobs.evaluation import evaluate

            return evaluate(plugins, state.registry(), version.model, version.version, evaluators=chosen or None,
                            sensitive=sensitive or None, progress=job.progress)

        running.start(EVALUATION, f"Evaluating {version.ref}", work,
                      stopped=f"Evaluating {version.ref} was cancelled: no report was stored.")
        st.rerun()
    if job is not None and not job.done:
        evaluation_panel()
    elif job is not None and job.error is not None:
        failure(job)
    elif job is not None:
        st.success(f"Evaluated {version.ref} in {job.elapsed:.1f} s.", icon=":material/check_circle:")
        for result in job.result:
            st.markdown(f"**{result.evaluator}**")
            st.code(result.summary, language=None, wrap_lines=True)
    st.page_link("views/model.py", label=f"Open {version.ref} for review", icon=":material/fact_check:",
                 query_params={"model": version.model, "version": str(version.version)})


st.title("Train a model")
plugins = installed_plugins()
datasets, model_types, evaluators = (plugins.all(kind) for kind in ("datasets", "models", "evaluators"))
for info in plugins.infos.values():
    if info.status not in ("ok", "disabled"):
        st.warning(f"Plugin `{info.name}` {info.status}: {' | '.join(info.errors)}", icon=":material/extension_off:")

if not datasets or not model_types:
    st.info("Install a plugin that provides datasets and one that provides model types (for example "
            "`ecohub-datasets` and `ecohub-sklearn`) on the Plugins page, then reload this page.",
            icon=":material/extension:")
    st.page_link("views/plugins.py", label="Plugins", icon=":material/extension:")
else:
    training_form(plugins, datasets, model_types)
    if running.running(TRAINING):
        training_panel()
    training_outcome()
    if "trained" in st.session_state:
        review(plugins, st.session_state["trained"])

catalog(datasets, model_types, evaluators)
