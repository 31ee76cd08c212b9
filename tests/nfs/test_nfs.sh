#!/bin/bash
# SPDX-License-Identifier: MIT
# test_nfs.sh: pypi-fcgi on one package tree shared over NFS by several hosts,
# on the bed of bed.sh (which must be up: run.sh brings it up and down).
#
# Each "host" is a lighttpd + pypi-fcgi inside the guest, started the way
# contrib/lighttpd.conf does it, on its own mount of the export:
#   A  /mnt/a  NFSv4.2
#   B  /mnt/b  NFSv3 (TCP, NLM locks)
#   C  /mnt/c  NFSv4.2, nosharecache (a superblock of its own)
# all on the same export subdirectory, each with its own state directory.
# Clients (curl, pip) run on the host. Every scenario runs a second time as
# the control: the hosts then share one local directory of the guest.
#
# Environment:
#   PYPI_FCGI    the binary (default: build/src/pypi-fcgi of this tree); the guest runs a copy
#   SCENARIOS    which scenarios, e.g. "1 3" (default: 1 2 3 4 5 6)
#   MODES        nfs, local or both (default "nfs local")
#   KEEP=1       keep the trees and the logs in $PF_NFS_WORK/run
#   PF_NFS_WORK  as for bed.sh
# The last line: "nfs: N passed, N failed, N skipped".

if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck disable=SC2034 # read by bed.sh: define its functions only
BED_LIB=1
# shellcheck source-path=SCRIPTDIR source=bed.sh
. "$HERE/bed.sh"
TOP=$BED_TOP
PYPI_FCGI=${PYPI_FCGI:-$TOP/build/src/pypi-fcgi}
SCENARIOS=${SCENARIOS:-1 2 3 4 5 6}
MODES=${MODES:-nfs local}
R=$W/run                 # scratch: on the host, and at the same path in the guest
G=/run/pfnfs             # the guest's own (tmpfs) directory: instances, the local trees
GIP=$BED_GUEST_IP
MKDIST=$TOP/tests/e2e/mkdist.py
PAGES=$HERE/pages.py
USER_PW=alice:alice-pw

N=0 NPASS=0 NFAIL=0 NSKIP=0
INSTANCES=()             # names of the instances started (their pid files are in the guest)
BG=()                    # host processes started in the background

# ---- reporting --------------------------------------------------------------
diag() { printf '%s\n' "$@" | sed 's/^/#   /'; }
pass() { N=$((N + 1)); NPASS=$((NPASS + 1)); echo "ok $N - $1"; }
fail() {
    N=$((N + 1)); NFAIL=$((NFAIL + 1)); echo "not ok $N - $1"
    shift
    [ $# -gt 0 ] && diag "$@"
    return 0
}
skip() { N=$((N + 1)); NSKIP=$((NSKIP + 1)); echo "ok $N - $1 # SKIP $2"; }
expect_eq() { if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "expected: $2" "actual:   $3" "${@:4}"; fi; }
note() { echo "# $*"; }

# ---- the guest and the instances --------------------------------------------
gsh() { bed_sh "$@"; }

# has_opt NAME: the binary's --help lists --NAME.
has_opt() { grep -q -- "--$1[ =]" "$R/help.txt"; }

# port_of NAME: each instance has its own port on the guest's address.
port_of() {
    case $1 in
    a) echo 8101 ;; b) echo 8102 ;; c) echo 8103 ;; d) echo 8104 ;; e) echo 8105 ;; f) echo 8106 ;;
    k) echo 8107 ;; la) echo 8111 ;; lb) echo 8112 ;; lc) echo 8113 ;; lk) echo 8117 ;; *) echo 8199 ;;
    esac
}
url_of() { echo "http://$GIP:$(port_of "$1")"; }

