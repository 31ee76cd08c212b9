#!/bin/bash
# SPDX-License-Identifier: MIT
# bed.sh: the multi-host NFS test bed of pypi-fcgi (see README.md here).
#
#   bed.sh up              installs what is missing, starts the NFS server and boots the guest
#   bed.sh down            stops everything by its pid, removes mounts, namespace, links, route
#   bed.sh status          what of the bed is there
#   bed.sh sh 'CMD' [SECS] runs CMD in the guest (sh), prints its output, exits with its status
#   bed.sh probe           the filesystem semantics pypi-fcgi relies on, between /mnt/a and /mnt/b
#
# Sourced (BED_LIB=1 . bed.sh) it only defines the variables and functions.
#
# Environment (the same for up, down and the suite):
#   PF_NFS_WORK    the work directory (default /var/tmp/pypi-fcgi-nfs): the
#                  exported tree, the server's files, the guest's kernel and
#                  initramfs, the command channel. The guest learns it from the
#                  kernel command line.
#   PF_NFS_KERNEL  the Debian kernel package to boot (default: the one the
#                  linux-image-amd64 metapackage depends on)
#   PF_NFS_MEM     the guest's memory in MiB (default 2048)
#
# The network: namespace pfnfs-bed holds the NFS server (veth pfnfs-h <->
# pfnfs-n, 10.77.1.1 <-> 10.77.1.2) and the guest's tap device pfnfs-tap
# (10.77.0.1, the guest is 10.77.0.2); the host reaches the guest through a
# route via the namespace. No traffic leaves the host.

BED_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BED_TOP=$(cd "$BED_DIR/../.." && pwd)
W=${PF_NFS_WORK:-/var/tmp/pypi-fcgi-nfs}
BED_NS=pfnfs-bed
BED_VETH_HOST=pfnfs-h
BED_VETH_NS=pfnfs-n
BED_TAP=pfnfs-tap
BED_HOST_IP=10.77.1.1
BED_NS_IP=10.77.1.2
BED_SERVER_IP=10.77.0.1
BED_GUEST_IP=10.77.0.2
BED_GUEST_NET=10.77.0.0/24
BED_MODULES="virtio_pci virtio_net 9pnet_virtio 9p nfsv3 nfsv4 nfs"

bed_say() { echo "bed: $*" >&2; }

# bed_sh CMD [SECONDS]: runs CMD with sh in the guest (default limit 120 s);
# prints its output (stdout and stderr) and returns its status, 124 when it
# did not end in time (it may still be running in the guest then).
bed_sh() {
    local cmd=$1 limit=${2:-120} id i rc
    [ -e "$W/ctl/ready" ] || { echo "bed: the guest is not running"; return 125; }
    id=h$$-$RANDOM-$(date +%s%N)
    printf '%s\n' "$cmd" >"$W/ctl/$id.tmp" && mv "$W/ctl/$id.tmp" "$W/ctl/$id.job"
    for ((i = 0; i < limit * 20; i++)); do
        [ -e "$W/ctl/$id.rc" ] && break
        sleep 0.05
    done
    if [ ! -e "$W/ctl/$id.rc" ]; then
        echo "bed: the guest did not finish '$cmd' within $limit s"
        return 124
    fi
    cat "$W/ctl/$id.out"
    rc=$(cat "$W/ctl/$id.rc")
    rm -f "$W/ctl/$id.out" "$W/ctl/$id.rc" "$W/ctl/$id.run"
    return "$rc"
}

# bed_alive PIDFILE: the process named in PIDFILE runs.
bed_alive() {
    local p
    p=$(cat "$1" 2>/dev/null) || return 1
    [ -n "$p" ] && kill -0 "$p" 2>/dev/null
}

# bed_stop_pid PIDFILE [NAME]: TERM, up to 10 s, then KILL; removes PIDFILE.
bed_stop_pid() {
    local f=$1 name=${2:-$1} p i
    p=$(cat "$f" 2>/dev/null)
    if [ -n "$p" ] && kill -0 "$p" 2>/dev/null; then
        kill -TERM "$p" 2>/dev/null
        for ((i = 0; i < 100; i++)); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
        if kill -0 "$p" 2>/dev/null; then
            kill -KILL "$p" 2>/dev/null
            bed_say "$name (pid $p) did not end on TERM: killed"
        else
            bed_say "$name (pid $p) stopped"
        fi
    fi
    rm -f "$f"
}

