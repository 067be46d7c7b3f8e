#!/bin/sh
# One machine's part of tests/suites/55-wire, the same on both machines of
# the wire (scripts/run --wire for cellux, scripts/bench-linux --wire for
# Debian's Linux), ROLE naming which it is:
#   /opt/wire/peer.sh cellux|linux
# Serves the peer (httpd on 80, UDP echo on 7, a 16 MiB TCP sink on 5001,
# then checks the peer's servers from here,
# printing `PASS name` / `FAIL name: why` per check (names say the
# direction: cellux_to_linux) and `REPORT name: text` for the errors the
# host compares between the sides. Then the malformed-frames phase: Linux
# floods cellux with tests/wire/badframes.c's frames, and both check that
# ping and http across the wire still work. The machines keep in step by
# knocking on each other's TCP ports 5009-5011 (busybox nc).
role=$1
case "$role" in
cellux) me=1 peer=2 other=linux ;;
linux) me=2 peer=1 other=cellux ;;
*) echo "usage: peer.sh cellux|linux" >&2; exit 2 ;;
esac
P4=10.0.9.$peer P6=fd00:9::$peer
to=${role}_to_$other from=${other}_to_$role
w=/opt/wire
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; }
# knock PORT: connect to the peer's PORT until it answers (60 s).
knock() {
    i=0
    until nc "$P4" "$1" < /dev/null > /dev/null 2>&1; do
        i=$((i + 1))
        [ $i -lt 120 ] || { echo "peer.sh: no answer on $P4:$1" >&2; return 1; }
        sleep 0.5
    done
}
# listen PORT FILE: in the background, FILE appears once the peer knocked.
listen() { (nc -l -p "$1" < /dev/null > /dev/null 2>&1; touch "$2") & }
# await FILE SECONDS
await() {
    i=0
    while [ ! -e "$1" ]; do
        i=$((i + 1))
        [ $i -le $(($2 * 2)) ] || return 1
        sleep 0.5
    done
}
# fetch COUNT PATH: COUNT sequential wgets of the peer's http://P4/PATH,
# each compared with our copy; prints how many matched.
fetch() {
    n=0 ok=0
    while [ $n -lt "$1" ]; do
        wget -q -O /tmp/fetched "http://$P4/$2" 2> /tmp/fetch.err && cmp -s /tmp/fetched "/www/$2" && ok=$((ok + 1))
        n=$((n + 1))
    done
    echo $ok
}

rm -f /tmp/knock*
# Servers first.
$w/udpecho serve 7 &
(sh $w/recv.sh 5001 /tmp/received > /tmp/received.md5) &
recv=$!
listen 5009 /tmp/knock1
listen 5010 /tmp/knock2
listen 5011 /tmp/knock3
httpd -p 80 -h /www

# The peer: up when it answers pings, its servers when httpd answers.
i=0
until ping -c 1 -W 1 "$P4" > /dev/null 2>&1; do
    i=$((i + 1))
    [ $i -lt 300 ] || { fail "peer_up" "no answer to ping from $P4"; exit 1; }
done
i=0
until wget -q -O /dev/null "http://$P4/index.html" 2> /dev/null; do
    i=$((i + 1))
    [ $i -lt 60 ] || { fail "peer_up" "no answer from httpd on $P4"; exit 1; }
    sleep 1
done

out=$(ping -c 3 "$P4" 2>&1)
echo "$out" | grep -q '3 packets transmitted, 3 packets received' && pass "ping.$to" || fail "ping.$to" "$(echo "$out" | tail -n 2 | tr '\n' ' ')"
# IPv6 addresses are tentative until duplicate address detection ends.
i=0
until ping6 -c 1 -W 1 "$P6" > /dev/null 2>&1 || [ $i -ge 30 ]; do i=$((i + 1)); done
out=$(ping6 -c 3 "$P6" 2>&1)
echo "$out" | grep -q '3 packets transmitted, 3 packets received' && pass "ping6.$to" || fail "ping6.$to" "$(echo "$out" | tail -n 2 | tr '\n' ' ')"
# The peer's link-local address, from its MAC (52:54:00:00:09:0N).
out=$(ping6 -c 3 -I eth0 "fe80::5054:ff:fe00:90$peer" 2>&1)
echo "$out" | grep -q '3 packets transmitted, 3 packets received' && pass "ping6_linklocal.$to" || fail "ping6_linklocal.$to" "$(echo "$out" | tail -n 2 | tr '\n' ' ')"