# inst_start NAME ROOT [PYPI-FCGI OPTIONS] [ENV] [LIGHTTPD LINES]: renders
# contrib/lighttpd.conf for NAME (its variables set as scripts/serve.sh does,
# the options appended to var.pypi_args), starts lighttpd -D in the guest
# with ENV (VAR=VALUE...) and waits until /health answers 200 (a bound of
# 300 s: the guest is emulated). Returns 1, with the reason in INST_ERR, when
# it did not come up.
inst_start() {
    local name=$1 root=$2 args=${3:-} env=${4:-} extra=${5:-} port st i code
    port=$(port_of "$name")
    st=$G/$name
    INST_ERR=
    mkdir -p "$R/inst/$name"
    args="--htpasswd $G/htpasswd --state-dir $st/records${args:+ $args}"
    sed -e "s#^var.pypi_root .*#var.pypi_root   = \"$root\"#" \
        -e "s#^var.pypi_state .*#var.pypi_state  = \"$st\"#" \
        -e "s#^var.pypi_bin .*#var.pypi_bin    = \"$G/pypi-fcgi\"#" \
        -e "s#^var.pypi_port .*#var.pypi_port   = $port#" \
        -e "s#^var.pypi_bind .*#var.pypi_bind   = \"$GIP\"#" \
        -e "s#^\(var.pypi_args *= *\"[^\"]*\)\"#\1 $args\"#" \
        "$TOP/contrib/lighttpd.conf" >"$R/inst/$name/lighttpd.conf"
    [ -n "$extra" ] && printf '%s\n' "$extra" >>"$R/inst/$name/lighttpd.conf"
    INSTANCES+=("$name")
    gsh "mkdir -p $st/www $st/upload $st/records $root && rm -f $st/error.log $st/access.log &&
        cp $R/inst/$name/lighttpd.conf $st/lighttpd.conf && cd $st &&
        { env $env setsid lighttpd -D -f $st/lighttpd.conf >$st/lighttpd.out 2>&1 </dev/null & echo \$! >$st/lighttpd.pid; }" 60 >/dev/null
    for ((i = 0; i < 600; i++)); do
        code=$(curl -s -o /dev/null --max-time 10 -w '%{http_code}' "http://$GIP:$port/health" 2>/dev/null)
        [ "$code" = 200 ] && return 0
        if [ $((i % 20)) = 19 ] && ! gsh "kill -0 \$(cat $st/lighttpd.pid)" 30 >/dev/null; then
            INST_ERR="lighttpd $name exited: $(gsh "cat $st/lighttpd.out; tail -n 20 $st/error.log" 30)"
            return 1
        fi
        sleep 0.5
    done
    INST_ERR="$name did not answer /health with 200 (last: $code): $(inst_log "$name" | tail -n 20)"
    return 1
}

# start_or_fail LABEL NAME ROOT [...]: inst_start, a failed check when it fails.
start_or_fail() {
    local label=$1
    shift
    inst_start "$@" && return 0
    fail "$label: instance $1 on $2 starts" "$INST_ERR"
    return 1
}

# inst_stop NAME: SIGINT to its lighttpd (which stops its pypi-fcgi), up to 10 s, then SIGKILL to both.
inst_stop() {
    local st=$G/$1
    gsh "[ -e $st/lighttpd.pid ] || exit 0; p=\$(cat $st/lighttpd.pid); kids=\$(pgrep -P \$p)
        kill -INT \$p 2>/dev/null
        i=0; while kill -0 \$p 2>/dev/null && [ \$i -lt 50 ]; do sleep 0.2; i=\$((i + 1)); done
        kill -KILL \$p \$kids 2>/dev/null; rm -f $st/lighttpd.pid; exit 0" 60 >/dev/null
}

# inst_crash NAME: kill -9 of its pypi-fcgi processes and of its lighttpd
# (so that nothing starts pypi-fcgi again there): host NAME dies.
inst_crash() {
    local st=$G/$1
    gsh "p=\$(cat $st/lighttpd.pid); kids=\$(pgrep -P \$p); echo \"killed: lighttpd \$p, pypi-fcgi \$kids\"
        kill -KILL \$p \$kids; rm -f $st/lighttpd.pid" 60
}

# inst_log NAME: its log (pypi-fcgi writes to the standard error lighttpd passes on).
inst_log() { gsh "cat $G/$1/lighttpd.out $G/$1/error.log" 60; }

stop_all() {
    local n
    for n in "${INSTANCES[@]}"; do inst_stop "$n"; done
    INSTANCES=()
}

bg_kill_all() {
    local p
    for p in "${BG[@]}"; do kill -TERM "$p" 2>/dev/null; done
    for p in "${BG[@]}"; do wait "$p" 2>/dev/null; done
    BG=()
}

# ---- clients ------------------------------------------------------------------
# upload NAME FILE OUT: a bare upload (the form pypi-fcgi reads the rest from
# the file) through instance NAME; prints the status, the body goes to OUT.
upload() {
    curl -s -o "$3" --max-time 600 -w '%{http_code}' -u "$USER_PW" -F ':action=file_upload' -F "content=@$2" "$(url_of "$1")/" 2>/dev/null
}
# listed NAME PROJECT: "FILE SHA256" per file NAME's page lists.
listed() { python3 "$PAGES" files "$(url_of "$1")" "$2" 2>&1 | awk '{ print $1, $2 }'; }
sha() { sha256sum "$1" | cut -d' ' -f1; }
mk() { python3 "$MKDIST" "$@" 2>>"$R/mkdist.log"; }

restarts() { grep -c . "$W/server/restarts.log" 2>/dev/null || true; }

# layout MODE K: the roots of the scenario's hosts A, B, C (guest paths) and
# TREE, where the suite looks at the tree itself: on NFS the exported
# directory on the host (what the server has, no client's cache in between),
# else the local directory in the guest. Only looks: the tree is changed
# through the guest's mounts (nfs-ganesha answers EIO for a directory
# removed behind its back).
layout() {
    if [ "$1" = nfs ]; then
        RA=/mnt/a/s$2 RB=/mnt/b/s$2 RC=/mnt/c/s$2 TREE=$W/export/s$2 TREE_AT=host
        IA=a IB=b IC=c L="nfs"
        gsh "mkdir -p $RA" >/dev/null
    else
        RA=$G/local/s$2 RB=$G/local/s$2 RC=$G/local/s$2 TREE=$G/local/s$2 TREE_AT=guest
        IA=la IB=lb IC=lc L="control (one local directory)"
        gsh "mkdir -p $TREE" >/dev/null
    fi
}

