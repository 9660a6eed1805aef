"""A real model to judge: the logistic-regression pipeline ecohub-sklearn trains, built here."""

import pytest
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler


def fitted_pipeline(X, y):
    categorical = X.select_dtypes(exclude="number").columns.tolist()
    numeric = [column for column in X.columns if column not in categorical]
    return Pipeline([
        ("preprocess", ColumnTransformer([
            ("numeric", Pipeline([("impute", SimpleImputer()), ("scale", StandardScaler())]), numeric),
            ("categorical", Pipeline([
                ("impute", SimpleImputer(strategy="most_frequent")),
                ("onehot", OneHotEncoder(handle_unknown="ignore", sparse_output=False)),
            ]), categorical),
        ])),
        ("model", LogisticRegression(max_iter=1000)),
    ]).fit(X, y)


@pytest.fixture(scope="session")
def fit():
    """``fit(X, y)``: a fitted scaling/one-hot logistic-regression pipeline."""
    return fitted_pipeline
