# bash-static with processes: a coprocess, process substitution, a USR1
# trap fired by kill -USR1 $$, wait -n over background jobs, and ulimit -n.
# Only builtins and bash itself: host programs are dynamically linked.
set -u
coproc DOUBLER { while read -r n; do echo $((n * 2)); done; }
for i in 1 2 3; do
	echo "$i" >&"${DOUBLER[1]}"
	read -r answer <&"${DOUBLER[0]}"
	echo "coproc doubled $i: $answer"
done
pid=$DOUBLER_PID
eval "exec ${DOUBLER[1]}>&-"
wait "$pid" 2>/dev/null
echo "coproc ended"

while read -r a b; do
	echo "paired $a with $b"
done < <(for x in one two three; do echo "$x ${#x}"; done)
diffcount=0
while read -r line; do diffcount=$((diffcount + 1)); done < <(printf '%s\n' a b c d)
echo "lines from <( ): $diffcount"
cat_like() { while IFS= read -r l; do echo "got: $l"; done < "$1"; }
cat_like <(echo "a file name from <( )")

got=0
trap 'got=$((got + 1)); echo "USR1 trap ($got)"' USR1
kill -USR1 $$
kill -USR1 $$
echo "after two USR1: $got"
trap - USR1

(exit 3) &
(exit 4) &
wait -n
first=$?
wait -n
second=$?
echo "wait -n statuses: $(( first < second ? first : second )) and $(( first < second ? second : first ))"

echo "ulimit -n: $(ulimit -n) soft is at most hard: $(( $(ulimit -Sn) <= $(ulimit -Hn) ))"
ulimit -n 64
echo "lowered: $(ulimit -n)"
( exec 70>/dev/null ) 2>/dev/null && echo "fd 70 opened" || echo "fd 70 refused"
exit 6
