"""The built-in ``hub`` subcommands: name, where the command lives, and its one-line help.

A table rather than imports, so ``hub --help`` lists every command without importing one, and the
plugin manager can reserve these names without importing the command line.
"""

COMMANDS: dict[str, tuple[str, str]] = {
    "plugins": ("hub.commands.plugins:plugins", "Install, find, inspect, enable and create plugins."),
    "datasets": ("hub.commands.catalog:datasets", "Datasets the installed plugins provide."),
    "model-types": ("hub.commands.catalog:model_types", "Kinds of model the installed plugins can train."),
    "trainers": ("hub.commands.catalog:trainers", "Trainers the installed plugins provide."),
    "evaluators": ("hub.commands.catalog:evaluators", "Report types the installed plugins can produce."),
    "licenses": ("hub.commands.licenses:licenses", "License ids the registry understands."),
    "models": ("hub.commands.models:models", "Registered models: list them or show one."),
    "register": ("hub.commands.register:register", "Register a folder of model files as a new version."),
    "versions": ("hub.commands.versions:versions", "Every version of a model, with commits, aliases and tags."),
    "lineage": ("hub.commands.lineage:lineage", "What a version was made from, and what was made from it."),
    "alias": ("hub.commands.alias:alias", "Point aliases such as production at versions, or remove them."),
    "gates": ("hub.commands.gates:gates", "Gate policies: what a version needs for an alias or a push."),
    "pull": ("hub.commands.pull:pull", "Copy a version's files into a folder, checking every checksum."),
    "card": ("hub.commands.card:card", "Show or edit a version's model card (Hugging Face README.md)."),
    "license": ("hub.commands.license:license", "Check the license policy over a version's lineage."),
    "audit": ("hub.commands.audit:audit", "Who registered, promoted or overrode what, when and why."),
    "signoff": ("hub.commands.signoff:signoff", "Approve or reject a version as its reviewer, with a comment."),
    "verify": ("hub.commands.verify:verify", "Re-hash every stored file the registry refers to."),
    "gc": ("hub.commands.gc:gc", "Remove stored files no version refers to, after a grace period."),
    "train": ("hub.commands.train:train", "Train a model on a dataset and register it as a new version."),
    "evaluate": ("hub.commands.evaluate:evaluate", "Run SHAP, fairness and other reports on a version."),
    "explain": ("hub.commands.explain:explain", "Explain chosen evaluation rows of a version (--row N)."),
    "compare": ("hub.commands.compare:compare", "Compare two versions: metric and disparity deltas, churn by group."),
    "report": ("hub.commands.report:report", "Write a version's review as one self-contained offline HTML file."),
    "derive": ("hub.commands.derive:derive", "Derive a new version (quantized, mitigated...) and compare it."),
    "demo": ("hub.commands.demo:demo", "Train and evaluate the demo model into the default registry."),
    "dashboard": ("hub.commands.dashboard:dashboard", "Open the review dashboard in a browser."),
    "serve": ("hub.commands.serve:serve", "Serve the registry to Hugging Face clients, with ecohub's JSON API."),
    "token": ("hub.commands.token:token", "Create, list and revoke access tokens for 'hub serve'."),
    "push": ("hub.commands.push:push", "Push a version to a Hugging Face-compatible hub."),
    "pull-remote": ("hub.commands.pull_remote:pull_remote", "Register a model from a Hugging Face-compatible hub."),
}
