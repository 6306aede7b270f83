"""`yiwang` console command: Django's management commands under one name.

`yiwang serve`, `yiwang worker`, `yiwang migrate`, `yiwang seed_demo` ... all go through here.
"""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiwang.conf.dev")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["yiwang", *sys.argv[1:]])


if __name__ == "__main__":
    main()
