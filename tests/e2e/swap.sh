# SPDX-License-Identifier: MIT
# swap.sh: a listed symlink that stays inside the root, then a directory on its way swapped for a link out, through a real web server.
# shellcheck shell=bash
#
# Sourced by test_lighttpd.sh, test_nginx.sh and test_apache.sh after lib.sh.
#
# The tree: DIR/foo/foo-2.0.tar.gz -> ../store/sub/target (an sdist, inside
# the root, listed as foo 2.0) and DIR/bar/bar-1.0-py3-none-any.whl. The
# swap makes DIR/store/sub a link to OUT, which holds another "target": the
# web server, which follows the links of the path it is given (lighttpd's
# x-sendfile-docroot and mod_xsendfile's XSendFilePath compare strings,
# nginx's alias is a prefix), would send OUT/target if pypi-fcgi named the
# listed path. Only pypi-fcgi's check at the request stands in the way (see
# swap_settle).

# swap_tree DIR OUT: builds the tree; prints what failed.
swap_tree() {
    local d=$1 out=$2 t
    mkdir -p "$d/foo" "$d/store/sub" "$d/bar" "$out" || return 1
    t=$(python3 "$E2E_LIB_DIR/mkdist.py" sdist --out "$d/store/sub" --name foo --version 2.0 2>&1) || { echo "$t"; return 1; }
    mv "$t" "$d/store/sub/target" && ln -s ../store/sub/target "$d/foo/foo-2.0.tar.gz" || return 1
    python3 "$E2E_LIB_DIR/mkdist.py" wheel --out "$d/bar" --name bar --version 1.0 >/dev/null || return 1
    echo "outside the root" >"$out/target"
}

# swap_settle DIR: waits until no directory under DIR has changed for 2.2 s.
# The index reads a directory again on the next request while it changed
# less than 2 s before it was read (RACY_NSEC in src/index.c), and that
# reading would leave the swapped link out by itself: the reproduction is of
# a listing that is no longer read again, the state a tree is in most of the
# time. This waits for a state of the files; it measures nothing.
swap_settle() {
    python3 - "$1" <<'EOF'
import os, sys, time
newest = max(os.stat(d).st_ctime_ns for d, _, _ in os.walk(sys.argv[1]))
left = newest + 2_200_000_000 - time.time_ns()
if left > 0:
    time.sleep(left / 1e9)
EOF
}

# swap_checks LABEL BASE DIR OUT LOG WHY USER:PASSWORD: against a server at
# BASE (no trailing slash) whose pypi-fcgi serves DIR: the link is listed
# and downloads while it stays inside; after the swap the download is 404,
# never OUT's bytes, and LOG (where the server writes pypi-fcgi's request
# lines) gets a line saying WHY. The tree is put back at the end.
swap_checks() {
    local label=$1 base=$2 d=$3 out=$4 log=$5 why=$6 cred=$7 tmp=$E2E_TMP/swap code
    # The first listing writes the records (DIR/foo/.pypi-fcgi/); the one
    # after the wait is read from the settled tree.
    fetch "$base/simple/foo/" "$tmp-page" -u "$cred" >/dev/null
    swap_settle "$d"
    code=$(fetch "$base/simple/foo/" "$tmp-page" -u "$cred")
    if [ "$code" = 200 ] && grep -q 'foo-2\.0\.tar\.gz#sha256=' "$tmp-page.body"; then
        pass "$label: a link that stays inside the root is listed"
    else
        fail "$label: a link that stays inside the root is listed" "status $code"
    fi
    code=$(fetch "$base/packages/foo/foo-2.0.tar.gz" "$tmp-in" -u "$cred")
    if [ "$code" = 200 ] && cmp -s "$tmp-in.body" "$d/store/sub/target"; then
        pass "$label: ... and downloads (200, its target's bytes)"
    else
        fail "$label: ... and downloads (200, its target's bytes)" "status $code" "$(cat "$tmp-in.hdr")"
    fi
    if ! { mv "$d/store/sub" "$d/store/sub.old" && ln -s "$out" "$d/store/sub"; }; then
        fail "$label: store/sub swapped for a link to $out"
        return
    fi
    code=$(fetch "$base/packages/foo/foo-2.0.tar.gz" "$tmp-out" -u "$cred")
    if [ "$code" = 404 ] && ! cmp -s "$tmp-out.body" "$out/target"; then
        pass "$label: once store/sub is a link out of the root, the download is 404"
    else
        fail "$label: once store/sub is a link out of the root, the download is 404" \
            "status $code$(cmp -s "$tmp-out.body" "$out/target" && echo ' WITH THE FILE FROM OUTSIDE THE ROOT')"
    fi
    check "$label: pypi-fcgi logged why" \
        wait_for_log "$log" "GET /packages/foo/foo-2\.0\.tar\.gz: foo/foo-2\.0\.tar\.gz cannot be (sent|opened): $why" 3
    rm -f "$d/store/sub" && mv "$d/store/sub.old" "$d/store/sub"
}
