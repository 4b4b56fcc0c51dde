#!/usr/bin/env bash
# The manual pages (man/): each renders with groff without a warning, and
# every long option that a command's --help prints appears in its page.

set -euo pipefail

case ${1:-} in
'') ;;
-h | --help)
	cat <<'USAGE'
Usage: tests/manpages.sh

A make check test. For every page man/*.[15] of $top_srcdir:
  1. groff -man -wall -z must print nothing (no warning, no error);
  2. the page rendered as text (groff -Tascii, no hyphenation) must name
     every long option (--name) that the --help of its commands prints:
       ptbench.1        ptbench --help, ptbench plan --help and
                        ptbench run BENCH --help for each of ptbench list
       ptstat.1         ptstat --help and ptstat COMMAND --help for each
                        command of ptstat --help's "Commands:"
       ptbench-NAME.1   runners/NAME.sh --help
       ptbench-suite.5  ptbench plan --help's suite keywords
       ptbench-results.5  the schema names of results/README.md
Each runner installed as ptbench-NAME (PT_RUNNER_COMMANDS of Makefile.am)
must have its page, and every page must be checked by one of the rules
above.
Exits 77 (skip) when groff is not installed.
USAGE
	exit 0
	;;
*)
	printf 'manpages.sh: unknown argument %s (see --help)\n' "'$1'" >&2
	exit 2
	;;
esac

if [ -z "${top_srcdir:-}" ]; then
	top_srcdir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
fi
. "$top_srcdir/tests/lib.sh"

if ! command -v groff >/dev/null 2>&1; then
	skip "groff is not installed (Debian package groff)"
fi
: "${PTBENCH:?set PTBENCH (make check does)}"
: "${PTSTAT:?set PTSTAT (make check does)}"
pt_tmpdir

man=$top_srcdir/man
# The runners installed as ptbench-NAME: Makefile.am's PT_RUNNER_COMMANDS.
read -r -a runners <<<"$(sed -n 's/^PT_RUNNER_COMMANDS = //p' "$top_srcdir/Makefile.am")"
[ "${#runners[@]}" -ge 5 ] ||
	fail "Makefile.am: PT_RUNNER_COMMANDS names ${#runners[@]} runners (want at least 5)"

# long_options FILE: the long options (--name) in FILE, one per line, sorted.
long_options() {
	grep -oE -- '--[a-z][a-z0-9]*(-[a-z0-9]+)*' "$1" | sort -u || true
}

# render PAGE: the page as plain text, no hyphenation, in $T/page.txt.
render() {
	groff -man -Tascii -rHY=0 -rLL=200n -P-cbou "$1" >"$T/page.txt" 2>"$T/render.err" ||
		fail "${1##*/}: groff -Tascii failed: $(head -n 3 "$T/render.err")"
}

# need_words PAGE WHAT FILE: every line of FILE (a word) appears in the
# rendered PAGE, not as the start of a longer word.
need_words() {
	local page=$1 what=$2 words=$3 w n=0
	local -a missing=()
	while IFS= read -r w; do
		[ -n "$w" ] || continue
		n=$((n + 1))
		if ! grep -qE -- "(^|[^a-z0-9-])${w}([^a-z0-9-]|\$)" "$T/page.txt"; then
			missing+=("$w")
		fi
	done <"$words"
	[ "$n" -gt 0 ] || fail "${page##*/}: no word to look for in $what"
	if [ "${#missing[@]}" -gt 0 ]; then
		fail "${page##*/}: missing what $what prints: ${missing[*]}"
	fi
	pass "${page##*/}: all $n of $what"
}

# 1. groff -wall: no warning on any page.
pages=()
for p in "$man"/*.1 "$man"/*.5; do
	[ -f "$p" ] && pages+=("$p")
done
[ "${#pages[@]}" -ge 9 ] || fail "only ${#pages[@]} pages in $man (want at least 9)"
for p in "${pages[@]}"; do
	groff -man -wall -z "$p" >"$T/warn" 2>&1 || true
	if [ -s "$T/warn" ]; then
		_pt_show "$T/warn"
		fail "${p##*/}: groff -man -wall printed warnings"
	fi
