# busybox sh with processes: a six-stage pipeline, command substitution,
# subshells, here-documents, traps on INT, TERM and EXIT, background jobs
# with wait and kill, exec redirections, a while-read loop over 10,000
# lines and xargs -P4. Every external program is a busybox applet.
set -u
trap 'echo "EXIT trap, status $?"' EXIT

n=$(busybox seq 1 20000 | busybox grep 3 | busybox sed 's/3/three/' | busybox tr a-z A-Z | busybox sort -r | busybox wc -l)
echo "six stages: $n lines"
echo "sum of squares via awk: $(busybox seq 1 100 | busybox awk '{ s += $1 * $1 } END { print s }')"

outer=$( (echo inner; (echo deeper; exit 3); echo "deeper said $?") | busybox tr a-z A-Z)
echo "nested subshells: $outer" | busybox tr '\n' ' '
echo

busybox cat <<END | busybox sed 's/^/| /'
here-document with $((6 * 7)) and $(echo substitution)
second line
END
busybox cat <<'END'
quoted: $HOME stays $HOME
END

trap 'echo "caught INT"' INT
trap 'echo "caught TERM"' TERM
kill -INT $$
kill -TERM $$
trap - INT TERM

busybox sleep 0.2 &
a=$!
(busybox sleep 0.05; exit 4) &
b=$!
wait $b
echo "second job: $?"
wait $a
echo "first job: $?"
busybox sleep 10 &
c=$!
kill $c
wait $c
echo "killed job: $?"
(trap 'echo "job got TERM"; exit 7' TERM; while :; do busybox sleep 0.01; done) &
d=$!
busybox sleep 0.2
kill -TERM $d
wait $d
echo "trapping job: $?"

exec 3> fd3.txt
echo "through fd 3" >&3
echo "again" >&3
exec 3>&-
exec 4< fd3.txt
read -r first <&4
read -r second <&4
exec 4<&-
echo "read back: $first / $second"
busybox rm fd3.txt

busybox seq 1 10000 > lines.txt
count=0
total=0
while read -r line; do
	count=$((count + 1))
	total=$((total + line))
done < lines.txt
echo "while read: $count lines, total $total"
busybox rm lines.txt

busybox seq 1 24 | busybox xargs -P4 -n3 busybox sh -c 'for x; do echo $((x * x)); done' sh | busybox sort -n | busybox md5sum
echo "xargs -P4: $(busybox seq 1 24 | busybox xargs -P4 -n1 busybox echo | busybox wc -l) runs"
exit 5
