"""The dataset files, and reading them only after their checksum matches.

A file that changed on disk would silently change every model trained on it, so no byte reaches
pandas before its sha256 matches the one the file was published with. The bytes are hashed and
parsed from the same read, so the file cannot change between the check and the parse.
"""

from __future__ import annotations

import hashlib
import io
import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from hub.errors import DatasetUnavailableError, IntegrityError

if TYPE_CHECKING:
    import pandas as pd

DATA_DIR_VARIABLE = "HUB_DATA_DIR"


@dataclass(frozen=True)
class DataFile:
    """A gzip-compressed CSV, either shipped in this package or found in ``HUB_DATA_DIR``.

    Only small files with a license that allows redistribution are ``packaged``; the others stay
    outside the wheel and each machine points ``HUB_DATA_DIR`` at its copy.
    """

    filename: str
    sha256: str
    packaged: bool = False

    def read_csv(self, **options) -> "pd.DataFrame":
        """The verified file as a DataFrame; ``options`` go to ``pandas.read_csv``."""
        import pandas as pd

        return pd.read_csv(io.BytesIO(self._verified_bytes()), compression="gzip", **options)

    def _verified_bytes(self) -> bytes:
        if self.packaged:
            location = f"ecohub_datasets/data/{self.filename}"
            data = resources.files(__package__).joinpath("data", self.filename).read_bytes()
            remedy = "Reinstall ecohub-datasets to restore the file."
        else:
            path = self._path_in_data_dir()
            location = str(path)
            data = path.read_bytes()
            remedy = f"Replace it with an unmodified copy of {self.filename}."
        actual = hashlib.sha256(data).hexdigest()
        if actual != self.sha256:
            raise IntegrityError(
                f"{location} does not match its published checksum "
                f"(expected sha256 {self.sha256}, found {actual}).",
                remedy,
            )
        return data

    def _path_in_data_dir(self) -> Path:
        hint = f"Set {DATA_DIR_VARIABLE} to the folder that holds {self.filename}."
        folder = os.environ.get(DATA_DIR_VARIABLE)
        if not folder:
            raise DatasetUnavailableError(
                f"Cannot find {self.filename}: {DATA_DIR_VARIABLE} is not set.", hint
            )
        path = Path(folder) / self.filename
        if not path.is_file():
            raise DatasetUnavailableError(
                f"Cannot find {self.filename} in {folder} ({DATA_DIR_VARIABLE}).", hint
            )
        return path
