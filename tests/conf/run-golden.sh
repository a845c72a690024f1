#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# Golden configuration tests for gripd.conf(5).
#
#   run-golden.sh GRIPD [CASE...]
#
# tests/conf/valid/NAME/     gripd.conf [+ sites.d/, keys/], expected.out:
#                            `gripd -n -v -f gripd.conf` must print expected.out,
#                            exit 0, and expected.out must parse back to itself.
# tests/conf/invalid/NAME/   gripd.conf [+ ...], expected.err:
#                            `gripd -n -f gripd.conf` must print exactly
#                            expected.err on stderr and exit 78 (EX_CONFIG).
#
# Every case runs from inside its directory so diagnostics name files the way
# a user in /etc/gripd would see them.  git keeps no modes but the x bit, so
# every key file is chmod 600 first, then a case's optional `perms` file
# ("keys/x.psk 0644" per line) sets the modes the case needs.
set -u

gripd=${1:?usage: run-golden.sh GRIPD [CASE...]}
shift
case $gripd in /*) ;; *) gripd=$PWD/$gripd ;; esac
here=$(cd "$(dirname "$0")" && pwd)
pass=0
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

prepare() {
	local dir=$1
	find "$dir" -path '*/keys/*' -type f -exec chmod 600 {} +
	if [ -f "$dir/perms" ]; then
		while read -r file mode; do
			[ -n "$file" ] && chmod "$mode" "$dir/$file"
		done <"$dir/perms"
	fi
}

ok() { pass=$((pass + 1)); }
bad() {
	fail=$((fail + 1))
	echo "FAIL: $1"
}

run_valid() {
	local dir=$1 name rc
	name=valid/$(basename "$dir")
	prepare "$dir"
	(cd "$dir" && "$gripd" -n -v -f gripd.conf >"$tmp/out" 2>"$tmp/err")
	rc=$?
	if [ $rc -ne 0 ]; then
		bad "$name: exit status $rc, expected 0"
		cat "$tmp/err"
		return
	fi
	if ! diff -u "$dir/expected.out" "$tmp/out"; then
		bad "$name: normalized output differs"
		return
	fi
	# the normalized output must be a fixed point; parse it where the case
	# lives so relative key paths still resolve
	cp "$dir/expected.out" "$dir/.reparse.conf"
	(cd "$dir" && "$gripd" -n -v -f .reparse.conf >"$tmp/out2" 2>"$tmp/err2")
	rc=$?
	rm -f "$dir/.reparse.conf"
	if [ $rc -ne 0 ]; then
		bad "$name: re-parsing expected.out failed ($rc)"
		cat "$tmp/err2"
		return
	fi
	if ! diff -u "$dir/expected.out" "$tmp/out2"; then
		bad "$name: expected.out does not parse back to itself"
		return
	fi
	ok
}

run_invalid() {
	local dir=$1 name rc
	name=invalid/$(basename "$dir")
	prepare "$dir"
	(cd "$dir" && "$gripd" -n -f gripd.conf >"$tmp/out" 2>"$tmp/err")
	rc=$?
	if [ $rc -ne 78 ]; then
		bad "$name: exit status $rc, expected 78"
		cat "$tmp/err"
		return
	fi
	if ! diff -u "$dir/expected.err" "$tmp/err"; then
		bad "$name: diagnostics differ"
		return
	fi
	ok
}

# the shipped examples must stay valid
run_example() {
	local dir=$1 rc
	prepare "$dir"
	(cd "$dir" && "$gripd" -n -f gripd.conf >"$tmp/out" 2>"$tmp/err")
	rc=$?
	if [ $rc -ne 0 ] || [ -s "$tmp/err" ]; then
		bad "example $(basename "$dir"): exit status $rc"
		cat "$tmp/err"
		return
	fi
	ok
}

if [ $# -gt 0 ]; then
	cases=("$@")
else
	cases=("$here"/valid/*/ "$here"/invalid/*/)
	for ex in "$here"/../../etc/examples/*/; do
		[ -f "$ex/gripd.conf" ] && run_example "${ex%/}"
	done
fi
for c in "${cases[@]}"; do
	c=${c%/}
	case $c in /*) ;; *) c=$here/$c ;; esac
	case $c in
	*/valid/*) run_valid "$c" ;;
	*/invalid/*) run_invalid "$c" ;;
	esac
done
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
