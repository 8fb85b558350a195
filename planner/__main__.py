"""``python -m planner``: the same as the ``plan-flight`` command."""

from planner.cli import main

main()
