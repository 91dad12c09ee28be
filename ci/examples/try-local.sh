#!/bin/sh
# The example pipelines' test and report steps, run here against the lab
# device of lab-device.sh: N shards one after the other with exactly the
# pipelines' flags, `ike-conform merge` and `ike-conform report` (the HTML
# page), then checks that the shards ran
# every case once and that the merged totals are the shards' sums. What it
# does not run: the CI runners, containers, artifact and publishing actions.
#   ci/examples/try-local.sh [--bin PATH] [--suites DIR] [--shards N] [--seed S] [SUITE...]
#     --bin     the ike-conform to run (default: ike-conform on PATH)
#     --suites  the folder of the suites (default /usr/share/ike-conform/suites,
#               the package's)
#     --shards  N (default 2)
#     --seed    the run's seed, as the pipelines' run id (default: the time)
#     SUITE     file names in that folder (default smoke.yaml hagle.yaml, the
#               first two of the pipelines' SUITES: ~100 s against the lab
#               device, nearly all of it hagle's 250 cases)
# As root (namespaces); needs strongSwan (lab-device.sh). Every shard must
# exit 0: the lab device is known to be good. The device, the reports and
# the artifacts are removed at the end, whatever happens.
# Exit status: 0 checks passed, 1 a check failed, 2 usage, 3 not root or a
# tool missing.
set -eu

prog=try-local.sh
here=$(cd "$(dirname "$0")" && pwd -P)
bin=ike-conform
suites=/usr/share/ike-conform/suites
shards=2
seed=$(date +%s)

usage() {
	echo "usage: $prog [--bin PATH] [--suites DIR] [--shards N] [--seed S] [SUITE...]" >&2
	exit 2
}
while [ $# -gt 0 ]; do
	case "$1" in
	--bin|--suites|--shards|--seed) [ $# -ge 2 ] || usage ;;
	-*) usage ;;
	*) break ;;
	esac
	case "$1" in
	--bin) bin=$2 ;;
	--suites) suites=$2 ;;
	--shards) shards=$2 ;;
	--seed) seed=$2 ;;
	esac
	shift 2
done
[ $# -gt 0 ] || set -- smoke.yaml hagle.yaml
case "$shards" in ''|*[!0-9]*|0) usage ;; esac
case "$seed" in ''|*[!0-9]*) usage ;; esac

if [ "$(id -u)" != 0 ]; then
	echo "$prog: needs root (the lab device and the runs' namespaces)" >&2
	exit 3
fi
# absolute paths: the steps run from the temporary folder, as a CI job
# runs from its checkout
case "$bin" in */*) bin=$(cd "$(dirname "$bin")" && pwd -P)/$(basename "$bin") ;; esac
command -v "$bin" >/dev/null 2>&1 || { echo "$prog: $bin not found" >&2; exit 3; }
suites=$(cd "$suites" && pwd -P) || exit 3
# "$@" becomes the suites' paths, in the order given
for s in "$@"; do
	case "$s" in */*) usage ;; esac
	[ -r "$suites/$s" ] || { echo "$prog: $suites/$s not found" >&2; exit 3; }
	set -- "$@" "$suites/$s"
	shift
done

