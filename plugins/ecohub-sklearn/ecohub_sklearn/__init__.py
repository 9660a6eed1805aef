"""ecohub-sklearn: scikit-learn classifiers and regressors for ecohub, and the trainer that fits and stores them.

scikit-learn and skops are imported only when a model is built, fitted, saved or loaded, so
listing plugins stays fast.
"""

from hub import hookimpl

from ecohub_sklearn.models import (GRADIENT_BOOSTING, GRADIENT_BOOSTING_REGRESSOR, LOGISTIC_REGRESSION,
                                   RIDGE_REGRESSION)
from ecohub_sklearn.trainer import SKLEARN_TRAINER

HUB_PLUGIN_API = ">=1.1,<2"


@hookimpl
def hub_models():
    return [LOGISTIC_REGRESSION, GRADIENT_BOOSTING, RIDGE_REGRESSION, GRADIENT_BOOSTING_REGRESSOR]


@hookimpl
def hub_trainers():
    return [SKLEARN_TRAINER]