# bed_kernel_pkg: the kernel package to boot (see PF_NFS_KERNEL).
bed_kernel_pkg() {
    local pkg
    if [ -n "${PF_NFS_KERNEL:-}" ]; then echo "$PF_NFS_KERNEL"; return 0; fi
    pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
        awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9].*-amd64$/ { print $2; exit }')
    if [ -z "$pkg" ]; then
        apt-get update -qq >&2 || return 1
        pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
            awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9].*-amd64$/ { print $2; exit }')
    fi
    [ -n "$pkg" ] && echo "$pkg"
}

# bed_guest_files: the kernel (cached .deb), its modules' closure and the
# initramfs, in $W/vm.
bed_guest_files() {
    local pkg kv deb m
    pkg=$(bed_kernel_pkg) || { bed_say "cannot tell which linux-image to boot"; return 1; }
    kv=${pkg#linux-image-}
    deb=$W/vm/$pkg.deb
    if [ ! -s "$deb" ]; then
        bed_say "downloading $pkg"
        (cd "$W/vm" && rm -f "$pkg"_*.deb && apt-get download -q "$pkg" >&2 && mv "$pkg"_*.deb "$deb") ||
            { bed_say "apt-get download $pkg failed"; return 1; }
    fi
    if [ ! -s "$W/vm/initrd-$kv.cpio.gz" ] || [ ! -s "$W/vm/vmlinuz-$kv" ] ||
        [ "$BED_DIR/guest/init" -nt "$W/vm/initrd-$kv.cpio.gz" ]; then
        rm -rf "$W/vm/k" "$W/vm/initrd"
        dpkg-deb -x "$deb" "$W/vm/k" || return 1
        cp "$W/vm/k/boot/vmlinuz-$kv" "$W/vm/vmlinuz-$kv"
        busybox depmod -b "$W/vm/k" "$kv" || return 1
        mkdir -p "$W/vm/initrd/bin" "$W/vm/initrd/lib/modules"
        cp "$(command -v busybox)" "$W/vm/initrd/bin/busybox"
        cp "$BED_DIR/guest/init" "$W/vm/initrd/init"
        chmod 755 "$W/vm/initrd/init"
        # shellcheck disable=SC2086
        python3 "$BED_DIR/modclosure.py" "$W/vm/k/lib/modules/$kv" $BED_MODULES >"$W/vm/modules" || return 1
        : >"$W/vm/initrd/modlist"
        while read -r m; do
            cp "$W/vm/k/lib/modules/$kv/$m" "$W/vm/initrd/lib/modules/"
            basename "$m" >>"$W/vm/initrd/modlist"
        done <"$W/vm/modules"
        (cd "$W/vm/initrd" && find . | busybox cpio -o -H newc 2>/dev/null | gzip -1 >"$W/vm/initrd-$kv.cpio.gz")
        rm -rf "$W/vm/k" "$W/vm/initrd"
    fi
    echo "$kv" >"$W/vm/kernel-version"
}

bed_net_up() {
    ip netns add "$BED_NS" || return 1
    ip link add "$BED_VETH_HOST" type veth peer name "$BED_VETH_NS" || return 1
    ip link set "$BED_VETH_NS" netns "$BED_NS"
    ip addr add "$BED_HOST_IP/24" dev "$BED_VETH_HOST"
    ip link set "$BED_VETH_HOST" up
    ip netns exec "$BED_NS" sh -ec "
        ip link set lo up
        ip addr add $BED_NS_IP/24 dev $BED_VETH_NS
        ip link set $BED_VETH_NS up
        ip tuntap add dev $BED_TAP mode tap
        ip addr add $BED_SERVER_IP/24 dev $BED_TAP
        ip link set $BED_TAP up
        sysctl -qw net.ipv4.ip_forward=1" || return 1
    ip route add "$BED_GUEST_NET" via "$BED_NS_IP"
}

bed_server_up() {
    mkdir -p "$W/server"
    sed "s#@EXPORT@#$W/export#" "$BED_DIR/server/ganesha.conf.in" >"$W/server/ganesha.conf"
    : >>"$W/server/restarts.log"
    ip netns exec "$BED_NS" unshare -m --propagation private sh "$BED_DIR/server/netns-start.sh" "$W/server"
    bed_alive "$W/server/ganesha.pid" || { bed_say "nfs-ganesha did not start:"; tail -n 20 "$W/server/ganesha.log" >&2; return 1; }
}

bed_guest_up() {
    local kv i
    kv=$(cat "$W/vm/kernel-version")
    mkdir -p "$W/guest" "$W/ctl"
    cp "$BED_DIR/guest/stage2.sh" "$BED_DIR/guest/agent.sh" "$BED_DIR/probe.py" "$W/guest/"
    rm -f "$W/ctl"/*
    ip netns exec "$BED_NS" nice -n 10 qemu-system-x86_64 -machine pc -accel tcg,thread=multi -cpu max -smp 2 \
        -m "${PF_NFS_MEM:-2048}" -kernel "$W/vm/vmlinuz-$kv" -initrd "$W/vm/initrd-$kv.cpio.gz" \
        -append "console=ttyS0 panic=-1 quiet pfnfs.work=$W pfnfs.ip=$BED_GUEST_IP/24 pfnfs.gw=$BED_SERVER_IP" \
        -fsdev local,id=root,path=/,security_model=passthrough,readonly=on -device virtio-9p-pci,fsdev=root,mount_tag=hostroot \
        -fsdev "local,id=work,path=$W,security_model=passthrough" -device virtio-9p-pci,fsdev=work,mount_tag=work \
        -netdev "tap,id=n0,ifname=$BED_TAP,script=no,downscript=no" -device virtio-net-pci,netdev=n0 \
        -serial "file:$W/vm/console.log" -display none -monitor none -no-reboot -pidfile "$W/vm/qemu.pid" \
        </dev/null >"$W/vm/qemu.out" 2>&1 &
    for ((i = 0; i < 600; i++)); do
        [ -e "$W/ctl/ready" ] && break
        if [ $i -gt 50 ] && ! bed_alive "$W/vm/qemu.pid"; then break; fi
        sleep 0.5
    done
    [ -e "$W/ctl/ready" ] || { bed_say "the guest did not come up:"; tail -n 30 "$W/vm/console.log" "$W/vm/qemu.out" >&2; return 1; }
    bed_say "guest $(cat "$W/ctl/ready")"
}

# bed_mounts: the three standing mounts of the export in the guest.
bed_mounts() {
    bed_sh "set -e
        grep -q ' /mnt/a nfs' /proc/mounts || mount -t nfs -o vers=4.2 $BED_SERVER_IP:/export /mnt/a
        grep -q ' /mnt/b nfs' /proc/mounts || mount -t nfs -o vers=3,proto=tcp,mountproto=tcp $BED_SERVER_IP:$W/export /mnt/b
        grep -q ' /mnt/c nfs' /proc/mounts || mount -t nfs -o vers=4.2,nosharecache $BED_SERVER_IP:/export /mnt/c
        grep ' nfs' /proc/mounts" 300 || return 1
    # NFSv3 locks need the server's lock manager and the guest's rpc.statd:
    # a bed whose /mnt/b gives ENOLCK would fail the suite for the bed's sake.
    bed_sh "i=0; until python3 -c 'import fcntl, os
fd = os.open(\"/mnt/b/.bed-lock\", os.O_RDWR | os.O_CREAT, 0o644)
fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)' 2>/dev/null; do
            i=\$((i + 1)); [ \$i -ge 60 ] && { echo 'bed: NFSv3 locks on /mnt/b do not work (ENOLCK?)'; exit 1; }
            sleep 1
        done; rm -f /mnt/b/.bed-lock; echo 'bed: NFSv3 locks work'" 120
}

bed_up() {
    local t0
    t0=$(date +%s)
    [ "$(id -u)" -eq 0 ] || { bed_say "run as root"; return 1; }
    if [ -e "$W/ctl/ready" ] && bed_alive "$W/vm/qemu.pid" && bed_alive "$W/server/ganesha.pid"; then
        bed_say "already up; checking the mounts"
        bed_mounts
        return
    fi
    bed_down >/dev/null 2>&1
    "$BED_TOP/scripts/deps.sh" nfs || return 1
    mkdir -p "$W/export" "$W/vm" "$W/server" "$W/ctl" "$W/guest"
    bed_guest_files || return 1
    bed_net_up || { bed_say "cannot make the network"; return 1; }
    bed_server_up || return 1
    bed_guest_up || return 1
    bed_mounts || { bed_say "the guest cannot mount the export"; return 1; }
    bed_say "up in $(($(date +%s) - t0)) s; work directory $W"
}

# bed_down: undoes bed_up (whatever part of it was done), then checks that
# nothing is left; returns 1 when something is.
bed_down() {
    local p left=0 i
    if bed_alive "$W/vm/qemu.pid"; then
        # The suite's web servers and responders (their pid files), then the mounts.
        # shellcheck disable=SC2016 # expanded in the guest
        bed_sh 'for f in /run/pfnfs/*/lighttpd.pid; do
                [ -e "$f" ] || continue; p=$(cat "$f"); kids=$(pgrep -P "$p")
                kill -INT "$p" 2>/dev/null; sleep 1; kill -KILL "$p" $kids 2>/dev/null; rm -f "$f"
            done
            for m in $(awk "\$3 ~ /^nfs/ { print \$2 }" /proc/mounts); do umount -f "$m" || umount -l "$m"; done
            awk "\$3 ~ /^nfs/" /proc/mounts' 90
    fi
    bed_stop_pid "$W/vm/qemu.pid" qemu
    # The loop first, so that it does not start nfs-ganesha again.
    bed_stop_pid "$W/server/loop.pid" "nfs-ganesha's restart loop"
    bed_stop_pid "$W/server/ganesha.pid" nfs-ganesha
    bed_stop_pid "$W/server/statd.pid" rpc.statd
    bed_stop_pid "$W/server/rpcbind.pid" rpcbind
    if ip netns list | grep -qw "$BED_NS"; then
        for p in $(ip netns pids "$BED_NS" 2>/dev/null); do
            bed_say "left in the namespace: pid $p ($(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)); stopping it"
            kill -TERM "$p" 2>/dev/null
        done
        for ((i = 0; i < 50; i++)); do [ -z "$(ip netns pids "$BED_NS" 2>/dev/null)" ] && break; sleep 0.1; done
        for p in $(ip netns pids "$BED_NS" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
    fi
    ip route del "$BED_GUEST_NET" via "$BED_NS_IP" 2>/dev/null
    ip link del "$BED_VETH_HOST" 2>/dev/null
    ip netns exec "$BED_NS" ip link del "$BED_TAP" 2>/dev/null
    ip netns del "$BED_NS" 2>/dev/null
    rm -f "$W/ctl/ready"
    # What is left?
    if ip netns list | grep -qw "$BED_NS"; then bed_say "LEFT: network namespace $BED_NS"; left=1; fi
    if ip link show "$BED_VETH_HOST" >/dev/null 2>&1; then bed_say "LEFT: link $BED_VETH_HOST"; left=1; fi
    if ip route show "$BED_GUEST_NET" | grep -q .; then bed_say "LEFT: route to $BED_GUEST_NET"; left=1; fi
    for p in $(pgrep -f "qemu-system-x86_64 .*pfnfs.work=$W( |$)") $(pgrep -f "ganesha.nfsd .*$W/server/"); do
        bed_say "LEFT: pid $p ($(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null))"
        left=1
    done
    [ $left -eq 0 ] && bed_say "down: nothing of the bed is left (work directory $W kept; rm -rf it to drop the cached kernel)"
    return $left
}

bed_status() {
    echo "work directory: $W"
    echo "namespace: $(ip netns list | grep -w "$BED_NS" || echo none)"
    bed_alive "$W/server/ganesha.pid" && echo "nfs-ganesha: pid $(cat "$W/server/ganesha.pid")" || echo "nfs-ganesha: not running"
    echo "nfs-ganesha restarts: $(grep -c . "$W/server/restarts.log" 2>/dev/null)"
    bed_alive "$W/vm/qemu.pid" && echo "qemu: pid $(cat "$W/vm/qemu.pid")" || echo "qemu: not running"
    [ -e "$W/ctl/ready" ] && bed_sh "awk '\$3 ~ /^nfs/ { print \"guest mount: \" \$2 \" \" \$4 }' /proc/mounts" 30
}

if [ "${BED_LIB:-0}" != 1 ]; then
    case ${1:-} in
    up) bed_up ;;
    down) bed_down ;;
    status) bed_status ;;
    sh) bed_sh "$2" "${3:-120}" ;;
    probe) bed_sh "python3 $W/guest/probe.py /mnt/a /mnt/b /mnt/c" 300 ;;
    *) sed -n '3,9p' "$0" >&2; exit 2 ;;
    esac
fi
