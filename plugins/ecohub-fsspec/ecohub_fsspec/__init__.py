"""ecohub-fsspec: keep a registry's files in object storage, or anywhere else fsspec reaches.

Point the store at a URI (``hub --store s3://bucket/models`` or ``HUB_STORE=s3://...``) and the
registry's blobs, manifests and chunks go there under the same keys as in a local store. fsspec,
and the package for the chosen service (s3fs, gcsfs, adlfs), are imported only when a store is
opened, so listing plugins stays fast.
"""

from hub import hookimpl
from hub.specs import StorageBackendSpec

HUB_PLUGIN_API = ">=1,<2"

SCHEMES = {
    "s3": "Amazon S3 and S3-compatible storage such as MinIO or Ceph (needs s3fs)",
    "gs": "Google Cloud Storage (needs gcsfs)",
    "gcs": "Google Cloud Storage (needs gcsfs)",
    "az": "Azure Blob Storage (needs adlfs)",
    "abfs": "Azure Data Lake Storage Gen2 (needs adlfs)",
    "memory": "fsspec's in-process memory filesystem: gone when the process ends; for tests",
}


def open_objects(uri: str):
    """The objects under ``uri``, as a :class:`hub.registry.store.ObjectStore`."""
    from ecohub_fsspec.objects import FsspecObjects

    return FsspecObjects(uri)


@hookimpl
def hub_storage_backends():
    return [StorageBackendSpec(scheme=scheme, description=description, open=open_objects)
            for scheme, description in SCHEMES.items()]