# tsh CMD: runs CMD (sh) where TREE is (see layout); prints its output.
tsh() { if [ "$TREE_AT" = host ]; then sh -c "$1" 2>&1; else gsh "$1" 120; fi; }

# staging TREE: the named staging files and side names left in TREE.
staging() { tsh "ls $1/.pypi-fcgi/tmp/ 2>/dev/null | grep '^upload-'; find $1 -name '.pypi-fcgi-upload-*' 2>/dev/null; true"; }

# ---- scenario 1: an upload killed mid-body leaves a staging file; the next host to start removes it
# slow_upload NAME FILE OUT: an upload through NAME at 24 KiB/s, in the background (pid in SLOW_PID).
slow_upload() {
    curl -s -o "$3" --max-time 900 --limit-rate 24k -w '%{http_code}' -u "$USER_PW" \
        -F ':action=file_upload' -F "content=@$2" "$(url_of "$1")/" >"$3.code" 2>/dev/null &
    SLOW_PID=$!
    BG+=("$SLOW_PID")
}

# staging_names TREE: the named staging files in TREE, one a line.
staging_names() { tsh "ls $1/.pypi-fcgi/tmp/ 2>/dev/null | grep '^upload-'; true"; }

# wait_new_staging TREE KNOWN: the name of a staging file not in KNOWN (a
# list of names) once there is one (60 s at most).
wait_new_staging() {
    local i s
    for ((i = 0; i < 120; i++)); do
        s=$(staging_names "$1" | grep -vxF -e "${2:-/}" | head -n 1)
        [ -n "$s" ] && { echo "$s"; return 0; }
        sleep 0.5
    done
    return 1
}

# Two hosts on A's mount: K, whose upload is killed, and A, whose upload
# lives on; then another host starts on another mount (B: NFSv3, then C:
# NFSv4.2 with a superblock of its own) and must remove K's staging file
# (its writer is dead: its lock is free) but not A's (its writer holds the
# lock). The other host's cleanup may run after it starts serving: its
# removal is awaited (a generous bound), and at that moment A's file must
# still be there and A's upload still running; then A's upload ends 200.
scenario1() {
    local mode=$1 whl dead live other oroot env='' code i ik round out
    layout "$mode" 1
    ik=k; [ "$mode" = local ] && ik=lk
    [ "$mode" = local ] && env=PYPI_FCGI_NO_TMPFILE=1   # tmpfs has O_TMPFILE: take the named path NFS takes
    # The body reaches pypi-fcgi as it arrives (lighttpd spools it otherwise),
    # and a slow one is not cut off.
    local streaming='server.stream-request-body = 1'
    start_or_fail "1 $L" "$IA" "$RA" "--upload-timeout 0" "$env" "$streaming" || return
    round=0
    for other in "$IB" "$IC"; do
        round=$((round + 1))
        whl=$(mk wheel --out "$R/d1" --name "slow-demo$round" --version 1.0 --pad-mib 1)
        oroot=$RB; [ "$other" = "$IC" ] && oroot=$RC
        start_or_fail "1 $L" "$ik" "$RA" "--upload-timeout 0" "$env" "$streaming" || { stop_all; return; }
        slow_upload "$ik" "$whl" "$R/s1-killed.out"
        local kpid=$SLOW_PID
        if ! dead=$(wait_new_staging "$TREE" ""); then
            fail "1 $L: a slow upload through $ik (on $RA) has a staging file in .pypi-fcgi/tmp" "$(staging "$TREE")"
            bg_kill_all; stop_all; return
        fi
        slow_upload "$IA" "$whl" "$R/s1-live$round.out"
        if ! live=$(wait_new_staging "$TREE" "$dead"); then
            fail "1 $L: a slow upload through $IA has a staging file in .pypi-fcgi/tmp" "$(staging "$TREE")"
            bg_kill_all; stop_all; return
        fi
        note "staging files: $dead (through $ik, to be killed), $live (through $IA, live)"
        inst_crash "$ik" | sed 's/^/# /'
        wait "$kpid" 2>/dev/null
        if tsh "test -e $TREE/.pypi-fcgi/tmp/$dead" >/dev/null; then
            pass "1 $L: kill -9 of $ik mid-body leaves its staging file"
        else
            fail "1 $L: kill -9 of $ik mid-body leaves its staging file" "gone already: nothing left to clean" \
                "the upload's answer: $(cat "$R/s1-killed.out.code" 2>/dev/null) $(head -c 300 "$R/s1-killed.out" 2>/dev/null)" \
                "$ik's log: $(inst_log "$ik" | tail -n 8)" "left: $(staging_names "$TREE")"
        fi
        start_or_fail "1 $L" "$other" "$oroot" || { bg_kill_all; stop_all; return; }
        for ((i = 0; i < 120; i++)); do
            tsh "test -e $TREE/.pypi-fcgi/tmp/$dead" >/dev/null || break
            sleep 1
        done
        if tsh "test ! -e $TREE/.pypi-fcgi/tmp/$dead" >/dev/null && inst_log "$other" | grep -qF "$dead"; then
            pass "1 $L: $other, started on $oroot, removes the killed upload's staging file"
        else
            fail "1 $L: $other, started on $oroot, removes the killed upload's staging file" "left: $(staging_names "$TREE")" \
                "$other's log: $(inst_log "$other" | tail -n 5)"
        fi
        if kill -0 "$SLOW_PID" 2>/dev/null && tsh "test -e $TREE/.pypi-fcgi/tmp/$live" >/dev/null; then
            pass "1 $L: ... but not the staging file of the live upload through $IA"
        else
            fail "1 $L: ... but not the staging file of the live upload through $IA" \
                "upload still running: $(kill -0 "$SLOW_PID" 2>/dev/null && echo yes || echo no)" "left: $(staging_names "$TREE")"
        fi
        wait "$SLOW_PID" 2>/dev/null
        code=$(cat "$R/s1-live$round.out.code" 2>/dev/null)
        expect_eq "1 $L: ... and that upload completes with 200" 200 "$code" "$(head -c 300 "$R/s1-live$round.out" 2>/dev/null)"
        # (How soon another host lists it is scenario 2's business.)
        for ((i = 0; i < 60; i++)); do
            out=$(listed "$other" "slow-demo$round")
            grep -q "^$(basename "$whl") $(sha "$whl")\$" <<<"$out" && break
            sleep 2
        done
        if grep -q "^$(basename "$whl") $(sha "$whl")\$" <<<"$out"; then
            pass "1 $L: $other lists the completed upload with its sha256 (within two minutes)"
        else
            fail "1 $L: $other lists the completed upload with its sha256 (within two minutes)" "listed: $out"
        fi
        inst_stop "$other"
        BG=()
    done
    expect_eq "1 $L: no staging file left" "" "$(staging "$TREE")"
    stop_all
}

