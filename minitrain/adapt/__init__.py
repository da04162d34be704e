"""Learning after deployment: drift detection, test-then-train evaluation, on-device adaptation.

    alarms = detect(ADWIN(), errors)                   # detectors.py, adwin.py: river's rules
    score_drift(alarms, events, max_delay=300)         # scoring.py: delay, false alarms, misses
    learner = OnlineLearner(model, loss, mt.optim.SGD(lr=0.05), params,
                            trainable=biases(model),            # learner.py
                            buffer=Reservoir(200, seed=0),      # replay.py: Algorithm R
                            penalty=EWC(params, fisher_diagonal(model, loss, params, X, y)),
                            detector=DDM(), on_drift=Retrain(window=200))
    run = prequential(learner, X_stream, y_stream)      # prequential.py: test, then train
    personalize(model, loss, opt, global_params, cluster, test=per_device_test,
                trainable=last_layer(model))          # personalize.py: after FedAvg

What a step costs the device: ``minitrain.compress.training_memory``.
"""

from .adwin import ADWIN
from .detectors import DDM, DriftDetector, PageHinkley, detect
from .ewc import EWC, fisher_diagonal
from .learner import (
    OnlineLearner,
    ResetOptimizer,
    Retrain,
    biases,
    last_layer,
    sample_errors,
)
from .personalize import PersonalizationResult, personalize
from .prequential import PrequentialResult, prequential, rolling_mean
from .replay import Reservoir
from .scoring import DriftScore, score_drift

__all__ = [
    "ADWIN",
    "DDM",
    "EWC",
    "DriftDetector",
    "DriftScore",
    "OnlineLearner",
    "PageHinkley",
    "PersonalizationResult",
    "PrequentialResult",
    "Reservoir",
    "ResetOptimizer",
    "Retrain",
    "biases",
    "detect",
    "fisher_diagonal",
    "last_layer",
    "personalize",
    "prequential",
    "rolling_mean",
    "sample_errors",
    "score_drift",
]
