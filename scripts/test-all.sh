#!/bin/bash
# SPDX-License-Identifier: MIT
# test-all.sh: installs what is missing, builds, and runs every test suite:
# the unit tests (Check), `make distcheck`, the end-to-end tests (real
# lighttpd, nginx, Apache, pip and twine), and the same again under the
# sanitizers: unit and end-to-end under ASan+UBSan, unit and the upload
# tests under TSan, and the upload tests with the responder under valgrind.
# The last line counts the results of all of them.
#
# Then every libFuzzer harness runs for FUZZ_SECONDS (default 20).
# SANITIZERS=0 skips the sanitizer passes (they roughly double the time),
# FUZZ=0 the fuzzers. STATIC=only runs the static checks of the tree (each
# one result: references, banned calls, the fuzz list, file and function
# sizes) and stops.
#
# NFS=1 runs, after all of that, the multi-host NFS suite (tests/nfs/run.sh:
# as root, it brings up its own NFS server and an emulated NFS client, which
# takes a few minutes the first time, then about 10 more for the suite; see
# tests/nfs/README.md) and counts its results with the others.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
"$top/scripts/deps.sh" test || exit 1
build=$("$top/scripts/build.sh") || { echo "build failed"; echo "0 passed, 1 failed"; exit 1; }

passed=0 failed=0 skipped=0
# at: the time since the start, for the section lines ("== ... [m:ss]").
at() { printf '[%d:%02d]' $((SECONDS / 60)) $((SECONDS % 60)); }
add() { passed=$((passed + $1)); failed=$((failed + $2)); skipped=$((skipped + ${3:-0})); }

# unit_tests LABEL BUILD [nofork]: `make check` there; the runner prints
# "unit: N passed, N failed". With nofork the runner runs every test in its
# own process instead of a child per test (CK_FORK=no), within 30 minutes.
unit_tests() {
    local label=$1 dir=$2 fork=${3:-} rc line
    echo "== unit tests ($label) $(at)"
    if [ "$fork" = nofork ]; then
        CK_FORK=no timeout 1800 make -C "$dir" check >/dev/null 2>&1
    else
        make -C "$dir" check >/dev/null 2>&1
    fi
    rc=$?
    line=$(grep -h '^unit: ' "$dir/tests/unit/runner.log" 2>/dev/null | tail -n 1)
    if [[ $line =~ ^unit:\ ([0-9]+)\ passed,\ ([0-9]+)\ failed ]]; then
        add "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}"
        grep -E '(:F:|:E:)' "$dir/tests/unit/runner.log" | head -n 40
        echo "$line"
        if [ "$rc" -ne 0 ] && [ "${BASH_REMATCH[2]}" -eq 0 ]; then
            echo "make check failed (exit $rc) with no failed test:"
            grep -E 'ERROR|Sanitizer|runtime error' "$dir/tests/unit/runner.log" | head -n 20
            add 0 1
        fi
    else
        echo "unit tests did not report (exit $rc):"
        tail -n 40 "$dir/tests/unit/runner.log" 2>/dev/null
        add 0 1
    fi
}

