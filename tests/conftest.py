"""Shared test configuration: hypothesis profiles.

``ci`` (loaded when the ``CI`` environment variable is set) is derandomized so a CI failure
reproduces on any machine, and has no deadline because CI machines are shared and slow.
The default profile is faster for the edit-test loop.
"""

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    derandomize=True,
    deadline=None,
    max_examples=40,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.register_profile(
    "dev",
    deadline=None,
    max_examples=20,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("ci" if os.environ.get("CI") else os.environ.get("HYPOTHESIS_PROFILE", "dev"))
