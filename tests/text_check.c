/*
 * text_check.c - the width-aware text helpers of ui/text.c: widths by
 * display columns, cuts at whole characters, wrapping at spaces, in a
 * UTF-8 locale and in ASCII.  Speaks TAP; exits 1 when a check failed.
 */
#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "tui.h"

static int failed, nchecks;

static void
check(int ok, const char *what)
{
	printf("%s %d - %s\n", ok ? "ok" : "not ok", ++nchecks, what);
	if (!ok)
		failed = 1;
}

int
main(void)
{
	struct tui t;
	const char *jp = "\u65e5\u672c\u8a9e";	/* three wide characters */
	const char *mixed = "caf\u00e9 na\u00efve \u65e5\u672c";
	int cols;

	if (setlocale(LC_CTYPE, "C.UTF-8") == NULL &&
	    setlocale(LC_CTYPE, "en_US.UTF-8") == NULL) {
		printf("1..0 # SKIP no UTF-8 locale\n");
		return 77;
	}
	memset(&t, 0, sizeof t);
	t.utf8 = 1;
	check(tui_width(&t, "abc") == 3, "ASCII: a column each");
	check(tui_width(&t, "caf\u00e9") == 4, "an accented letter: one column");
	check(tui_width(&t, jp) == 6, "wide characters: two columns each");
	check(tui_fit(&t, jp, 5, &cols) == 6 && cols == 4,
	    "a cut at 5 columns keeps two wide characters whole (4 columns)");
	check(tui_fit(&t, "caf\u00e9!", 4, &cols) == 5 && cols == 4,
	    "a cut after an accented letter keeps its two bytes");
	check(tui_fit(&t, "caf\u00e9!", 3, NULL) == 3,
	    "a cut before it keeps none of them");
	check(strcmp(tui_tail(&t, jp, 5), "\u672c\u8a9e") == 0,
	    "the tail that fits starts on a character");
	check(tui_wrap(&t, mixed, 8) == strlen("caf\u00e9"),
	    "wrapping stops at the space before the word that does not fit");
	check(tui_wrap(&t, "abcdefghij", 4) == 4,
	    "a word longer than the line is cut at the width");
	check(tui_wrap(&t, "ab cdefghij", 8) == 8,
	    "a space in the first half of the line is not used");
	check(tui_wrap(&t, "short", 20) == 5, "what fits is one line");
	t.utf8 = 0;
	check(tui_width(&t, "caf\u00e9") == 5,
	    "ASCII locale: a byte a column");
	check(tui_fit(&t, "caf\u00e9", 4, NULL) == 4,
	    "ASCII locale: cuts by bytes");
	printf("1..%d\n", nchecks);
	return failed;
}
