#!/bin/bash
# SPDX-License-Identifier: MIT
# check-refs.sh: every reference to documentation resolves inside the repository.
#
# Usage: scripts/check-refs.sh [TOP]   (default: the tree this script is in)
#
# It reads the text files of src/, tests/, bench/, contrib/, man/, scripts/,
# fuzz/ and docs/, and README, and fails (exit 1, one line per problem) when
#  - a cited docs/PATH does not exist;
#  - a citation in the form  docs/FILE.md, section "TITLE"  names a TITLE that
#    is no heading of FILE (the title is the heading's text without its
#    leading number, e.g. "Ordering" for "### 5.3 Ordering" or "Ordering");
#    the form is kept on one line so that it can be checked, and a citation
#    split after the comma or after "section" is itself a problem;
#  - a citation by number, docs/FILE.md N (the form older comments use),
#    names a section number that no heading of FILE has; such a citation
#    is also reported as a note, since the titled form is the one to use;
#  - anything cites the notes that were kept beside the project while it
#    was written (their names are in the pattern below, spelled so that this
#    file does not match it): what the code relies on is in docs/.
# This script is left out of the scan: its comments name the forms.
set -uo pipefail
top=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$top" || exit 2
self=scripts/check-refs.sh

# Files outside the repository that nothing may cite.
outside='PROTOCOLS[.]md|DEPLOY[-]NOTES|DESIGN[.]md|STYLE[.]md|[.][.]/shared|/work/shared'
# A path below docs/: letters, digits, '.', '_', '-' and '/'; never ending in
# '.' (the end of a sentence), and no placeholder such as docs/<file>.md.
path='docs/[A-Za-z0-9_-][A-Za-z0-9_./-]*[A-Za-z0-9_-]'

files=()
while IFS= read -r -d '' f; do
    f=${f#./}
    [ "$f" = "$self" ] || files+=("$f")
done < <(find ./src ./tests ./bench ./contrib ./man ./scripts ./fuzz ./docs ./README ./README.md \
    \( -path ./fuzz/corpus -o -path ./fuzz/crashes -o -path ./fuzz/run \) -prune -o -type f -print0 2>/dev/null)

problems=0
problem() {
    echo "$1"
    problems=$((problems + 1))
}

# The heading titles of a Markdown file, one per line, without the '#'s and
# without a leading section number ("5.", "5.3").
titles() {
    sed -n 's/^#\{1,6\} \{1,\}//p' "$1" | sed 's/^[0-9][0-9.]* \{1,\}//; s/ *#* *$//'
}
# The section numbers of a Markdown file's headings ("5", "5.3").
numbers() {
    sed -n 's/^#\{1,6\} \{1,\}\([0-9][0-9.]*\) .*/\1/p' "$1" | sed 's/\.$//'
}

# scan PATTERN: FILE:LINE:MATCH for each match in a text file (-I skips
# binary files; -H names the file even when there is one).
scan() {
    grep -HInoE "$1" "${files[@]}"
}

# (b) citations of files outside the repository.
while IFS=: read -r f line name; do
    problem "$f:$line: cites $name, a file outside the repository"
done < <(scan "$outside")

# (a) every docs/PATH exists.
while IFS=: read -r f line ref; do
    ref=docs/${ref#*docs/}
    [ -e "$ref" ] || problem "$f:$line: $ref does not exist"
done < <(scan "(^|[^A-Za-z0-9_./-])$path")

# (c) docs/FILE.md, section "TITLE": TITLE is a heading of FILE.
while IFS=: read -r f line cite; do
    doc=${cite%%,*}
    title=${cite#*\"}
    title=${title%\"}
    [ -f "$doc" ] || continue # reported above
    titles "$doc" | grep -qxF -- "$title" || problem "$f:$line: $doc has no section \"$title\""
done < <(scan "$path\.md, section \"[^\"]+\"")
# A citation whose title is not on its line cannot be checked.
while IFS=: read -r f line cite; do
    problem "$f:$line: a section citation split across lines ($cite)"
done < <(scan "$path\.md,( section *(\"[^\"]*)?)?$")

# (c') docs/FILE.md N: a heading of FILE has number N.
while IFS=: read -r f line cite; do
    doc=${cite%% *}
    num=${cite##* }
    [ -f "$doc" ] || continue
    if numbers "$doc" | grep -qxF -- "$num"; then
        echo "note: $f:$line: $cite cites a section by number; the form to use is $doc, section \"TITLE\""
    else
        problem "$f:$line: $doc has no section numbered $num"
    fi
done < <(scan "$path\.md [0-9]+(\.[0-9]+)*")

if [ "$problems" -eq 0 ]; then
    echo "references: ${#files[@]} files, every docs/ reference resolves"
    exit 0
fi
echo "references: $problems problem(s)"
exit 1
