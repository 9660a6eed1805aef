"""A plugin whose import fails, as it does when one of its dependencies is not installed."""

import ecohub_test_dependency_that_is_not_installed  # noqa: F401
