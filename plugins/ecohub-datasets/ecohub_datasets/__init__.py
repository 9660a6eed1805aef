"""ecohub-datasets: German Credit, Adult, COMPAS, SMS spam and MLMA hate speech as ecohub datasets.

German Credit ships inside the package, so the hub has a dataset on any machine; the others
are read from the folder named by ``HUB_DATA_DIR``. pandas is imported only when a dataset is
loaded, so listing plugins stays fast.
"""

from hub import hookimpl

from ecohub_datasets.datasets import ADULT, COMPAS, GERMAN_CREDIT, MLMA_HATE_SPEECH, MLMA_HOSTILITY, SMS_SPAM

HUB_PLUGIN_API = ">=1.1,<2"


@hookimpl
def hub_datasets():
    return [GERMAN_CREDIT, ADULT, COMPAS, SMS_SPAM, MLMA_HATE_SPEECH, MLMA_HOSTILITY]
