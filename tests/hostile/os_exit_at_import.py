"""Ends the process with status 0 the moment it is imported."""

import os

os._exit(0)


class Toy:
    def value(self):
        return 1