# 16 MiB to the peer's sink (it reports the checksum), retried while the
# sink is not listening yet.
i=0
until nc "$P4" 5001 < $w/blob 2> /tmp/nc.err; do
    i=$((i + 1))
    [ $i -lt 30 ] || { fail "tcp16m_send.$to" "$(cat /tmp/nc.err)"; break; }
    sleep 1
done

out=$($w/udpecho send "$P4" 7 200 2>&1)
[ $? -eq 0 ] && pass "udp200.$to" || fail "udp200.$to" "$out"

ok=$(fetch 200 wire.html)
[ "$ok" = 200 ] && pass "http200.$to" || fail "http200.$to" "$ok of 200 fetches matched; last error: $(cat /tmp/fetch.err)"

# Errors as the applets report them, the peer's address written PEER: a
# closed port, an address on the wire nobody has (ARP gives up after some
# 3 s), the same with nc's 1 s connect timeout. (Not wget -T: Debian's
# busybox 1.35 wget crashes with it, on Linux as on cellux.)
# report NAME CMD...: its output and status on one line.
report() {
    name=$1
    shift
    out=$("$@" < /dev/null 2>&1)
    st=$?
    echo "REPORT $name: $(echo "$out" | sed "s/$P4/PEER/g" | tr '\n' ' ')status=$st"
}
report refused nc "$P4" 5999
report unreachable nc 10.0.9.99 80
report timeout nc -w 1 10.0.9.99 80

# What came in on the sink.
wait $recv
got=$(cat /tmp/received.md5)
[ "$got" = "$(cat $w/blob.md5)" ] && pass "tcp16m.$from" || fail "tcp16m.$from" "received md5 '$got', $(wc -c < /tmp/received) bytes"

# Both done with the checks above.
rx0=$(cat /sys/class/net/eth0/statistics/rx_packets)
knock 5009
await /tmp/knock1 300 || fail "in_step" "the peer never finished its checks"

if [ "$role" = linux ]; then
    out=$($w/badframes eth0 52:54:00:00:09:01 "$P4" 20000 2>&1)
    [ $? -eq 0 ] && pass "badframes_sent" || fail "badframes_sent" "$out"
    echo "REPORT badframes: $out"
    # cellux still answers and serves.
    out=$(ping -c 3 "$P4" 2>&1)
    echo "$out" | grep -q '3 packets transmitted, 3 packets received' && pass "after_badframes.ping.$to" \
        || fail "after_badframes.ping.$to" "$(echo "$out" | tail -n 2 | tr '\n' ' ')"
    ok=$(fetch 20 wire.html)
    [ "$ok" = 20 ] && pass "after_badframes.http.$to" || fail "after_badframes.http.$to" "$ok of 20"
    knock 5010
    await /tmp/knock3 300 || fail "in_step" "cellux never finished after the frames"
else
    await /tmp/knock2 600 || fail "in_step" "Linux never finished sending frames"
    rx=$(( $(cat /sys/class/net/eth0/statistics/rx_packets) - rx0 ))
    # The frames reached Linux's stack here: all 20,000, since badframes
    # waits for our answer to a ping after each burst (its pings and the
    # knocks count too, so a loss of fewer frames than those could hide).
    echo "REPORT badframes_received: eth0 counted $rx frames"
    [ "$rx" -ge 20000 ] && pass "badframes_received" || fail "badframes_received" "eth0 counted only $rx frames"
    out=$(ping -c 3 "$P4" 2>&1)
    echo "$out" | grep -q '3 packets transmitted, 3 packets received' && pass "after_badframes.ping.$to" \
        || fail "after_badframes.ping.$to" "$(echo "$out" | tail -n 2 | tr '\n' ' ')"
    ok=$(fetch 20 wire.html)
    [ "$ok" = 20 ] && pass "after_badframes.http.$to" || fail "after_badframes.http.$to" "$ok of 20"
    knock 5011
fi
echo "peer.sh $role done"
