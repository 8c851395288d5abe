#!/usr/bin/env bash
# beyond-training.sh [seed] [work dir]: the shipped model's recipe without the shifted variant —
# model A, trained on base-family shadow runs only (training seeds 301, 302, 304, 305) — then model A
# and the shipped model each face the shifted variant on one seed (default 306; never a training
# seed). What a model does on behaviour it never saw, next to the one that saw it (docs/simulation.md).
# About 35 minutes on a 2-core box; needs python3-xgboost and chromium like `npm test`.
set -euo pipefail
cd "$(dirname "$0")/.."
SEED=${1:-306}
W=${2:-out/beyond-training}
mkdir -p "$W"
echo '{"version":"sim-shadow","mode":"shadow"}' > "$W/shadow.json"
sim() { npm run -s simulate -- --snapshot --config "$W/shadow.json" "$@" > /dev/null 2>> "$W/sim.err"; }
sim --seed 301 --window 300 --scale 0.2 --out "$W/s301.ndjson"
sim --seed 302 --window 240 --scale 1 --out "$W/s302.ndjson" \
  --families credential_stuffing,distributed_stuffing,manual_ato,carding,signup_spam,scraping,cart_hoarding,automated_browser_webdriver,automated_browser_stealth,adaptive_single,adaptive_spread,benign_automation
sim --seed 304 --window 300 --scale 2 --families human_browser --out "$W/s304.ndjson"
sim --seed 305 --window 240 --scale 3 --families benign_automation --out "$W/s305.ndjson"
npx tsx src/cli/simulate/prepare.ts --in "$W/s301.ndjson" --in "$W/s302.ndjson" --in "$W/s304.ndjson" --in "$W/s305.ndjson" --out "$W/train.ndjson" \
  --blank device_age_s,zone_login_failure_ratio_10m,client_tcp_rtt_ms,body_bytes,sdk_key_count,sdk_key_interval_mean_ms,sdk_key_interval_sd_ms,sdk_paste_credential,sdk_autofill,sdk_focus_changes,sdk_visibility_changes,sdk_pointer_moved,sdk_time_to_submit_ms,sdk_incognito
npm run -s train -- --data "$W/train.ndjson" --out "$W/model-a" --name model-a-base-only --trees 200 --depth 6 --eta 0.1 > "$W/train.json"
face() { npm run -s simulate -- --snapshot --seed "$SEED" --variant shifted --window 300 --scale 0.3 "$@"; }
face --model "$W/model-a/model.json" --out "$W/a-shifted.ndjson" > "$W/a-shifted.json" 2> "$W/a-shifted.err"
face --out "$W/shipped-shifted.ndjson" > "$W/shipped-shifted.json" 2> "$W/shipped-shifted.err"
echo "beyond-training: model A and the shipped model against the shifted variant, seed $SEED: $W/a-shifted.err, $W/shipped-shifted.err"
