"""blinacheck: a linter for planned blinatumomab treatment schedules."""

__version__ = "0.1.0"
