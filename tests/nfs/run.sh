#!/bin/bash
# SPDX-License-Identifier: MIT
# run.sh: brings the NFS bed up (bed.sh up), runs test_nfs.sh on it and takes
# the bed down again, also when the suite fails or is interrupted. As root.
# Environment: as for bed.sh and test_nfs.sh. BED_KEEP=1 leaves the bed up.
# The last line is the suite's "nfs: N passed, N failed, N skipped".
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
down() {
    trap - EXIT INT TERM HUP
    if [ "${BED_KEEP:-0}" = 1 ]; then
        echo "# the bed is left up: bash $HERE/bed.sh down"
    else
        bash "$HERE/bed.sh" down 2>&1 | sed 's/^/# /'
    fi
    echo "$line"
    exit "$rc"
}
line="nfs: 0 passed, 1 failed, 0 skipped"
rc=1
trap down EXIT
trap 'exit 130' INT TERM HUP
t0=$(date +%s)
if ! bash "$HERE/bed.sh" up 2>&1 | sed 's/^/# /'; then :; fi
echo "# bed up after $(($(date +%s) - t0)) s"
t1=$(date +%s)
bash "$HERE/test_nfs.sh" | tee "${TMPDIR:-/tmp}/pypi-fcgi-nfs.$$.log"
rc=${PIPESTATUS[0]}
echo "# suite took $(($(date +%s) - t1)) s"
line=$(grep '^nfs: ' "${TMPDIR:-/tmp}/pypi-fcgi-nfs.$$.log" | tail -n 1)
rm -f "${TMPDIR:-/tmp}/pypi-fcgi-nfs.$$.log"
[ -n "$line" ] || { line="nfs: 0 passed, 1 failed, 0 skipped"; rc=1; }
