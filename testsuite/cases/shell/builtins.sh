# busybox sh with builtins only (no fork, no exec): loops, arithmetic,
# parameter expansion, case, functions, here-documents, read, printf.
set -u
total=0
i=1
while [ "$i" -le 1000 ]; do
	total=$((total + i * i))
	i=$((i + 1))
done
echo "sum of squares 1..1000: $total"

word=conformance
echo "length ${#word}, prefix-strip ${word#con}, suffix-strip ${word%ance}"

classify() {
	case "$1" in
	[0-9]*) echo "$1: number" ;;
	*.c) echo "$1: C source" ;;
	*) echo "$1: other" ;;
	esac
}
for x in 42 hello.c readme; do classify "$x"; done

count=0
while read -r a b; do
	count=$((count + 1))
	printf '%s=%s\n' "$a" "$b"
done <<END
alpha 1
beta 2
gamma 3
END
echo "read $count lines"
printf '%5d|%-6s|%x\n' 42 left 255
exit 0
