#!/bin/sh
# Makes the file-system benchmark inputs under DIR (default: a new temp
# dir), printed on the last line:
#   DIR/rootfs/        busybox-static + applet links, tree/ (10,240 small
#                      files in 3 levels of directories), big (64 MiB)
#   DIR/rootfs.tar     the same as a rootfs tar, for `ninux run -r`
#   DIR/payload.tar.gz a ~20 MB tarball (incompressible data, 80 files)
# Everything is deterministic except the payload's bytes (urandom).
# Workloads (native first, then ninux; DIR as printed):
#   find:  busybox find DIR/rootfs/tree -type f | wc -l
#          ninux run -r DIR/rootfs.tar -- /bin/find /tree -type f | wc -l
#   cat:   busybox cat DIR/rootfs/big > /dev/null
#          ninux run -r DIR/rootfs.tar -- /bin/cat /big > /dev/null
#          ninux run -b DIR/rootfs:/data -- /bin/busybox cat /data/big > /dev/null
#   tar:   mkdir -p DIR/out && busybox tar xzf DIR/payload.tar.gz -C DIR/out
#          ninux run -r DIR/rootfs.tar -b DIR:/data -- /bin/sh -c 'mkdir /x && tar xzf /data/payload.tar.gz -C /x'
set -eu
dir=${1:-$(mktemp -d /tmp/ninux-bench-files.XXXXXX)}
bb=$(command -v busybox)
root=$dir/rootfs
mkdir -p "$root/bin" "$root/tmp"
cp "$bb" "$root/bin/busybox"
for a in sh find cat tar wc ls mkdir rm gzip; do ln -sf busybox "$root/bin/$a"; done
i=0
while [ $i -lt 16 ]; do
	j=0
	while [ $j -lt 16 ]; do
		d=$root/tree/d$i/e$j
		mkdir -p "$d"
		k=0
		while [ $k -lt 40 ]; do
			echo "file $i $j $k" > "$d/f$k"
			k=$((k + 1))
		done
		j=$((j + 1))
	done
	i=$((i + 1))
done
head -c 67108864 /dev/zero | tr '\0' 'x' > "$root/big"
tar -C "$root" -cf "$dir/rootfs.tar" .
mkdir -p "$dir/payload"
n=0
while [ $n -lt 80 ]; do
	head -c 262144 /dev/urandom > "$dir/payload/p$n"
	n=$((n + 1))
done
tar -C "$dir" -czf "$dir/payload.tar.gz" payload
rm -rf "$dir/payload"
echo "$dir"
