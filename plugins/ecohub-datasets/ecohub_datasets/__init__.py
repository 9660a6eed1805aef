"""ecohub-datasets: German Credit, Adult and COMPAS as ecohub datasets.

German Credit ships inside the package, so the hub has a dataset on any machine; Adult and COMPAS
are read from the folder named by ``HUB_DATA_DIR``. pandas is imported only when a dataset is
loaded, so listing plugins stays fast.
"""

from hub import hookimpl

from ecohub_datasets.datasets import ADULT, COMPAS, GERMAN_CREDIT

HUB_PLUGIN_API = ">=1,<2"


@hookimpl
def hub_datasets():
    return [GERMAN_CREDIT, ADULT, COMPAS]