done
pass "groff -man -wall: no warning on ${#pages[@]} pages"

declare -A checked=()

# 2. ptbench(1).
{
	"$PTBENCH" --help
	"$PTBENCH" plan --help
	"$PTBENCH" list | awk '{ print $1 }' | while IFS= read -r b; do
		"$PTBENCH" run "$b" --help
	done
} >"$T/help" 2>&1 || fail "ptbench --help failed: $(tail -n 3 "$T/help")"
long_options "$T/help" >"$T/opts"
render "$man/ptbench.1"
need_words "$man/ptbench.1" "the long options of ptbench's --help outputs" "$T/opts"
# A section per benchmark.
"$PTBENCH" list | awk '{ print $1 }' >"$T/benches"
while IFS= read -r b; do
	grep -qE "^ {0,3}${b}\$" "$T/page.txt" ||
		fail "ptbench.1: no section (.SS) for the benchmark $b"
done <"$T/benches"
pass "ptbench.1: a section per benchmark ($(wc -l <"$T/benches"))"
checked[ptbench.1]=1

# 3. ptstat(1): every command of ptstat --help.
"$PTSTAT" --help >"$T/help" 2>&1 || fail "ptstat --help failed"
awk '/^Commands:/ { on = 1; next } on && /^$/ { exit } on && /^  [a-z]+ / { print $1 }' \
	"$T/help" >"$T/commands"
[ "$(wc -l <"$T/commands")" -ge 10 ] ||
	fail "ptstat --help lists only $(wc -l <"$T/commands") commands"
while IFS= read -r c; do
	"$PTSTAT" "$c" --help >>"$T/help" 2>&1 || fail "ptstat $c --help failed"
done <"$T/commands"
long_options "$T/help" >"$T/opts"
render "$man/ptstat.1"
need_words "$man/ptstat.1" "the long options of ptstat's --help outputs" "$T/opts"
while IFS= read -r c; do
	grep -qE "^ {0,7}ptstat ${c}( |\$)" "$T/page.txt" ||
		fail "ptstat.1: the command $c has no entry"
done <"$T/commands"
pass "ptstat.1: every command ($(wc -l <"$T/commands")) has its entry"
checked[ptstat.1]=1

# 4. The runners.
for r in "${runners[@]}"; do
	page=$man/ptbench-$r.1
	[ -f "$page" ] || fail "runners/$r.sh (installed as ptbench-$r) has no page $page"
	bash "$top_srcdir/runners/$r.sh" --help >"$T/help" 2>&1 ||
		fail "runners/$r.sh --help failed: $(tail -n 3 "$T/help")"
	long_options "$T/help" >"$T/opts"
	render "$page"
	need_words "$page" "the long options of runners/$r.sh --help" "$T/opts"
	checked[ptbench-$r.1]=1
done

# 5. The suite format: the keywords and tokens of ptbench plan --help.
printf '%s\n' include reps rounds @ALL @SWEEP kernbench >"$T/words"
"$PTBENCH" plan --help >"$T/help" 2>&1
for w in include reps rounds @ALL @SWEEP; do
	grep -qF -- "$w" "$T/help" || fail "ptbench plan --help no longer names $w: update this test"
done
render "$man/ptbench-suite.5"
need_words "$man/ptbench-suite.5" "the suite keywords" "$T/words"
checked[ptbench-suite.5]=1

# 6. The result schemas: every schema name of results/README.md.
grep -oE '"?ptbench(-[a-z]+)?/[0-9]+' "$top_srcdir/results/README.md" | tr -d '"' |
	sort -u >"$T/words"
render "$man/ptbench-results.5"
need_words "$man/ptbench-results.5" "the schema names of results/README.md" "$T/words"
checked[ptbench-results.5]=1

for p in "${pages[@]}"; do
	[ -n "${checked[${p##*/}]:-}" ] || fail "${p##*/}: no rule of this test checks it"
done
pass "every page is checked"
