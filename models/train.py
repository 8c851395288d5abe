#!/usr/bin/python3
# train.py: a work folder prepared by `npm run train` (job.json + float32 matrices) -> a real XGBoost
# booster (xgb.json) and XGBoost's own predictions for the test and parity rows. No data prep, no conversion.
# Run with Debian's python3-xgboost (1.7.x): /usr/bin/python3 models/train.py <work-folder>

import json
import os
import sys

import numpy as np
import xgboost as xgb


def load_matrix(work, name, cols):
    data = np.fromfile(os.path.join(work, name + ".f32"), dtype="<f4")
    return data.reshape((-1, cols))


def load_labels(work, name):
    return np.fromfile(os.path.join(work, name + ".labels"), dtype=np.uint8).astype(np.float32)


def main(work):
    with open(os.path.join(work, "job.json")) as f:
        job = json.load(f)
    names = job["features"]
    cols = len(names)
    x_train, y_train = load_matrix(work, "train", cols), load_labels(work, "train")
    x_test, y_test = load_matrix(work, "test", cols), load_labels(work, "test")
    x_parity = load_matrix(work, "parity", cols)

    dtrain = xgb.DMatrix(x_train, label=y_train, missing=np.nan, feature_names=names)
    dtest = xgb.DMatrix(x_test, label=y_test, missing=np.nan, feature_names=names)
    dparity = xgb.DMatrix(x_parity, missing=np.nan, feature_names=names)
    params = {
        "objective": "binary:logistic",
        "eval_metric": "auc",
        "tree_method": "hist",
        "max_depth": job["max_depth"],
        "eta": job["eta"],
        "subsample": job["subsample"],
        "colsample_bytree": job["colsample_bytree"],
        "min_child_weight": job["min_child_weight"],
        "base_score": job["base_score"],
        "seed": job["seed"],
        "nthread": job.get("nthread", 2),
    }
    booster = xgb.train(params, dtrain, num_boost_round=job["trees"], evals=[(dtest, "test")], verbose_eval=False)
    booster.save_model(os.path.join(work, "xgb.json"))

    contribs = booster.predict(dparity, pred_contribs=True, approx_contribs=True)
    out = {
        "xgboost_version": xgb.__version__,
        "test_probabilities": [float(p) for p in booster.predict(dtest)],
        "parity_probabilities": [float(p) for p in booster.predict(dparity)],
        "parity_margins": [float(p) for p in booster.predict(dparity, output_margin=True)],
        # Saabas contributions (XGBoost's approx_contribs): one column per feature, then the bias.
        "parity_contributions": [[float(c) for c in row] for row in contribs],
        "gain": booster.get_score(importance_type="total_gain"),
    }
    with open(os.path.join(work, "predictions.json"), "w") as f:
        json.dump(out, f)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: train.py <work-folder>")
    main(sys.argv[1])
