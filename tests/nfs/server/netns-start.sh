#!/bin/sh
# SPDX-License-Identifier: MIT
# netns-start.sh SERVERDIR: starts the NFS server side of the bed. Run by
# bed.sh inside the bed's network namespace and a private mount namespace
# (unshare -m), so that its tmpfs over /run and /var/lib/nfs hide nothing of
# the host's. Starts rpcbind, rpc.statd and nfs-ganesha in the foreground
# (each in the background here), writing each one's pid to SERVERDIR/*.pid.
# nfs-ganesha runs in a loop: when it dies (4.3 has been seen to segfault
# under concurrent uploads of one name from two clients) it is started again
# after a second and SERVERDIR/restarts.log gets a line, for the suite to report.
S=$1
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /var/lib/nfs
mkdir -p /run/ganesha /run/rpcbind /run/lock /var/lib/nfs/sm /var/lib/nfs/sm.bak /var/lib/nfs/ganesha
rpcbind -f -w </dev/null >"$S/rpcbind.out" 2>&1 &
echo $! >"$S/rpcbind.pid"
# The lock manager registers with rpcbind when nfs-ganesha starts: started
# before rpcbind answers, NFSv3 clients get ENOLCK for every lock.
i=0
until rpcinfo -p 127.0.0.1 >/dev/null 2>&1 || [ $i -ge 100 ]; do sleep 0.1; i=$((i + 1)); done
rpc.statd -F --no-notify </dev/null >"$S/statd.out" 2>&1 &
echo $! >"$S/statd.pid"
(
    trap 'kill "$g" 2>/dev/null; exit 0' TERM
    while :; do
        ganesha.nfsd -F -L "$S/ganesha.log" -f "$S/ganesha.conf" -N NIV_EVENT -p "$S/ganesha.pid" &
        g=$!
        wait "$g"
        rc=$?
        echo "$(date -u '+%F %T') ganesha.nfsd (pid $g) exited with status $rc; started again" >>"$S/restarts.log"
        sleep 1
    done
) </dev/null >/dev/null 2>&1 &
echo $! >"$S/loop.pid"
i=0
while [ ! -s "$S/ganesha.pid" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
i=0
until rpcinfo -p 127.0.0.1 2>/dev/null | grep -q nlockmgr || [ $i -ge 200 ]; do sleep 0.1; i=$((i + 1)); done
