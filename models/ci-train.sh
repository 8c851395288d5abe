#!/usr/bin/env bash
# ci-train.sh: nothing → runs `npm run train` end to end (real XGBoost) on a tiny synthetic set in a temp
# folder, then checks the model, its card and its parity fixture. Touches nothing in the repo. Exit 0 = ok.
# Usage (from the repo root): bash models/ci-train.sh
set -euo pipefail
cd "$(dirname "$0")/.."

if ! /usr/bin/python3 -c 'import xgboost' 2>/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    echo "ci-train: installing Debian's python3-xgboost"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-xgboost >/dev/null
  else
    echo "ci-train: /usr/bin/python3 has no xgboost; install python3-xgboost (Debian) first" >&2
    exit 1
  fi
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
npm run --silent train -- --synthetic 4000 --seed 11 --out "$work/ci" --trees 20 --depth 4 >"$work/summary.json"

CI_TRAIN_DIR="$work/ci" npx --no-install tsx -e '
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { FEATURE_NAMES, FEATURE_VERSION } from "./src/features/list"
import { parseModel } from "./src/model/parse"
import { predict } from "./src/model/predict"
const dir = process.env.CI_TRAIN_DIR!
const fail = (m: string) => { console.error(`ci-train: FAIL: ${m}`); process.exit(1) }
const model = parseModel(readFileSync(join(dir, "model.json"), "utf8"), { features: FEATURE_NAMES, featureVersion: FEATURE_VERSION })
if (!model.ok) fail(`model refused: ${model.reason} ${model.detail}`)
if (!model.ok) throw 0
if (model.value.treeCount !== 20 || model.value.depth > 4) fail(`expected 20 trees of depth <= 4, got ${model.value.treeCount} x ${model.value.depth}`)
const parity = JSON.parse(readFileSync(join(dir, "parity.json"), "utf8")) as { model_version: string; rows: (number | null)[][]; probabilities: number[] }
if (parity.model_version !== model.value.version) fail("parity fixture is for another model")
let worst = 0
parity.rows.forEach((r, i) => { worst = Math.max(worst, Math.abs(predict(model.value, Float32Array.from(r, (v) => v ?? NaN)) - parity.probabilities[i]!)) })
if (!(worst <= 1e-6)) fail(`parity ${worst} > 1e-6`)
const auc = model.value.file.metadata.metrics?.auc ?? 0
if (!(auc > 0.95)) fail(`AUC ${auc} <= 0.95`)
const card = readFileSync(join(dir, "MODEL_CARD.md"), "utf8")
for (const needle of ["Trained on synthetic data", "ROC AUC", "0.02%", "Reproduce"]) if (!card.includes(needle)) fail(`MODEL_CARD.md lacks "${needle}"`)
console.log(`ci-train: ok (${model.value.treeCount} trees, AUC ${auc.toFixed(4)}, parity ${worst.toExponential(1)}, ${parity.rows.length} rows)`)
'
