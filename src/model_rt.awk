# model_rt.awk - turns model_rt.py into the C string dm_model_runtime.
# The Python has no backslash and no double quote needs more than one
# escape: a backslash is refused, so that no awk's gsub() differs.
BEGIN {
	print "/* Generated from model_rt.py by model_rt.awk: do not edit. */"
	print "const char dm_model_runtime[] ="
}
index($0, "\\") != 0 {
	print FILENAME ":" NR ": no backslash, please" > "/dev/stderr"
	exit 1
}
{
	gsub(/"/, "\\\"")
	printf "\"%s\\n\"\n", $0
}
END { print ";" }