tmp=$(mktemp -d /tmp/ikec-try-local-XXXXXX)
up=0
cleanup() {
	[ "$up" = 0 ] || "$here/lab-device.sh" down "$tmp/device" >/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

t0=$(date +%s)
# a key of this run's own; the profile reads it from the environment
IKEC_LAB_PSK=lab-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
export IKEC_LAB_PSK
up=1
"$here/lab-device.sh" up "$tmp/device" >/dev/null
profile=$tmp/device/device.yaml
cd "$tmp"
mkdir out

# attr FILE NAME: NAME="..." of the report's root element <testsuites>
# A count summed over a report's <testsuite> elements (skipped is only
# there: neither JUnit dialect allows it on <testsuites>).
attr() {
	v=$(grep -o '<testsuite [^>]*' "$1" | sed -n "s/.* $2=\"\([0-9]*\)\".*/\1/p" |
		awk '{ s += $1 } END { if (NR) print s }')
	[ -n "$v" ] || { echo "$prog: no $2 in the <testsuite>s of $1" >&2; exit 1; }
	echo "$v"
}
# A count on a report's <testsuites> root.
root_attr() {
	v=$(grep -m1 '<testsuites[ >]' "$1" | sed -n "s/.* $2=\"\([0-9]*\)\".*/\1/p")
	[ -n "$v" ] || { echo "$prog: no $2 in <testsuites> of $1" >&2; exit 1; }
	echo "$v"
}

# the test step, once per shard, flags as in the pipelines
failed=""
k=1
while [ "$k" -le "$shards" ]; do
	rc=0
	"$bin" run --peer remote --profile "$profile" \
		--shard "$k/$shards" -j 1 --seed "$seed" \
		--junit "out/shard-$k.xml" \
		--out "out/shard-$k" --seeds "out/seeds-$k" \
		"$@" >"out/shard-$k.log" 2>&1 || rc=$?
	tail -n 1 "out/shard-$k.log" | sed "s/^/$prog: shard $k\/$shards: /"
	if [ "$rc" != 0 ]; then
		grep -v ' pass\| skip' "out/shard-$k.log" | tail -n 30 >&2 || true
		failed="$failed $k (exit $rc)"
	fi
	k=$((k + 1))
done
[ -z "$failed" ] || { echo "$prog: shards failed:$failed" >&2; exit 1; }

# the report step
"$bin" merge -o out/ike-conform.xml out/shard-*.xml >/dev/null
"$bin" report -o out/report.html out/ike-conform.xml >/dev/null
grep -q 'id="verdict"' out/report.html || { echo "$prog: out/report.html has no verdict" >&2; exit 1; }

# no case lost or run twice: the shards' cases, by id, against the plan
"$bin" run --list --peer remote --profile "$profile" "$@" 2>/dev/null | sort >plan.txt
# (a case id is its testsuite's name, the group, and its own name)
cat out/shard-*.xml | awk '
	/<testsuite / { match($0, / name="[^"]*"/); s = substr($0, RSTART + 7, RLENGTH - 8) }
	/<testcase / { match($0, / name="[^"]*"/); print s "/" substr($0, RSTART + 7, RLENGTH - 8) }' |
	sort >ran.txt
if ! cmp -s plan.txt ran.txt; then
	echo "$prog: the shards' cases differ from the plan (< planned, > ran):" >&2
	diff plan.txt ran.txt | grep '^[<>]' | head -n 20 >&2 || true
	exit 1
fi
planned=$(wc -l <plan.txt)

# the merged totals are the shards' sums
for a in tests failures errors skipped; do
	sum=0
	for f in out/shard-*.xml; do sum=$((sum + $(attr "$f" "$a"))); done
	m=$(attr out/ike-conform.xml "$a")
	[ "$m" = "$sum" ] || { echo "$prog: merged $a=$m, the shards' sum is $sum" >&2; exit 1; }
	eval "total_$a=\$m"
	if [ "$a" != skipped ]; then
		r=$(root_attr out/ike-conform.xml "$a")
		[ "$r" = "$m" ] || { echo "$prog: merged root $a=$r, its suites' sum is $m" >&2; exit 1; }
	fi
done
# shellcheck disable=SC2154 # set by the eval above
{
	[ "$total_tests" = "$planned" ] ||
		{ echo "$prog: $total_tests cases in the reports, $planned planned" >&2; exit 1; }
	if [ "$total_failures" != 0 ] || [ "$total_errors" != 0 ]; then
		echo "$prog: failures or errors in the merged report" >&2
		exit 1
	fi
	passed=$((total_tests - total_skipped))
	echo "$prog: $total_tests cases in $shards shards, $passed passed, $total_skipped skipped," \
	     "merged report consistent, $(($(date +%s) - t0)) s (seed $seed)"
}
