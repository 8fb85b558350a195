"""plan-flight: flight plans for reconnaissance helicopters and drones on Mars and Earth."""

__version__ = "0.1.0"