# ---- scenario 2: what one host publishes, the others list on their next request
scenario2() {
    local mode=$1 w10 w11 wn venv out
    layout "$mode" 2
    w10=$(mk wheel --out "$R/d2" --name vis-demo --version 1.0)
    w11=$(mk wheel --out "$R/d2" --name vis-demo --version 1.1)
    wn=$(mk wheel --out "$R/d2" --name vis-new --version 1.0)
    start_or_fail "2 $L" "$IA" "$RA" || return
    start_or_fail "2 $L" "$IB" "$RB" || { stop_all; return; }
    start_or_fail "2 $L" "$IC" "$RC" || { stop_all; return; }
    # B and C have looked (and found nothing) before A's upload.
    curl -s -o /dev/null "$(url_of "$IB")/simple/vis-demo/"; curl -s -o /dev/null "$(url_of "$IC")/simple/vis-demo/"
    curl -s -o /dev/null "$(url_of "$IB")/simple/"; curl -s -o /dev/null "$(url_of "$IC")/simple/"
    expect_eq "2 $L: the upload through $IA is 200" 200 "$(upload "$IA" "$w10" "$R/s2.out")" "$(head -c 300 "$R/s2.out")"
    for h in "$IB" "$IC"; do
        out=$(listed "$h" vis-demo)
        if grep -q "^$(basename "$w10") $(sha "$w10")\$" <<<"$out"; then
            pass "2 $L: $h's very next request lists the file uploaded through $IA"
        else
            fail "2 $L: $h's very next request lists the file uploaded through $IA" "listed: ${out:-nothing (the page is 404 or empty)}"
        fi
    done
    venv=$R/venv
    if [ ! -x "$venv/bin/python" ]; then python3 -m venv "$venv" >"$R/venv.log" 2>&1; fi
    rm -rf "$R/pip-target"
    if out=$(env -i PATH=/usr/bin:/bin HOME="$R" PIP_CONFIG_FILE=/dev/null timeout 300 "$venv/bin/python" -m pip install \
        --disable-pip-version-check --no-cache-dir --no-deps --retries 0 --timeout 60 --target "$R/pip-target" \
        --trusted-host "$GIP" --index-url "$(url_of "$IB")/simple/" vis-demo==1.0 2>&1) &&
        [ -d "$R/pip-target/vis_demo-1.0.dist-info" ]; then
        pass "2 $L: pip installs it from $IB"
    else
        fail "2 $L: pip installs it from $IB" "$out"
    fi
    # By hand, through A's mount: a temporary name, then mv.
    gsh "cp $w11 $RA/vis-demo/.copy.tmp && mv $RA/vis-demo/.copy.tmp $RA/vis-demo/$(basename "$w11")" 60
    out=$(listed "$IB" vis-demo)
    if grep -q "^$(basename "$w11") $(sha "$w11")\$" <<<"$out"; then
        pass "2 $L: a file copied by hand into the project (through $RA): $IB's next request lists it"
    else
        fail "2 $L: a file copied by hand into the project (through $RA): $IB's next request lists it" "listed: ${out:-nothing (the page is 404 or empty)}"
    fi
    curl -s -o /dev/null "$(url_of "$IB")/simple/vis-new/"
    gsh "mkdir $RA/vis-new && cp $wn $RA/vis-new/.copy.tmp && mv $RA/vis-new/.copy.tmp $RA/vis-new/$(basename "$wn")" 60
    out=$(listed "$IB" vis-new)
    if grep -q "^$(basename "$wn") $(sha "$wn")\$" <<<"$out"; then
        pass "2 $L: a new project copied by hand (through $RA): $IB's next request for its page lists the file"
    else
        fail "2 $L: a new project copied by hand (through $RA): $IB's next request for its page lists the file" "listed: ${out:-nothing (the page is 404 or empty)}"
    fi
    out=$(python3 "$PAGES" projects "$(url_of "$IC")" 2>&1)
    if grep -qx vis-new <<<"$out"; then
        pass "2 $L: ... and $IC's next /simple/ lists the new project"
    else
        fail "2 $L: ... and $IC's next /simple/ lists the new project" "listed: ${out:-nothing (the page is 404 or empty)}"
    fi
    stop_all
}

