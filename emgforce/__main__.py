import sys

from emgforce.cli import main

sys.exit(main())
