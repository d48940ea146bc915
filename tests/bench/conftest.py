import sys

from tests.conftest import ROOT

# The benchmark scripts import their helpers as a top-level module, as they run.
sys.path.insert(0, str(ROOT / "bench"))
