import sys

from qgnas.cli import main

sys.exit(main())
