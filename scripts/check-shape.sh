#!/bin/bash
# SPDX-License-Identifier: MIT
# check-shape.sh: the size limits docs/internals.md sets for src/: no file
# over MAX_FILE lines, and no function over MAX_FUNC lines unless a comment
# just above it, or on the first line of its body, says why it is long (the
# word "long" in it). Functions are found the way the house style writes
# them: the signature starts in column 0 and the body's braces sit alone in
# column 0. Prints one line per breach and exits 1 if there is any.
#
#   scripts/check-shape.sh [DIR]     # default: src/ of this tree
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-$top/src}
MAX_FILE=${MAX_FILE:-800}
MAX_FUNC=${MAX_FUNC:-80}
bad=0
for f in "$dir"/*.c "$dir"/*.h; do
    [ -e "$f" ] || continue
    n=$(wc -l <"$f")
    if [ "$n" -gt "$MAX_FILE" ]; then
        echo "${f#"$top"/}: $n lines (more than $MAX_FILE)"
        bad=1
    fi
done
for f in "$dir"/*.c; do
    [ -e "$f" ] || continue
    awk -v max="$MAX_FUNC" -v file="${f#"$top"/}" '
        # Remember the last lines of comment text and the signature.
        /^\{$/ && sig != "" { start = NR; body = 1; why = (recent ~ /[Ll]ong/); next }
        body && NR == start + 1 && /^[ \t]*\/[*\/]/ { if ($0 ~ /[Ll]ong/) why = 1 }
        body && /^\}/ {
            len = NR - start - 1
            if (len > max && !why) {
                printf "%s:%d: %s is %d lines (more than %d) with no comment saying why\n", file, start, name, len, max
                bad = 1
            }
            body = 0; sig = ""; recent = ""; next
        }
        body { next }
        /^[A-Za-z_].*\(/ && !/;[ \t]*$/ && !/^(typedef|struct [a-z_]+ \{|enum|#)/ {
            sig = $0; name = $0; sub(/\(.*/, "", name); sub(/.*[ *]/, "", name); next
        }
        /^[ \t]*(\/\*|\*|\/\/)/ { recent = recent " " $0; next }
        /^$/ { recent = ""; sig = ""; next }
        sig != "" { next }
        { recent = "" }
        END { exit bad }
    ' "$f" || bad=1
done
exit $bad
