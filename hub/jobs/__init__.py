"""The jobs ecohub runs on models: load and split data, train, measure, evaluate.

Each job takes its tools from the installed plugins (datasets, trainers, evaluators) and records
its result in the registry; the registry knows nothing of jobs.
"""