# ---- scenario 3: a release removed on one host while another streams it
scenario3() {
    local mode=$1 big bn bsha bytes grace=60 args='' dl code i out held
    layout "$mode" 3
    big=$(mk wheel --out "$R/d3" --name big-demo --version 1.0 --pad-mib 20)
    bn=$(basename "$big"); bsha=$(sha "$big"); bytes=$(stat -c %s "$big")
    if has_opt removal-grace; then
        args="--removal-grace $grace"
    else
        fail "3 $L: pypi-fcgi has --removal-grace" "pypi-fcgi --help does not list --removal-grace: removed files are unlinked at once"
    fi
    start_or_fail "3 $L" "$IA" "$RA" "$args" || return
    start_or_fail "3 $L" "$IB" "$RB" "$args" || { stop_all; return; }
    expect_eq "3 $L: a ${bytes}-byte upload through $IA is 200" 200 "$(upload "$IA" "$big" "$R/s3.out")" "$(head -c 300 "$R/s3.out")"
    # What follows needs B to list the file; how soon is scenario 2's business.
    for ((i = 0; i < 60; i++)); do
        out=$(listed "$IB" big-demo)
        grep -q "^$bn $bsha\$" <<<"$out" && break
        sleep 2
    done
    if ! grep -q "^$bn $bsha\$" <<<"$out"; then
        fail "3 $L: $IB lists the big file (within two minutes)" "listed: $out"
        stop_all; return
    fi
    dl=$R/s3.download
    rm -f "$dl"
    curl -s --limit-rate 1M --max-time 900 -o "$dl" -w '%{http_code}' \
        "$(python3 "$PAGES" files "$(url_of "$IB")" big-demo | awk -v n="$bn" '$1 == n { print $3 }')" >"$dl.code" 2>"$dl.err" &
    local dpid=$!
    BG+=("$dpid")
    for ((i = 0; i < 600; i++)); do [ -s "$dl" ] && break; sleep 0.1; done
    code=$(curl -s -o "$R/s3.rm" -w '%{http_code}' --max-time 300 -u "$USER_PW" \
        -d ":action=remove_pkg&name=big-demo&version=1.0" "$(url_of "$IA")/")
    expect_eq "3 $L: removing the release through $IA is 200" 200 "$code" "$(head -c 300 "$R/s3.rm")"
    # Looked at before the grace (longer than the download) can be over.
    if [ -n "$args" ]; then
        held=$(tsh "find $TREE/.pypi-fcgi -type f -size ${bytes}c")
        if [ -n "$held" ]; then
            pass "3 $L: the removed file is held under .pypi-fcgi/ for the grace period"
        else
            fail "3 $L: the removed file is held under .pypi-fcgi/ for the grace period" "$(tsh "find $TREE/.pypi-fcgi")"
        fi
    fi
    if ! kill -0 "$dpid" 2>/dev/null; then
        fail "3 $L: the download through $IB was still running when the removal returned" \
            "it had ended: the removal did not happen during it (so the next check proves nothing)"
    fi
    wait "$dpid"
    code=$(cat "$dl.code")
    if [ "$code" = 200 ] && [ "$(stat -c %s "$dl" 2>/dev/null)" = "$bytes" ] && [ "$(sha "$dl")" = "$bsha" ]; then
        pass "3 $L: the download through $IB ends complete with the original sha256"
    else
        fail "3 $L: the download through $IB ends complete with the original sha256" \
            "status $code, $(stat -c %s "$dl" 2>/dev/null) of $bytes bytes, curl: $(cat "$dl.err")"
    fi
    BG=()
    for h in "$IA" "$IB"; do
        out=$(listed "$h" big-demo)
        if grep -q "^$bn " <<<"$out"; then
            fail "3 $L: after the removal $h does not list the file" "$out"
        else
            pass "3 $L: after the removal $h does not list the file"
        fi
    done
    expect_eq "3 $L: the file is gone from the project directory" gone "$(tsh "test -e $TREE/big-demo/$bn && echo there || echo gone")"
    if [ -n "$args" ]; then
        # A sweep removes it once the grace is over: poll, a generous bound.
        for ((i = 0; i < 120; i++)); do
            held=$(tsh "find $TREE/.pypi-fcgi -type f -size ${bytes}c")
            [ -z "$held" ] && break
            sleep 3
        done
        expect_eq "3 $L: the held file is deleted after --removal-grace $grace" "" "$held"
    fi
    stop_all
}

