"""The plugin's entry point: the Python language host runs `python <this directory> <engine address> ...`."""

import sys
from pathlib import Path

# Run as a directory, Python puts only this directory on sys.path; the components live beside it.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pulumi.provider.experimental import component_provider_host  # noqa: E402

from ecs_bluegreen_provider import COMPONENTS, PACKAGE_NAME, PACKAGE_VERSION  # noqa: E402

if __name__ == "__main__":
    component_provider_host(COMPONENTS, PACKAGE_NAME, version=PACKAGE_VERSION)
