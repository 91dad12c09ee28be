#!/usr/bin/env bash
# The kernel lane: runs a command inside Debian's linux-image-amd64 under
# qemu-system-x86_64 -accel tcg, with the host root shared read-only over
# 9p, and exits with the command's status.
#   ci/kernel/run.sh [--timeout SEC] BUILD_DIR -- COMMAND [ARG...]
# Everything it writes is under BUILD_DIR/kernel: the initramfs, the
# serial console log (console.log) and the writable share (share/) that
# brings the command's output and status back. qemu is killed after
# --timeout seconds (default 300, env IKEC_KERNEL_TIMEOUT).
set -euo pipefail

timeout_s=${IKEC_KERNEL_TIMEOUT:-300}
if [ "${1:-}" = --timeout ]; then
	timeout_s=$2
	shift 2
fi
[ $# -ge 3 ] && [ "$2" = -- ] || {
	echo "usage: ci/kernel/run.sh [--timeout SEC] BUILD_DIR -- COMMAND [ARG...]" >&2
	exit 2
}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$1/kernel"
kdir=$(cd "$1/kernel" && pwd)
shift 2
t0=$(date +%s.%N)

say() { echo "kernel lane: $*"; }

# the kernel: the newest installed version that has both modules and an image
kver=
for v in $(ls /lib/modules 2>/dev/null | sort -V); do
	[ -r "/boot/vmlinuz-$v" ] && [ -f "/lib/modules/$v/modules.dep" ] && kver=$v
done
[ -n "$kver" ] || { say "no kernel in /lib/modules with /boot/vmlinuz-VERSION (install linux-image-amd64: make deps)"; exit 2; }
command -v qemu-system-x86_64 >/dev/null || { say "qemu-system-x86_64 is missing (qemu-system-x86: make deps)"; exit 2; }

initrd="$kdir/initramfs-$kver.cpio.gz"
if [ ! -s "$initrd" ] || [ "$here/init" -nt "$initrd" ] || [ "$here/mkinitramfs.sh" -nt "$initrd" ]; then
	"$here/mkinitramfs.sh" "$kver" "$initrd"
fi

share="$kdir/share"
log="$kdir/console.log"
rm -rf "$share" "$log"
mkdir -p "$share"
{
	echo "# written by ci/kernel/run.sh"
	printf '%q ' "$@"
	echo
} > "$share/cmd"
pwd > "$share/cwd"

say "linux $kver under qemu (tcg), timeout ${timeout_s} s; console in $log"
rc=0
# timeout(1) leaves the terminal's process group: an interrupted run must
# take qemu down itself
timeout -k 10 "$timeout_s" qemu-system-x86_64 \
	-accel tcg -cpu max -smp "$(nproc)" -m 1536 \
	-nodefaults -no-user-config -display none -monitor none -net none -no-reboot \
	-serial "file:$log" \
	-kernel "/boot/vmlinuz-$kver" -initrd "$initrd" \
	-append "console=ttyS0 panic=-1 loglevel=4 rdinit=/init ikec_script=$here/inner.sh ikec_out=$share" \
	-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
	-virtfs "local,path=$share,mount_tag=ikecout,security_model=none,multidevs=remap" &
qpid=$!
trap 'kill -TERM "$qpid" 2>/dev/null; wait "$qpid"; say "interrupted; qemu stopped"; exit 130' INT TERM HUP
wait "$qpid" || rc=$?
trap - INT TERM HUP
t1=$(date +%s.%N)

[ -f "$share/output" ] && cat "$share/output"
total=$(awk "BEGIN{print $t1 - $t0}")
boot=$(cat "$share/boot-seconds" 2>/dev/null || echo "?")
if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
	say "TIMEOUT: qemu was killed after ${timeout_s} s; the console's last lines:"
	tail -n 30 "$log" | sed 's/^/  | /'
	exit 124
fi
if [ "$rc" != 0 ]; then
	say "qemu failed (exit $rc); the console's last lines:"
	tail -n 30 "$log" | sed 's/^/  | /'
	exit 1
fi
if [ ! -s "$share/status" ]; then
	say "the VM ended without a status; the console's last lines:"
	tail -n 30 "$log" | sed 's/^/  | /'
	exit 1
fi
st=$(cat "$share/status")
printf 'kernel lane: linux %s, up after %s s (guest clock), total %.1f s, exit %s\n' \
	"$kver" "$boot" "$total" "$st"
exit "$st"
