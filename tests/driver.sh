#!/usr/bin/env bash
# driver.sh STEP... — run each test step (a make target) in order, keep going
# after a failure, then print one summary. Suites run through run-suite.sh,
# which appends "name tested passed failed" to $BUILD/test-logs/counts.
set -u
build=${BUILD:-build}
# Under run-reaper every process the run starts stays our descendant (and
# tagged FORKLAB_RUN_REAPER), so check-leftovers finds any that outlive
# their test, whatever their executable; whatever is left is killed when
# the run ends.
if [ -z "${FORKLAB_RUN_REAPER:-}" ] && [ -x "$build/tests/run-reaper" ]; then
  exec "$build/tests/run-reaper" bash "$0" "$@"
fi
[ -n "${FORKLAB_RUN_REAPER:-}" ] || echo "driver: $build/tests/run-reaper is missing: leftovers are looked for by executable only"
mkdir -p "$build/test-logs"
# check-leftovers blames this run only for what appeared after this mark.
export FORKLAB_RUN_MARK=$build/test-logs/run.start
touch "$FORKLAB_RUN_MARK"
: > "$build/test-logs/counts"
failed_steps=()
for step in "$@"; do
  echo "==== $step"
  if ! make --no-print-directory "$step"; then
    failed_steps+=("$step")
    echo "==== $step FAILED"
  fi
done
tested=0; passed=0; failed=0
while read -r _ t p f; do
  tested=$((tested + t)); passed=$((passed + p)); failed=$((failed + f))
done < "$build/test-logs/counts"
echo
echo "==== summary: $(wc -l < "$build/test-logs/counts") suites, $tested tests"
if [ ${#failed_steps[@]} -gt 0 ]; then
  echo "==== failed steps: ${failed_steps[*]}"
  failed=$((failed > 0 ? failed : ${#failed_steps[@]}))
fi
echo "forklab: $passed passed, $failed failed"
[ ${#failed_steps[@]} -eq 0 ] && [ "$failed" -eq 0 ] && [ "$tested" -gt 0 ]
