import sys

from verifier._cli import main

sys.exit(main())
