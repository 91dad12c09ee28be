#!/bin/sh
# Builds the kernel lane's initramfs: a static busybox, the modules that
# reach the host root over 9p (virtio_pci, 9pnet_virtio, 9p and what they
# depend on, in load order) and ci/kernel/init as /init.
#   ci/kernel/mkinitramfs.sh KVER OUT.cpio.gz
# KVER is a version under /lib/modules (run.sh takes it from `ls`).
set -eu

kver=$1
out=$2
here=$(cd "$(dirname "$0")" && pwd)
busybox=/bin/busybox
[ -x "$busybox" ] || { echo "mkinitramfs: no $busybox (busybox-static)" >&2; exit 2; }
if ldd "$busybox" >/dev/null 2>&1; then
	echo "mkinitramfs: $busybox is dynamically linked (install busybox-static)" >&2
	exit 2
fi

work="$out.d"
rm -rf "$work"
mkdir -p "$work/bin" "$work/lib/modules" "$work/proc" "$work/sys" "$work/dev" "$work/newroot"
cp "$busybox" "$work/bin/busybox"
ln -s busybox "$work/bin/sh"
cp "$here/init" "$work/init"
chmod 0755 "$work/init"

# `modprobe --show-depends` lists what to load, dependencies first, as
# "insmod PATH" lines; built-in modules show as "builtin NAME".
: > "$work/modules"
for m in virtio_pci 9pnet_virtio 9p; do
	modprobe -S "$kver" --show-depends "$m" | while read -r kind path _; do
		[ "$kind" = insmod ] || continue
		name=$(basename "$path")
		case "$name" in
		*.ko.xz) xz -dc "$path" > "$work/lib/modules/${name%.xz}"; name=${name%.xz} ;;
		*.ko.zst) zstd -qdc "$path" > "$work/lib/modules/${name%.zst}"; name=${name%.zst} ;;
		*.ko.gz) gzip -dc "$path" > "$work/lib/modules/${name%.gz}"; name=${name%.gz} ;;
		*) cp "$path" "$work/lib/modules/$name" ;;
		esac
		grep -qx "$name" "$work/modules" || echo "$name" >> "$work/modules"
	done
done
[ -s "$work/modules" ] || { echo "mkinitramfs: no modules found for $kver" >&2; exit 2; }

(cd "$work" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) | gzip -9 > "$out.tmp"
mv "$out.tmp" "$out"
rm -rf "$work"
