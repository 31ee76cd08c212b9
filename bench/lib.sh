# SPDX-License-Identifier: MIT
# lib.sh: the web-server configuration pieces bench.sh and abuse.sh both write.
# shellcheck shell=bash
# Sourced, not run: `. "$BENCH_DIR/lib.sh"`. Each function prints to stdout.

# apache_conf_head DIR PORT USER GROUP [MODULE...]: the start of an httpd.conf
# for a test Apache under DIR on 127.0.0.1:PORT, with Debian's apache2.conf and
# mpm_event.conf settings (so that it measures what a stock install does):
# mpm event, authz_core, the MODULEs named (e.g. mime dir alias), then
# mod_proxy_fcgi and mod_xsendfile, all from $MODDIR. User and Group are set
# only when run as root (otherwise Apache cannot switch users); the line is
# then left empty. The caller adds DocumentRoot and the rest.
apache_conf_head() {
    local dir=$1 port=$2 user=$3 group=$4 m
    shift 4
    cat <<CONF
ServerRoot $dir
PidFile $dir/httpd.pid
DefaultRuntimeDir $dir/run
Listen 127.0.0.1:$port
ServerName 127.0.0.1
CONF
    if ((EUID == 0)); then
        printf 'User %s\nGroup %s\n' "$user" "$group"
    else
        echo
    fi
    cat <<CONF
ErrorLog $dir/error.log
LogLevel warn
LoadModule mpm_event_module $MODDIR/mod_mpm_event.so
LoadModule authz_core_module $MODDIR/mod_authz_core.so
CONF
    for m in "$@"; do
        echo "LoadModule ${m}_module $MODDIR/mod_$m.so"
    done
    cat <<CONF
LoadModule proxy_module $MODDIR/mod_proxy.so
LoadModule proxy_fcgi_module $MODDIR/mod_proxy_fcgi.so
LoadModule xsendfile_module $MODDIR/mod_xsendfile.so
Timeout 300
KeepAlive On
MaxKeepAliveRequests 100
KeepAliveTimeout 5
StartServers 2
MinSpareThreads 25
MaxSpareThreads 75
ThreadLimit 64
ThreadsPerChild 25
MaxRequestWorkers 150
CONF
}

# lighttpd_fcgi_mount PREFIX SOCKET BIN-PATH DOCROOT...: a lighttpd
# fastcgi.server block that starts BIN-PATH on SOCKET (one process) and serves
# PREFIX with it, X-Sendfile confined to the DOCROOTs (each ending in '/').
# The key has no trailing slash and the $HTTP["url"] guard keeps it from also
# taking /PREFIXother: docs/webservers.md, section "lighttpd mount".
lighttpd_fcgi_mount() {
    local prefix=$1 sock=$2 bin=$3 roots='' r
    shift 3
    for r in "$@"; do roots+="${roots:+, }\"$r\""; done
    cat <<CONF
\$HTTP["url"] =~ "^$prefix(/|\$)" {
  fastcgi.server = ( "$prefix" => ((
    "socket" => "$sock",
    "bin-path" => "$bin",
    "max-procs" => 1,
    "check-local" => "disable",
    "x-sendfile" => "enable",
    "x-sendfile-docroot" => ( $roots ),
  )) )
}
CONF
}
