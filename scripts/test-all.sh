#!/bin/bash
# SPDX-License-Identifier: MIT
# test-all.sh: installs what is missing, builds, and runs every test suite:
# the unit tests (Check), `make distcheck`, and the end-to-end tests (real
# lighttpd and pip). The last line counts the results of all of them.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
"$top/scripts/deps.sh" test || exit 1
build=$("$top/scripts/build.sh") || { echo "build failed"; echo "0 passed, 1 failed"; exit 1; }

passed=0 failed=0 skipped=0
add() { passed=$((passed + $1)); failed=$((failed + $2)); skipped=$((skipped + ${3:-0})); }

# Unit tests: the runner prints "unit: N passed, N failed".
echo "== unit tests"
make -C "$build" check >/dev/null 2>&1
unit_rc=$?
line=$(grep -h '^unit: ' "$build/tests/unit/runner.log" 2>/dev/null | tail -n 1)
if [[ $line =~ ^unit:\ ([0-9]+)\ passed,\ ([0-9]+)\ failed ]]; then
    add "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}"
    grep -E '(:F:|:E:)' "$build/tests/unit/runner.log" | head -n 40
    echo "$line"
else
    echo "unit tests did not report (exit $unit_rc):"
    tail -n 40 "$build/tests/unit/runner.log" 2>/dev/null
    add 0 1
fi
[ "$unit_rc" -eq 0 ] || [ "${BASH_REMATCH[2]:-1}" -ne 0 ] || { echo "make check failed"; add 0 1; }

# The release tarball builds and passes its own tests.
echo "== make distcheck"
if make -C "$build" distcheck >"$build/distcheck.log" 2>&1; then
    echo "ok - make distcheck"
    add 1 0
else
    echo "not ok - make distcheck"
    tail -n 30 "$build/distcheck.log"
    add 0 1
fi

# End-to-end: each script ends with "e2e: N passed, N failed, N skipped".
echo "== end-to-end tests"
make -C "$build" check-e2e 2>&1 | tee "$build/e2e.log"
scripts=$(ls "$top"/tests/e2e/test_*.sh | wc -l)
reported=0
while IFS= read -r line; do
    if [[ $line =~ ^e2e:\ ([0-9]+)\ passed,\ ([0-9]+)\ failed,\ ([0-9]+)\ skipped ]]; then
        add "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}" "${BASH_REMATCH[3]}"
        reported=$((reported + 1))
    fi
done < <(grep -h '^e2e: ' "$build/e2e.log")
if [ "$reported" -ne "$scripts" ]; then
    echo "only $reported of $scripts end-to-end scripts reported"
    add 0 $((scripts - reported))
fi

if [ "$skipped" -gt 0 ]; then
    echo "$passed passed, $failed failed, $skipped skipped"
else
    echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
