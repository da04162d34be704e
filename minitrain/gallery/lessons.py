"""Captions of the lessons' figures: what to see in each. The lessons draw the figures; the
gallery's README and the book show them with these sentences."""

LESSON_FIGURES: dict[str, str] = {
    "lesson01_sgd_vs_closed_form.png": (
        "The Keras example's SGD at its default rate 0.01 is still 2e-3 above the least-squares "
        "MSE after 100 epochs; at rate 0.1 it gets within 1e-2 in ten epochs, then bounces "
        "between 1e-4 and 1e-2, the noise floor of minibatch gradients at a constant rate."
    ),
    "lesson01_gd_vs_bound.png": (
        "Full-batch GD on the same line never crosses its proven bound ρᵏ‖e₀‖ (pale dashes): "
        "at rate 0.01 it barely moves in 40 steps, at 1/L it gains eight decades, and at "
        "2/(L+μ) it gains thirteen, lying on its bound."
    ),
    "lesson02_regression_losses.png": (
        "MSE's gradient grows with the residual while Huber's is capped at ±δ, so one wild "
        "target pulls a Huber fit no harder than a residual of δ does."
    ),
    "lesson02_classification_losses.png": (
        "Binary cross-entropy on a logit equals two-class cross-entropy (the curves coincide); "
        "its gradient σ(z) − 1 tends to −1 when confidently wrong and to 0 when confidently "
        "right."
    ),
    "lesson02_gradient_check.png": (
        "Each loss's hand-written gradient agrees with central differences to 1e-7 or better "
        "on 30 random inputs, an order of magnitude inside the tolerance 1e-6."
    ),
    "lesson03_trajectories_quadratic.png": (
        "Fifty steps on a valley 20 times steeper across than along: GD and tuned momentum "
        "zig-zag across it, Adagrad heads almost straight in, RMSprop slides along the valley "
        "floor and Adam overshoots and circles back; their steps do not shrink with the "
        "gradient, so neither settles."
    ),
    "lesson03_trajectories_rosenbrock.png": (
        "From (−1.2, 1), every method first falls to the floor of Rosenbrock's curved valley; "
        "after 1500 steps Adam sits on the minimum (1, 1) and the others are strung along the "
        "floor behind it (their end points are the circles)."
    ),
    "lesson03_convergence_quadratic.png": (
        "On the quadratic, tuned momentum gains 16 decades in 50 steps and Adagrad 12, GD at "
        "its best fixed step only 4; RMSprop and Adam stall near 1e-1, hovering around the "
        "minimum at a constant learning rate."
    ),
    "lesson03_convergence_rosenbrock.png": (
        "On Rosenbrock, momentum and Adam gain 7 to 10 decades in 1500 steps while GD, Adagrad "
        "and RMSprop stay above 1e-2; a straight line on this log axis is a linear rate."
    ),
    "lesson03_lr_sensitivity.png": (
        "After 500 steps on Rosenbrock, GD and momentum diverge (crosses in the shaded band "
        "at the top, which has no height scale) from a rate of 5e-3 to 1e-2 on, while "
        "Adagrad, RMSprop and Adam survive every rate up to 1."
    ),
    "lesson04_loss_curves.png": (
        "The hand-derived backprop trains a 64-32-10 network on digits: training and "
        "validation cross-entropy fall together for five epochs, then the validation loss "
        "levels off near 0.1 while the training loss keeps falling."
    ),
    "lesson04_gradient_check.png": (
        "Backprop by hand matches central differences for every parameter array of the "
        "network, each relative error at or below 1.5e-7 against the tolerance 1e-6."
    ),
    "lesson05_detector_scores.png": (
        "Modified z-scores (largest over each row's columns) of the training rows: MAD at 3.5 "
        "flags 37 injected faults with no false alarm but misses 84, the stuck readings and "
        "level shifts that look normal one value at a time."
    ),
    "lesson05_error_by_cleaning_step.png": (
        "Test RMSE after each cleaning stage: dropping spikes matters most for both models, "
        "and the MLP trained on fully cleaned data ends 0.8 W above the one trained on the "
        "ground truth, against a 2 W noise floor."
    ),
    "lesson06_accuracy_vs_bytes.png": (
        "Accuracy against storage for dense, pruned, int8 and distilled models: the Pareto "
        "front is made of pruned int8 models and the distilled 64-16-10 student, down to 5 kB "
        "at 95.8%, all far inside a Cortex-M4's RAM and flash."
    ),
    "lesson06_sparsity_vs_accuracy.png": (
        "Global magnitude pruning costs almost nothing up to 70% sparsity; beyond it one-shot "
        "pruning collapses (30% at 90%) while fine-tuning with the mask or a gradual schedule "
        "keeps the network within five points of dense up to 90% sparsity."
    ),
    "lesson07_rounds_to_accuracy.png": (
        "FedAvg reaches 85% in about a quarter of FedSGD's rounds on IID shards and a third on "
        "non-IID ones (two digits per device), where both curves are noisier; dropping half "
        "the clients each round barely matters on IID data."
    ),
    "lesson07_time_to_accuracy.png": (
        "On the simulated clock, a 0.1 s deadline that drops the slow MCUs reaches 85% 16 times "
        "sooner on IID data, but never reaches it when only the MCUs hold the 8s and 9s: the "
        "dropped clients' data are then missed."
    ),
    "lesson07_bytes_to_accuracy.png": (
        "Bytes sent to reach 85%: FedAvg needs about a quarter of FedSGD's traffic, and int8 "
        "updates cut FedAvg's again by more than half."
    ),
    "lesson08_bubble.png": (
        "The measured idle fraction of a pipeline's stages (points) lies on (S − 1)/(M + S − 1) "
        "(thin dashed lines): more micro-batches per step shrink the bubble, more stages grow it."
    ),
    "lesson08_gpipe_schedule.png": (
        "GPipe's schedule for 3 stages and 4 micro-batches: forwards flow down the stages, "
        "sends occupy the links, backwards run in reverse order, and the white gaps are the "
        "43% bubble."
    ),
    "lesson08_placements.png": (
        "Where to cut a digits MLP between a microcontroller, a gateway and the cloud: with "
        "these links, sending raw images to the cloud is fastest to train, and inference on the "
        "MCU alone is fastest of all, though the MCU has no RAM to train the whole network."
    ),
    "lesson09_property_errors.png": (
        "Every example hypothesis generated for the gradient check: the slipped backward (a "
        "mean where a sum belongs) fails on most inputs with errors near 1, the fixed one "
        "passes every input with errors below 1e-7."
    ),
    "lesson10_lasso_path.png": (
        "On the fleet's standardized sensors, vibration enters the lasso path first and carries "
        "nearly all the power; temperature, pressure and humidity enter as the penalty falls, "
        "with far smaller weights."
    ),
    "lesson10_error_vs_bytes.png": (
        "The F filter, the lasso path and RFE keep the same sensors in the same order; three "
        "sensors (9 bytes per reading) predict power as well as all four (11 bytes)."
    ),
    "lesson10_optimism.png": (
        "Without the vibration sensor, shuffled K-fold promises several watts less error than "
        "the model gets on nodes it never saw; folds that hold out whole nodes do not."
    ),
    "lesson10_search_pareto.png": (
        "The most accurate digits model cannot train in a Cortex-M4's 256 KB of RAM; the best "
        "that can is 1 x 128, and pruned to 80% it stays within one standard error at a "
        "quarter of the bytes."
    ),
    "lesson11_drift_and_detectors.png": (
        "Node 0's frozen model: its error climbs from 10% to 50% after the abrupt drift at "
        "reading 500; DDM alarms within 20 readings, Page-Hinkley when its statistic U_t - m_t "
        "crosses λ = 50 near 680, ADWIN only near 1480, and none of them fires on the gradual "
        "and recurring drifts whose error bumps stay below 0.3."
    ),
    "lesson11_test_then_train.png": (
        "Test-then-train error on node 0: learning all weights, the last layer or only the "
        "biases keeps the error near 0.2 through the abrupt drift where the frozen model "
        "reaches 0.5; replay drags the old regime along and recovers last."
    ),
    "lesson11_training_memory.png": (
        "Training memory of an MLP 64-256-128-10 at batch 16: gradients and Adam's two slots "
        "for every weight take it past a Cortex-M4's 256 KB; the last layer or the biases alone "
        "train within it, and a 500-row replay buffer pushes even the last layer out."
    ),
}

__all__ = ["LESSON_FIGURES"]
