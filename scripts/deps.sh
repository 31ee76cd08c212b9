#!/bin/bash
# SPDX-License-Identifier: MIT
# deps.sh: installs the Debian 12 packages pypi-fcgi needs to build, serve and test.
# Usage: scripts/deps.sh [build|serve|test|bench|nfs]...   (default: test)
# nfs: the multi-host NFS test bed of tests/nfs/ (a userspace NFS server and
# an emulated Linux guest as the NFS client), with what its suite runs.
set -euo pipefail

build=(build-essential autoconf automake pkg-config libfcgi-dev libssl-dev libarchive-dev libcrypt-dev libexpat1-dev libcurl4-openssl-dev libjansson-dev libxml2-dev check)
serve=(lighttpd curl)
test=(apache2-utils libfcgi-bin python3 python3-venv python3-pip-whl python3-setuptools-whl python3-wheel-whl spawn-fcgi valgrind twine
      apache2 libapache2-mod-fcgid libapache2-mod-xsendfile nginx-light wrk clang libclang-rt-14-dev systemd
      lighttpd-mod-openssl openssl python3-poetry)
bench=(wrk strace)
nfs=(nfs-ganesha nfs-ganesha-vfs nfs-common rpcbind qemu-system-x86 busybox-static socat lighttpd curl python3 python3-venv
     python3-pip-whl python3-setuptools-whl python3-wheel-whl apache2-utils)

want=()
[ $# -gt 0 ] || set -- test
for what in "$@"; do
    case $what in
    build) want+=("${build[@]}") ;;
    serve) want+=("${build[@]}" "${serve[@]}") ;;
    test) want+=("${build[@]}" "${serve[@]}" "${test[@]}") ;;
    bench) want+=("${build[@]}" "${serve[@]}" "${test[@]}" "${bench[@]}") ;;
    nfs) want+=("${nfs[@]}") ;;
    *) echo "deps.sh: unknown set '$what'" >&2; exit 2 ;;
    esac
done

missing=()
for p in "${want[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    echo "deps.sh: missing packages: ${missing[*]}; run as root or: sudo apt-get install ${missing[*]}" >&2
    exit 1
fi
echo "deps.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# The tests start their own web servers on free loopback ports: keep the
# packages' services from starting on the standard ports while installing.
policy=/usr/sbin/policy-rc.d
made_policy=0
if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && made_policy=1
fi
rc=0
apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || rc=$?
[ $made_policy = 1 ] && rm -f "$policy"
exit $rc
