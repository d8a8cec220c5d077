"""A loopback emulator of the SageMaker runtime and Bedrock runtime wire protocols (see README.md)."""

from local.emulator.registry import Registry, load_registry
from local.emulator.server import EmulatorServer

__all__ = ["EmulatorServer", "Registry", "load_registry"]
