#!/bin/bash
# SPDX-License-Identifier: MIT
# test_readonly.sh: a tree pypi-fcgi may not write: each file read whole once with --state-dir, yank there.
#
# Run:  PYPI_FCGI=/abs/build/src/pypi-fcgi TOP_SRCDIR=/abs/src bash tests/e2e/test_readonly.sh
# Projects leave a 1 MiB page cache as others are asked for; the debug log line "reading it whole for its
# record" counts how often a file is hashed. As root the responder runs as nobody, so that permissions apply.

if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$HERE/lib.sh"

e2e_init
T=$E2E_TMP
N=400 # projects: their snapshots are more than the 1 MiB cache holds

e2e_require "read-only tree tests" cgi-fcgi python3 sha256sum
AS=()
if [ "$(id -u)" = 0 ]; then
    if ! command -v setpriv >/dev/null 2>&1; then
        skip "read-only tree tests" "setpriv is not installed (needed to drop root)"
        e2e_done
        exit 0
    fi
    AS=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
fi

ROOT=$T/root
mkdir -p "$ROOT" "$T/run"
chmod 755 "$T"
python3 - "$HERE" "$ROOT" "$N" >/dev/null <<'EOF'
import sys
sys.path.insert(0, sys.argv[1])
import mkdist
# A long Requires-Python makes each snapshot large, so that fewer projects fill the cache.
rp = ">=3.8" + "".join(",!=3.8.%d" % i for i in range(100))
for i in range(int(sys.argv[3])):
    mkdist.main(["wheel", "--out", sys.argv[2], "--name", "p%03d" % i, "--version", "1.0",
                 "--requires-python", rp])
