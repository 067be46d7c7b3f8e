#!/bin/sh
# tests/wire/recv.sh PORT OUT: receives one TCP stream with busybox nc on
# PORT into OUT and prints its md5sum. nc's standard input is a FIFO held
# open until the stream ends: at EOF on its input nc shuts its side down,
# and the sender's nc would take that for the end and stop early.
fifo=/tmp/recv-hold.$1
rm -f "$fifo"
mkfifo "$fifo" || exit 2
nc -l -p "$1" < "$fifo" > "$2" &
nc=$!
exec 3> "$fifo"
wait $nc
st=$?
exec 3>&-
rm -f "$fifo"
[ $st -eq 0 ] || echo "recv.sh: nc exited with $st" >&2
md5sum < "$2" | cut -d' ' -f1
