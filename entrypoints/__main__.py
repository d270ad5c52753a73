import sys

from jqcli.entrypoints.cli import main

sys.exit(main())
