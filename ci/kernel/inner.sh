#!/bin/sh
# PID 1 inside the lane's VM, after switch_root into the host root (shared
# read-only). Runs $IKEC_OUT/cmd (written by run.sh) with its output in
# $IKEC_OUT/output and its exit status in $IKEC_OUT/status, then powers off.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/tmp LANG=C.UTF-8
out=${IKEC_OUT:?}
uptime_s() { cut -d' ' -f1 /proc/uptime; }

echo "ikec-inner: up after $(uptime_s) s, kernel $(uname -r)"
echo "$(uptime_s)" > "$out/boot-seconds"
ip link set lo up
# what the tests need, loaded before they start (the rest autoloads)
modprobe -a esp4 xfrm_user xfrm4_tunnel veth nf_tables tun 2>&1
sysctl -qw kernel.printk="3 4 1 3"

cd "$(cat "$out/cwd")" || cd /
# in the background, so that this PID 1 reaps orphans while it waits
sh "$out/cmd" > "$out/output" 2>&1 &
pid=$!
while :; do
	wait "$pid"
	st=$?
	kill -0 "$pid" 2>/dev/null || break
done
echo "$st" > "$out/status.tmp" && mv "$out/status.tmp" "$out/status"
echo "ikec-inner: the command exited with $st after $(uptime_s) s"
sync
umount "$out" 2>/dev/null
echo o > /proc/sysrq-trigger
# builtins only: the power-off takes the 9p root (and so exec) away
while :; do :; done