EOF
ROOT=$(realpath "$ROOT")
# Nobody but root may write the tree; the responder's own directory is its.
if [ ${#AS[@]} -gt 0 ]; then
    chown -R root "$ROOT"
    chmod 755 "$ROOT"
    chown nobody "$T/run"
else
    chmod 555 "$ROOT"
fi
STATE=$T/run/state
KEY=$(printf %s "$ROOT" | sha256sum | cut -d' ' -f1)

# serve NAME [ARGS...]: a responder on $T/run/NAME.sock; the pid in PF_PID.
serve() {
    local name=$1
    shift
    rm -f "$T/run/$name.sock"
    "${AS[@]}" "$PF_BIN" --listen "unix:$T/run/$name.sock" --threads 2 --cache-size 1 --log-level debug \
        --rescan-interval 0 "$@" "$ROOT" 2>>"$T/$name.log" &
    PF_PID=$!
    e2e_bg "$PF_PID"
    e2e_log "$T/$name.log"
    wait_socket "$T/run/$name.sock" 10
}

stop() {
    kill -TERM "$PF_PID"
    wait "$PF_PID" 2>/dev/null
}

# ask_all NAME: every project page, in order; prints how many were not 200.
ask_all() {
    local i bad=0 st
    for ((i = 0; i < N; i++)); do
        st=$(fcgi_get "$T/run/$1.sock" "/simple/$(printf p%03d "$i")/" "$T/fcgi.err" | head -n 1 | tr -d '\r')
        [ "$st" = "Status: 200 OK" ] || bad=$((bad + 1))
    done
    echo "$bad"
}

hashed() { grep -c "reading it whole for its record" "$T/$1.log"; }

page() { fcgi_get "$T/run/$1.sock" "/simple/$2/" "$T/fcgi.err" HTTP_ACCEPT=text/html; }

# ---- without a state directory: read again after each eviction -------------------------
serve plain
expect_eq "no state dir: every page answers" 0 "$(ask_all plain)"
expect_eq "no state dir: every page answers the second time" 0 "$(ask_all plain)"
stop
n=$(hashed plain)
diag "without --state-dir: $N files hashed $n times over two rounds of $N pages"
if [ "$n" -gt "$N" ]; then
    pass "no state dir: files are read again once their project left the cache ($n > $N)"
else
    fail "no state dir: files are read again once their project left the cache" "$n hashes for $N files"
fi
check "no state dir: nothing is written in the tree" test -z "$(find "$ROOT" -name .pypi-fcgi)"

# ---- with one: each file read once, by every process ------------------------------------
serve st1 --state-dir "$STATE"
expect_eq "state dir: every page answers" 0 "$(ask_all st1)"
expect_eq "state dir: every page answers the second time" 0 "$(ask_all st1)"
stop
diag "with --state-dir: $N files hashed $(hashed st1) times over two rounds of $N pages"
expect_eq "state dir: each file is read whole once" "$N" "$(hashed st1)"
check "state dir: the record is under STATE/records/<sha256 of the directory's real path>" \
    test -f "$STATE/records/$KEY/.pypi-fcgi/p000-1.0-py3-none-any.whl.rec"
check "state dir: the wheel's METADATA is kept beside it" \
    test -f "$STATE/records/$KEY/.pypi-fcgi/p000-1.0-py3-none-any.whl.metadata"
expect_eq "state dir: private to its user" 700 "$(stat -c %a "$STATE")"
check "state dir: nothing is written in the tree" test -z "$(find "$ROOT" -name .pypi-fcgi)"

serve st2 --state-dir "$STATE"
expect_eq "state dir, a new process: every page answers" 0 "$(ask_all st2)"
expect_eq "state dir, a new process: no file is read whole again" 0 "$(hashed st2)"
md=$(fcgi_get "$T/run/st2.sock" /packages/p000-1.0-py3-none-any.whl.metadata "$T/fcgi.err")
if [[ $md == "Status: 200"* ]] && [[ $md == *"Name: p000"* ]]; then
    pass "state dir: METADATA (PEP 658) is served from it"
else
    fail "state dir: METADATA (PEP 658) is served from it" "$(head -c 300 <<<"$md")"
fi
check "state dir: the page offers METADATA" grep -q 'data-core-metadata' <(page st2 p001)

# ---- yank on the read-only tree -----------------------------------------------------------
W=$ROOT/p001-1.0-py3-none-any.whl
out=$("${AS[@]}" "$PYPI_FCGI" yank --reason broken "$W" 2>&1)
rc=$?
if [ $rc -ne 0 ] && [[ $out == *"--state-dir"* ]]; then
    pass "yank without a state dir: refused, saying what to give"
else
    fail "yank without a state dir: refused, saying what to give" "rc=$rc $out"
fi
out=$("${AS[@]}" "$PYPI_FCGI" yank --reason broken --state-dir "$STATE" "$W" 2>&1)
expect_eq "yank --state-dir: done" "yanked $W" "$out"
check "yank --state-dir: the running process shows it" grep -q 'data-yanked="broken"' <(page st2 p001)
printf 'state-dir = %s\n' "$STATE" >"$T/run/pf.conf"
out=$("${AS[@]}" "$PYPI_FCGI" unyank -c "$T/run/pf.conf" "$W" 2>&1)
expect_eq "unyank -c FILE: the file's state-dir is used" "unyanked $W" "$out"
if page st2 p001 | grep -q 'data-yanked'; then
    fail "unyank -c FILE: the running process shows it" "still yanked"
else
    pass "unyank -c FILE: the running process shows it"
fi
expect_eq "yank: no file was read whole again" 0 "$(hashed st2)"
stop

# ---- a state directory it cannot write: as without one, said once -----------------------
mkdir -p "$T/ro-state"
chmod 555 "$T/ro-state"
serve bad --state-dir "$T/ro-state/state"
expect_eq "unwritable state dir: every page answers" 0 "$(ask_all bad)"
stop
check "unwritable state dir: the log says so" grep -q "state directory $T/ro-state/state" "$T/bad.log"
n=$(hashed bad)
if [ "$n" -ge "$N" ]; then pass "unwritable state dir: files are hashed as without one ($n)"; else fail "unwritable state dir: files are hashed as without one" "$n"; fi

[ ${#AS[@]} -gt 0 ] || chmod 755 "$ROOT"
e2e_done
