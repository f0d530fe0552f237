"""Settings for the test suite (pytest's ``DJANGO_SETTINGS_MODULE``, pyproject.toml).

The settings of ``samverkan.settings`` as the environment makes them (the tests run with
``DEBUG`` and ``SAMVERKAN_DEMO`` unset), plus the development apps: the tests build their
users from the demo's personas and test the generators, which production never installs.
"""

import tempfile

from samverkan.settings import *  # noqa: F403
from samverkan.settings import DEVELOPMENT_APPS, INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, *(app for app in DEVELOPMENT_APPS if app not in INSTALLED_APPS)]

# Jobs run inside the request that starts them, so that a test sees the outcome at once;
# samverkan/jobs/tests run the real worker against the database backend as well.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

# Each test process unpacks linkage runs in a folder of its own, module-scoped fixtures (the
# demo) included: parallel workers' in-memory databases share one name and would otherwise
# remove each other's unpacked runs.
SAMVERKAN_LINKAGE_CACHE_DIR = tempfile.mkdtemp(prefix="samverkan-linkage-test-")
