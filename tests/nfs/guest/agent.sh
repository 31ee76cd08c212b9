#!/bin/sh
# SPDX-License-Identifier: MIT
# agent.sh CTL: runs each CTL/ID.job the host drops there, once, in the
# background; its output goes to ID.out and then its exit status to ID.rc
# (each written under another name first and renamed, so the host never
# reads half of one).
cd "$1" || exit 1
echo "ready $(cat /proc/uptime)" >ready.tmp && mv ready.tmp ready
while :; do
    for f in *.job; do
        [ -e "$f" ] || continue
        id=${f%.job}
        mv "$f" "$id.run" || continue
        (
            sh "$id.run" >"$id.out.tmp" 2>&1 </dev/null
            echo $? >"$id.rc.tmp"
            mv "$id.out.tmp" "$id.out"
            mv "$id.rc.tmp" "$id.rc"
        ) &
    done
    sleep 0.2
done
