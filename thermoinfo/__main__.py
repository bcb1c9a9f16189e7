import sys

from thermoinfo.cli import main

sys.exit(main())