# ---- scenario 4: locks that are not shared between hosts
scenario4() {
    local mode=$1 whl before after code out rc
    layout "$mode" 4
    whl=$(mk wheel --out "$R/d4" --name lock-demo --version 1.0)
    if [ "$mode" = local ]; then
        start_or_fail "4 $L" "$IA" "$RA" || return
        expect_eq "4 $L: an upload on a local tree is accepted without --single-publisher" 200 \
            "$(upload "$IA" "$whl" "$R/s4.out")" "$(head -c 300 "$R/s4.out")"
        stop_all
        return
    fi
    gsh "mkdir -p /mnt/d && mount -t nfs -o vers=3,nolock,proto=tcp,mountproto=tcp,nosharecache $BED_SERVER_IP:$W/export /mnt/d" 120 |
        sed 's/^/# /'
    start_or_fail "4 $L" d /mnt/d/s4 || { gsh "umount /mnt/d" 60; return; }
    before=$(cd "$W/export/s4" && find . | sort)
    code=$(upload d "$whl" "$R/s4.out")
    after=$(cd "$W/export/s4" && find . | sort)
    if [ "$code" = 503 ] && grep -qi 'lock' "$R/s4.out"; then
        pass "4 $L: on a vers=3,nolock mount an upload is refused with 503 saying why (locks)"
    else
        fail "4 $L: on a vers=3,nolock mount an upload is refused with 503 saying why (locks)" "status $code: $(head -c 400 "$R/s4.out")"
    fi
    note "the 503's body: $(head -c 300 "$R/s4.out" | tr '\n' ' ')"
    expect_eq "4 $L: ... and nothing is written into the tree" "$before" "$after"
    out=$(gsh "$G/pypi-fcgi -t /mnt/d/s4 2>&1; echo \"exit status \$?\"" 120)
    rc=$(tail -n 1 <<<"$out")
    note "pypi-fcgi -t on the nolock mount: $rc"
    if grep -qi 'lock' <<<"$out"; then
        pass "4 $L: pypi-fcgi -t on that tree says the locks are not shared ($rc)"
    else
        fail "4 $L: pypi-fcgi -t on that tree says the locks are not shared ($rc)" "$out"
    fi
    inst_stop d
    if has_opt single-publisher; then
        if start_or_fail "4 $L" d /mnt/d/s4 --single-publisher; then
            expect_eq "4 $L: with --single-publisher the upload works" 200 "$(upload d "$whl" "$R/s4b.out")" "$(head -c 300 "$R/s4b.out")"
        fi
    else
        fail "4 $L: with --single-publisher the upload works" "pypi-fcgi --help does not list --single-publisher"
    fi
    stop_all
    gsh "umount /mnt/d" 60
}

# ---- scenario 5: two uploads of one name with different bytes at once
# race_rounds X Y ROOTDIR TAG: 12 rounds, uploads of race-TAG 1.R, one variant
# through X and the other through Y at once; sets RACE_CODES (per round "R:X=code,Y=code").
race_rounds() {
    local x=$1 y=$2 tag=$3 r v1 v2 px py
    RACE_CODES=()
    for r in $(seq 1 12); do
        v1=$(mk wheel --out "$R/d5/$tag/1" --name "race-$tag" --version "1.$r")
        v2=$(mk wheel --out "$R/d5/$tag/2" --name "race-$tag" --version "1.$r" --requires-python '>=3')
        upload "$x" "$v1" "$R/s5-$tag-$r-x.out" >"$R/s5-$tag-$r-x.code" &
        px=$!
        upload "$y" "$v2" "$R/s5-$tag-$r-y.out" >"$R/s5-$tag-$r-y.code" &
        py=$!
        wait "$px" "$py"
        RACE_CODES+=("$r:$x=$(cat "$R/s5-$tag-$r-x.code"),$y=$(cat "$R/s5-$tag-$r-y.code")")
        [ -n "${AFTER_ROUND:-}" ] && "$AFTER_ROUND" "$r"
    done
}

