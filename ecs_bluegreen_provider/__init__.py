"""The components as a Pulumi package for every language, served by Pulumi's component provider host.

`pulumi package add` runs this directory's `__main__.py`; the schema is derived from the annotations of
COMPONENTS by the Python SDK's analyzer (pulumi.provider.experimental).
"""

from ecs_bluegreen_provider.blue_green_service import (
    BlueGreenService, BlueGreenServiceArgs, CanaryArgs, DeploymentStrategy, LifecycleHookArgs, LifecycleStage,
    LinearArgs, TimeoutAction,
)
from ecs_bluegreen_provider.blue_green_targets import BlueGreenTargets, BlueGreenTargetsArgs
from ecs_bluegreen_provider.known_inputs import ComponentInputError

PACKAGE_NAME = "ecs-bluegreen"
"""The package name consumers see (`ecs-bluegreen:index:BlueGreenService`); the components' type tokens use it."""
PACKAGE_VERSION = "0.1.0"

COMPONENTS: list[type] = [BlueGreenService, BlueGreenTargets]

__all__ = ["BlueGreenService", "BlueGreenServiceArgs", "BlueGreenTargets", "BlueGreenTargetsArgs", "COMPONENTS",
           "CanaryArgs", "ComponentInputError", "DeploymentStrategy", "LifecycleHookArgs", "LifecycleStage",
           "LinearArgs", "PACKAGE_NAME", "PACKAGE_VERSION", "TimeoutAction"]
