from tests.helpers import ROOT

DATA = ROOT / "tests" / "data" / "alpr"