agree_both() {
    local tag=$1 h out bad=0 all=
    shift
    for h in "$IA" "$IB"; do
        out=$(python3 "$PAGES" agree "$(url_of "$h")" "race-$tag" "$@" 2>&1) || { bad=1; all+="$h: $out"$'\n'; }
    done
    AGREE_OUT=$all
    return $bad
}

scenario5() {
    local mode=$1 bad r c out r0 tag
    layout "$mode" 5
    r0=$(restarts)
    start_or_fail "5 $L" "$IA" "$RA" || return
    start_or_fail "5 $L" "$IB" "$RB" || { stop_all; return; }
    tag=$mode
    race_rounds "$IA" "$IB" "$tag"
    bad=()
    for c in "${RACE_CODES[@]}"; do
        r=$(sed 's/^[0-9]*://; s/[a-z]*=//g' <<<"$c" | tr ',' '\n' | sort | tr '\n' ' ')
        [ "$r" = "200 409 " ] || bad+=("$c")
    done
    if [ ${#bad[@]} -eq 0 ]; then
        pass "5 $L: 12 rounds of racing same-name uploads through $IA and $IB: one 200 and one 409 each"
    else
        fail "5 $L: 12 rounds of racing same-name uploads through $IA and $IB: one 200 and one 409 each" "rounds: ${bad[*]}"
    fi
    if agree_both "$tag"; then
        pass "5 $L: on both hosts the listed sha256 of every file is that of the bytes served"
    else
        fail "5 $L: on both hosts the listed sha256 of every file is that of the bytes served" "$AGREE_OUT"
    fi
    expect_eq "5 $L: no staging file or side name left" "" "$(staging "$TREE")"
    stop_all
    [ "$(restarts)" = "$r0" ] || note "nfs-ganesha restarted $(($(restarts) - r0)) time(s) during scenario 5 ($L): see $W/server/restarts.log"
    [ "$mode" = nfs ] || return
    # The misconfigured case: locks local to each mount, the hosts told they are the only publisher.
    local opt=''
    if has_opt single-publisher; then opt=--single-publisher; else
        fail "5 nfs local_lock=all: the hosts run with --single-publisher" "pypi-fcgi --help does not list --single-publisher; run without it"
    fi
    gsh "mkdir -p /mnt/e /mnt/f &&
        mount -t nfs -o vers=3,local_lock=all,proto=tcp,mountproto=tcp,nosharecache $BED_SERVER_IP:$W/export /mnt/e &&
        mount -t nfs -o vers=3,local_lock=all,proto=tcp,mountproto=tcp,nosharecache $BED_SERVER_IP:$W/export /mnt/f" 120 | sed 's/^/# /'
    IA=e IB=f
    start_or_fail "5 nfs local_lock=all" e /mnt/e/s5 "$opt" || { gsh "umount /mnt/e /mnt/f" 60; return; }
    start_or_fail "5 nfs local_lock=all" f /mnt/f/s5 "$opt" || { stop_all; gsh "umount /mnt/e /mnt/f" 60; return; }
    AGREE_BAD=()
    AFTER_ROUND=round_agrees
    race_rounds e f ll
    AFTER_ROUND=
    note "statuses per round (local_lock=all): ${RACE_CODES[*]}"
    if [ ${#AGREE_BAD[@]} -eq 0 ]; then
        pass "5 nfs local_lock=all: after each round both hosts list the sha256 of the bytes they serve"
    else
        fail "5 nfs local_lock=all: after each round both hosts list the sha256 of the bytes they serve" "${AGREE_BAD[@]}"
    fi
    if agree_both ll; then
        pass "5 nfs local_lock=all: ... and still after all rounds"
    else
        fail "5 nfs local_lock=all: ... and still after all rounds" "$AGREE_OUT"
    fi
    expect_eq "5 nfs local_lock=all: no staging file or side name left" "" "$(staging "$TREE")"
    stop_all
    gsh "umount /mnt/e /mnt/f" 60
    [ "$(restarts)" = "$r0" ] || note "nfs-ganesha restarted $(($(restarts) - r0)) time(s) during scenario 5: see $W/server/restarts.log"
}
round_agrees() { agree_both ll "race_ll-1.$1-py3-none-any.whl" || AGREE_BAD+=("round $1: $AGREE_OUT"); }

# ---- scenario 6: files put in by hand are read whole once, whichever host asks
scenario6() {
    local mode=$1 n=20 i files=() cmd pa pb ca cb total
    layout "$mode" 6
    for i in $(seq 1 $n); do files+=("$(mk wheel --out "$R/d6" --name hash-demo --version "1.$i")"); done
    start_or_fail "6 $L" "$IA" "$RA" "--log-level debug" || return
    start_or_fail "6 $L" "$IB" "$RB" "--log-level debug" || { stop_all; return; }
    cmd="mkdir -p $RA/hash-demo"
    for f in "${files[@]}"; do cmd+=" && cp $f $RA/hash-demo/.copy.tmp && mv $RA/hash-demo/.copy.tmp $RA/hash-demo/$(basename "$f")"; done
    gsh "$cmd" 300
    python3 "$PAGES" files "$(url_of "$IA")" hash-demo >"$R/s6-a" 2>&1 &
    pa=$!
    python3 "$PAGES" files "$(url_of "$IB")" hash-demo >"$R/s6-b" 2>&1 &
    pb=$!
    wait "$pa" "$pb"
    expect_eq "6 $L: $IA's page lists the $n files" $n "$(grep -c '\.whl [0-9a-f]\{64\} ' "$R/s6-a")" "$(cat "$R/s6-a")"
    expect_eq "6 $L: $IB's page, asked at the same time, lists the $n files" $n "$(grep -c '\.whl [0-9a-f]\{64\} ' "$R/s6-b")" "$(cat "$R/s6-b")"
    ca=$(inst_log "$IA" | grep -c 'reading it whole for its record')
    cb=$(inst_log "$IB" | grep -c 'reading it whole for its record')
    total=$((ca + cb))
    if [ "$(grep -c '\.whl [0-9a-f]\{64\} ' "$R/s6-a")" != $n ] || [ "$(grep -c '\.whl [0-9a-f]\{64\} ' "$R/s6-b")" != $n ]; then
        # A host that lists fewer files read fewer: the count would prove nothing.
        fail "6 $L: each file is read whole once across both hosts ($IA: $ca, $IB: $cb)" "not judged: a page does not list the $n files"
    else
        expect_eq "6 $L: each file is read whole once across both hosts ($IA: $ca, $IB: $cb)" $n "$total"
    fi
    stop_all
}

# ---- the run -------------------------------------------------------------------
cleanup() {
    local rc=$?
    trap - EXIT INT TERM HUP
    bg_kill_all
    if [ -e "$W/ctl/ready" ]; then
        stop_all
        gsh "for m in /mnt/d /mnt/e /mnt/f; do grep -q \" \$m nfs\" /proc/mounts && umount \$m; done
            rm -rf $G/local; [ ${KEEP:-0} = 1 ] || rm -rf /mnt/a/s[0-9]*; exit 0" 300 >/dev/null
    fi
    if [ "${KEEP:-0}" != 1 ]; then
        rm -rf "$R"
    else
        echo "# kept: $R and $W/export"
    fi
    echo "nfs: $NPASS passed, $NFAIL failed, $NSKIP skipped"
    [ "$NFAIL" -eq 0 ] && [ $rc -eq 0 ] && exit 0
    exit 1
}

if [ ! -e "$W/ctl/ready" ] || ! bed_alive "$W/vm/qemu.pid"; then
    echo "test_nfs.sh: the bed is not up (bash $HERE/run.sh brings it up, runs this and takes it down)"
    fail "the NFS bed is up" "work directory $W"
    echo "nfs: $NPASS passed, $NFAIL failed, $NSKIP skipped"
    exit 1
fi
if [ ! -x "$PYPI_FCGI" ]; then
    fail "PYPI_FCGI names a pypi-fcgi binary" "got '$PYPI_FCGI'"
    echo "nfs: $NPASS passed, $NFAIL failed, $NSKIP skipped"
    exit 1
fi
trap cleanup EXIT
trap 'echo "# interrupted"; exit 130' INT TERM HUP
rm -rf "$R"
gsh "rm -rf /mnt/a/s[0-9]* $G/local" 300
mkdir -p "$R/bin"
cp "$PYPI_FCGI" "$R/bin/pypi-fcgi"
"$PYPI_FCGI" --help >"$R/help.txt" 2>&1
htpasswd -cbB -C 5 "$R/htpasswd" alice alice-pw 2>/dev/null
gsh "mkdir -p $G && cp $R/bin/pypi-fcgi $G/pypi-fcgi && cp $R/htpasswd $G/htpasswd && $G/pypi-fcgi --version" 60 | sed 's/^/# guest runs: /'
note "pypi-fcgi: $PYPI_FCGI ($(sha256sum "$PYPI_FCGI" | cut -c1-12), $(stat -c %y "$PYPI_FCGI"))"
note "options: --removal-grace $(has_opt removal-grace && echo yes || echo no), --single-publisher $(has_opt single-publisher && echo yes || echo no)"
note "what the mounts do (a record, not checks):"
gsh "python3 $W/guest/probe.py /mnt/a /mnt/b /mnt/c" 300 | sed 's/^/# /'
RESTARTS0=$(restarts)
for s in $SCENARIOS; do
    for m in $MODES; do
        echo "# ---- scenario $s, $m ($(date -u +%T))"
        "scenario$s" "$m"
        bg_kill_all
        stop_all
    done
done
n=$(($(restarts) - RESTARTS0))
if [ "$n" -eq 0 ]; then
    pass "the NFS server (nfs-ganesha, not pypi-fcgi) ran without a restart"
else
    fail "the NFS server (nfs-ganesha, not pypi-fcgi) ran without a restart" "$(tail -n "$n" "$W/server/restarts.log")" \
        "the clients saw the server go away; results above may show it"
fi