# e2e_tests LABEL BUILD [SCRIPT...]: the end-to-end scripts (default: all of
# `make check-e2e`) with BUILD's pypi-fcgi; each ends with "e2e: N passed,
# N failed, N skipped". Extra environment comes from the caller.
e2e_tests() {
    local label=$1 dir=$2 log reported=0 want line
    shift 2
    log="$dir/e2e-$label.log"
    echo "== end-to-end tests ($label) $(at)"
    if [ $# -eq 0 ]; then
        make -C "$dir" check-e2e 2>&1 | tee "$log"
        want=$(ls "$top"/tests/e2e/test_*.sh | wc -l)
    else
        : >"$log"
        for t in "$@"; do
            echo "== $t $(at)" | tee -a "$log"
            PYPI_FCGI="$dir/src/pypi-fcgi" TOP_SRCDIR="$top" bash "$top/$t" 2>&1 | tee -a "$log"
        done
        want=$#
    fi
    while IFS= read -r line; do
        if [[ $line =~ ^e2e:\ ([0-9]+)\ passed,\ ([0-9]+)\ failed,\ ([0-9]+)\ skipped ]]; then
            add "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}" "${BASH_REMATCH[3]}"
            reported=$((reported + 1))
        fi
    done < <(grep -h '^e2e: ' "$log")
    if [ "$reported" -ne "$want" ]; then
        echo "only $reported of $want end-to-end scripts reported ($label)"
        add 0 $((want - reported))
    fi
}

# no_reports LABEL DIR [PATTERN]: a sanitizer or valgrind that found
# something left a report in DIR (a file with a line matching PATTERN,
# default: any line); each such file is a failure.
no_reports() {
    local label=$1 dir=$2 pattern=${3:-.} files n
    files=$(grep -lE "$pattern" -r "$dir" 2>/dev/null)
    n=$(printf '%s' "$files" | grep -c . || true)
    if [ "$n" -eq 0 ]; then
        echo "ok - $label: no reports"
        add 1 0
    else
        echo "not ok - $label: $n report(s) in $dir"
        printf '%s\n' "$files" | head -n 5 | while read -r f; do head -n 40 "$f"; done
        add 0 "$n"
    fi
}

# check LABEL COMMAND...: one result, passed when COMMAND exits 0; its
# output is shown when it fails.
check() {
    local label=$1 out
    shift
    if out=$("$@" 2>&1); then
        echo "ok - $label"
        add 1 0
    else
        echo "not ok - $label"
        printf '%s\n' "$out" | head -n 40
        add 0 1
    fi
}

# Calls that src/ must not make, each for a reason that holds for all of the
# code (a mention in a comment counts too: say "unbounded copy" instead):
#  strcpy strcat sprintf vsprintf gets: write with no bound on the
#    destination; snprintf and buf_append* take one.
#  strncpy strncat: bounded but misleading: strncpy leaves no NUL when it
#    truncates, strncat's bound is the space left, not the buffer's size.
#  atoi atol atoll atof: no error report, and undefined on overflow; the
#    strto* family with errno and an end pointer says what went wrong.
#  strtok: keeps its position in a static, shared by every thread
#    (strtok_r, or an sv_t cursor, does not).
#  asctime ctime gmtime localtime: return a static buffer that another
#    thread may overwrite (the _r forms take the caller's).
#  tmpnam tempnam mktemp: pick a name that another process can take before
#    it is opened (mkstemp and O_TMPFILE open it at once).
#  alloca: an unbounded stack allocation that cannot fail cleanly.
BANNED_CALLS='strcpy|strcat|sprintf|vsprintf|gets|strncpy|strncat|atoi|atol|atoll|atof|strtok|asctime|ctime|gmtime|localtime|tmpnam|tempnam|mktemp|alloca'
no_banned_calls() {
    ! grep -nE "(^|[^A-Za-z0-9_])($BANNED_CALLS)[[:space:]]*\(" "$top"/src/*.c "$top"/src/*.h
}

# The fuzz harnesses that Makefile.am lists (FUZZ_ALL) are exactly those with
# a fuzz/fuzz_NAME.c, each has a seed corpus and a row in fuzz/README.
fuzz_list_agrees() {
    local listed have t rc=0
    # (The last line: make may first say that it regenerates the Makefile.)
    listed=$(make -s -C "$build" --no-print-directory print-fuzz-targets | tail -n 1 | tr ' ' '\n' | sort)
    have=$(find "$top/fuzz" -maxdepth 1 -name 'fuzz_*.c' | sed 's#.*/fuzz_##; s/\.c$//' | sort)
    if [ "$listed" != "$have" ]; then
        echo "FUZZ_ALL in Makefile.am: $(tr '\n' ' ' <<<"$listed"); fuzz/fuzz_*.c: $(tr '\n' ' ' <<<"$have")"
        rc=1
    fi
    for t in $listed; do
        [ -n "$(ls -A "$top/fuzz/corpus/$t" 2>/dev/null)" ] || { echo "fuzz/corpus/$t: no seeds"; rc=1; }
        grep -qE "^  $t " "$top/fuzz/README" || { echo "fuzz/README: no row for $t"; rc=1; }
    done
    return $rc
}

echo "== static checks $(at)"
check "references resolve inside the repository" "$top/scripts/check-refs.sh" "$top"
check "no banned calls in src/" no_banned_calls
check "the fuzz list agrees" fuzz_list_agrees
check "no file or function in src/ over its size limit" "$top/scripts/check-shape.sh"
if [ "${STATIC:-}" = only ]; then
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
    exit
fi

unit_tests gcc "$build"

# The release tarball builds and passes its own tests.
echo "== make distcheck $(at)"
if make -C "$build" distcheck >"$build/distcheck.log" 2>&1; then
    echo "ok - make distcheck"
    add 1 0
else
    echo "not ok - make distcheck"
    tail -n 30 "$build/distcheck.log"
    add 0 1
fi

e2e_tests gcc "$build"

if [ "${SANITIZERS:-1}" != 0 ]; then
    # ASan + UBSan: every error aborts the process and leaves a report file.
    asan=$(BUILD_DIR="$top/build-asan" LDFLAGS=-fsanitize=address,undefined \
        CFLAGS="-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined" \
        "$top/scripts/build.sh") || { echo "ASan build failed"; add 0 1; asan=; }
    if [ -n "$asan" ]; then
        reports=$asan/sanitizer-reports
        rm -rf "$reports" && mkdir -p "$reports"
        # allocator_may_return_null: test_faults.sh sends the malformed FastCGI
        # record that makes libfcgi ask malloc for ~4 GiB; in production malloc
        # returns NULL and libfcgi's own assert ends that one process, which is
        # what the test checks. ASan would report the request instead.
        export ASAN_OPTIONS="log_path=$reports/asan:abort_on_error=1:detect_leaks=1:allocator_may_return_null=1"
        export UBSAN_OPTIONS="log_path=$reports/ubsan:print_stacktrace=1:halt_on_error=1"
        # The unit tests under the sanitizers run in one process: each forked
        # child's exit ran LeakSanitizer's whole scan (about 55 ms a test, 20
        # minutes in all); in one process the leak check runs once, at the end,
        # over what every test left, and a sanitizer error stops the run. The
        # gcc pass above keeps a process and a timeout per test.
        unit_tests asan "$asan" nofork
        # Every end-to-end suite, the soak cut to a minute. The soak judges
        # resident memory: with ASan's default 256 MiB quarantine the
        # responder sits near 300 MiB and moves by +-10 MiB as it fills, which
        # is ASan's noise, not ours; 16 MiB fills during the warm-up.
        ASAN_OPTIONS="$ASAN_OPTIONS:quarantine_size_mb=16" \
            BIG_UPLOAD_MIB=64 DEPLOY_BIG_MIB=16 SOAK_SECONDS=60 UPSTREAM_BIG_MIB=64 e2e_tests asan "$asan"
        unset ASAN_OPTIONS UBSAN_OPTIONS
        # Errors only: a refused allocation leaves a one-line WARNING.
        no_reports "ASan+UBSan" "$reports" 'ERROR: |runtime error|SUMMARY: '

    fi

    # TSan over the threaded code: the unit tests and the upload tests (two
    # uploads race there; every request runs on a pool of threads).
    tsan=$(BUILD_DIR="$top/build-tsan" CFLAGS="-O1 -g -fsanitize=thread" LDFLAGS=-fsanitize=thread \
        "$top/scripts/build.sh") || { echo "TSan build failed"; add 0 1; tsan=; }
    if [ -n "$tsan" ]; then
        reports=$tsan/sanitizer-reports
        rm -rf "$reports" && mkdir -p "$reports"
        export TSAN_OPTIONS="log_path=$reports/tsan:halt_on_error=1"
        unit_tests tsan "$tsan" nofork
        BIG_UPLOAD_MIB=32 DEPLOY_BIG_MIB=16 e2e_tests tsan "$tsan" tests/e2e/test_upload.sh
        unset TSAN_OPTIONS
        no_reports "TSan" "$reports"
    fi

    # valgrind: the upload tests with every responder under memcheck; a
    # report file holds only errors and definite leaks.
    vgdir=$build/valgrind-reports
    rm -rf "$vgdir" && mkdir -p "$vgdir"
    E2E_WRAP="valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite --log-file=$vgdir/vg.%p" \
        BIG_UPLOAD_MIB=16 DEPLOY_BIG_MIB=8 e2e_tests valgrind "$build" tests/e2e/test_upload.sh
    # Lines of valgrind's own warnings start with "--PID--" (e.g. openat2,
    # which valgrind 3.19 does not know and pypi-fcgi then does without);
    # errors and leaks start with "==PID==".
    no_reports "valgrind" "$vgdir" '^==[0-9]+=='

fi

if [ "${FUZZ:-1}" != 0 ]; then
    # Two halves side by side (two cores); each harness is one result.
    echo "== fuzzing (${FUZZ_SECONDS:-20} s per harness) $(at)"
    if make -C "$build" fuzz-build >"$build/fuzz-build.log" 2>&1; then
        targets=$(make -s -C "$build" --no-print-directory print-fuzz-targets | tail -n 1)
        read -ra all <<<"$targets"
        half=$(((${#all[@]} + 1) / 2))
        make -C "$build" fuzz FUZZ_SECONDS="${FUZZ_SECONDS:-20}" FUZZ_TARGETS="${all[*]:0:half}" >"$build/fuzz-1.log" 2>&1 &
        make -C "$build" fuzz FUZZ_SECONDS="${FUZZ_SECONDS:-20}" FUZZ_TARGETS="${all[*]:half}" >"$build/fuzz-2.log" 2>&1
        wait
        for t in "${all[@]}"; do
            line=$(grep -h "^fuzz_$t: " "$build"/fuzz-[12].log | tail -n 1)
            echo "${line:-fuzz_$t: no result}"
            if [[ $line == *": ok" ]]; then add 1 0; else
                add 0 1
                # the sanitizer's words and the input, as the fuzz target printed them
                sed -n "/^fuzz_$t: /,/^fuzz_/{/^  /p}" "$build"/fuzz-[12].log
            fi
        done
    else
        echo "not ok - make fuzz-build"
        tail -n 20 "$build/fuzz-build.log"
        add 0 1
    fi
fi

if [ "${NFS:-0}" = 1 ]; then
    # Several hosts on one tree over NFS; the last line is "nfs: N passed, N failed, N skipped".
    echo "== NFS multi-host tests $(at)"
    PYPI_FCGI="$build/src/pypi-fcgi" bash "$top/tests/nfs/run.sh" 2>&1 | tee "$build/nfs.log"
    line=$(grep -h '^nfs: ' "$build/nfs.log" | tail -n 1)
    if [[ $line =~ ^nfs:\ ([0-9]+)\ passed,\ ([0-9]+)\ failed,\ ([0-9]+)\ skipped ]]; then
        add "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}" "${BASH_REMATCH[3]}"
    else
        echo "the NFS suite did not report"
        add 0 1
    fi
fi

echo "== done $(at)"
if [ "$skipped" -gt 0 ]; then
    echo "$passed passed, $failed failed, $skipped skipped"
else
    echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
