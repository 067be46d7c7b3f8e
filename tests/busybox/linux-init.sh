#!/bin/busybox sh
# /init of the initramfs that runs busybox's suites on Debian's Linux.
/bin/busybox --install -s /bin
export PATH=/bin
mkdir -p /proc /sys /dev /tmp
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
hostname cellux-baseline
# The host names the groups to run, one guest-run.sh argument a line.
sh /bb/guest-run.sh $(cat /bb/args)
sync
poweroff -f
