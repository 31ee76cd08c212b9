#!/bin/sh
# SPDX-License-Identifier: MIT
# stage2.sh WORK: runs in the guest, chrooted into the host's root. Brings up
# the network (pfnfs.ip= and pfnfs.gw= from the kernel command line), the NFS
# client's helpers (rpcbind, rpc.statd: NFSv3 locks need them), then the agent
# that runs the host's commands.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
work=$1
ip=10.77.0.2/24
gw=10.77.0.1
for arg in $(cat /proc/cmdline); do
    case $arg in
    pfnfs.ip=*) ip=${arg#pfnfs.ip=} ;;
    pfnfs.gw=*) gw=${arg#pfnfs.gw=} ;;
    esac
done
hostname pfnfs-guest
ip link set lo up
nic=$(ls /sys/class/net | grep -v '^lo$' | head -n 1)
ip link set "$nic" up
ip addr add "$ip" dev "$nic"
ip route add default via "$gw"
mkdir -p /run/rpcbind /run/pfnfs /var/lib/nfs/sm /var/lib/nfs/sm.bak /mnt/a /mnt/b /mnt/c
rpcbind -w
rpc.statd --no-notify
echo "stage2: $nic $ip via $gw" >/dev/console
exec sh "$work/guest/agent.sh" "$work/ctl"
