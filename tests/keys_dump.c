/*
 * keys_dump.c - writes the key table of ui/keys.c (tui_keys_dump()), for
 * tests/keys.sh to hold the manual's KEYS section against.
 */
#include "config.h"

#include <stdio.h>

#include "tui.h"

int
main(void)
{
	tui_keys_dump(stdout);
	return fflush(stdout) == EOF || ferror(stdout) ? 1 : 0;
}
