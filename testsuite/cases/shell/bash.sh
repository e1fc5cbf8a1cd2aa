# bash-static: arrays, associative arrays, [[ ]], command substitution (a
# fork), process status and a nonzero exit. Only builtins: every external
# program on a Debian host is dynamically linked.
set -u
declare -a primes=()
for ((n = 2; n < 60; n++)); do
	is=1
	for p in "${primes[@]}"; do
		((n % p == 0)) && { is=0; break; }
	done
	((is)) && primes+=("$n")
done
echo "primes: ${primes[*]}"
declare -A colour=([apple]=red [banana]=yellow)
echo "${#colour[@]} colours"
for k in apple banana; do echo "$k is ${colour[$k]}"; done
s="Hello, World"
[[ $s == Hello* ]] && echo "pattern match ok"
echo "upper: ${s^^} lower: ${s,,}"
out=$(echo from a subshell; exit 4)
echo "captured '$out' with status $?"
exit 9
