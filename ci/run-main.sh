#!/bin/sh
# The main job of `make run`: the smoke suite (suites/smoke.yaml) against
# strongSwan and ourselves in namespaces, two workers, with its JUnit report
# (out/junit.xml) and its HTML page (out/report.html, `ike-conform
# report`), artifacts per case (out/smoke/) and fuzzing seeds
# (out/seeds/); then every bundled capture and raw datagram decoded with
# `ike-conform decode` (trees under out/decode/). Fails when a smoke case
# fails or a capture that should decode does not.
set -u
bin=$1
vectors=$2
top=${OUT:-out}
out=$top/decode
mkdir -p "$out"

smoke=0 page=0
rm -rf "$top/smoke" "$top/seeds" "$top/junit.xml" "$top/report.html"
"$bin" suites/smoke.yaml -j 2 --junit "$top/junit.xml" --out "$top/smoke" --seeds "$top/seeds" ||
	smoke=$?
# the page of the report, whatever the cases did (a failure is on it too)
if [ -f "$top/junit.xml" ]; then
	"$bin" report -o "$top/report.html" "$top/junit.xml" || page=$?
fi

if [ ! -d "$vectors" ]; then
	echo "make run: $vectors is absent; nothing to decode" >&2
	exit 3
fi

keys="$vectors/pcaps/wireshark_ikev1_decryption_table.txt"
ok=0 bad=0 expected_bad=0
for f in "$vectors"/pcaps/*.pcap "$vectors"/pcaps/*.cap "$vectors"/pcaps/libreswan/*.pcap \
	 "$vectors"/ike-scan_packets/*.dat; do
	[ -f "$f" ] || continue
	name=$(basename "$f")
	set -- "$f"
	[ -f "$keys" ] && set -- --keys "$keys" "$f"
	if "$bin" decode "$@" >"$out/$name.txt" 2>"$out/$name.err"; then
		ok=$((ok + 1))
		status=ok
	else
		case "$name" in
		ipsec-ikev1-payload-bad-length.pcap | ipsec-ikev1-zero-length.pcap | pkt-malformed.dat)
			expected_bad=$((expected_bad + 1))
			status="malformed, as expected: $(head -n 1 "$out/$name.err")" ;;
		*)
			bad=$((bad + 1))
			status="FAILED: $(head -n 1 "$out/$name.err")" ;;
		esac
	fi
	printf '%-48s %s\n' "$name" "$status"
done
echo "make run: $ok decoded, $expected_bad malformed as expected, $bad failed; trees in $out/"
[ "$smoke" -eq 0 ] || echo "make run: the smoke cases failed (exit $smoke)"
[ "$page" -eq 0 ] || echo "make run: the HTML report was not written (exit $page)"
[ "$bad" -eq 0 ] && [ "$smoke" -eq 0 ] && [ "$page" -eq 0 ]
