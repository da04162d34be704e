"""Learning after deployment: drift detection, test-then-train evaluation, on-device adaptation.

    alarms = detect(ADWIN(), errors)                      # detectors.py, adwin.py: river's rules
    score_drift(alarms, fleet_events, max_delay=300)      # scoring.py: delay, false alarms, misses
"""

from .adwin import ADWIN
from .detectors import DDM, DriftDetector, PageHinkley, detect
from .scoring import DriftScore, score_drift

__all__ = ["ADWIN", "DDM", "DriftDetector", "DriftScore", "PageHinkley", "detect", "score_drift"]
