/*
 * text.c - the interface's one way to measure and cut text: by display
 * width, a character at a time, never inside one.
 */
#include "config.h"

#include "tui.h"

#include <stdlib.h>
#include <string.h>
#include <wchar.h>

/*
 * Width-aware text.  Every measure and cut of the interface's text goes
 * through char_at(): one character (or one byte that is not one) and the
 * columns it takes, so that nothing is cut inside a character and wide
 * characters count twice.  A byte that is not a character, and a control
 * character, take one column (the interface shows them as '?').
 */
static size_t
char_at(const struct tui *t, const char *s, int *cols)
{
	mbstate_t ps;
	wchar_t wc;
	size_t n;
	int cw;

	*cols = 1;
	if (!t->utf8 || (unsigned char)*s < 0x80)
		return 1;
	memset(&ps, 0, sizeof ps);
	n = mbrtowc(&wc, s, MB_CUR_MAX, &ps);
	if (n == (size_t)-1 || n == (size_t)-2 || n == 0)
		return 1;
	cw = wcwidth(wc);
	*cols = cw < 0 ? 1 : cw;
	return n;
}

int
tui_width(const struct tui *t, const char *s)
{
	int w = 0, cw;

	while (*s != '\0') {
		s += char_at(t, s, &cw);
		w += cw;
	}
	return w;
}

size_t
tui_fit(const struct tui *t, const char *s, int w, int *cols)
{
	size_t o = 0, n;
	int used = 0, cw;

	while (s[o] != '\0') {
		n = char_at(t, s + o, &cw);
		if (used + cw > w)
			break;
		used += cw;
		o += n;
	}
	if (cols != NULL)
		*cols = used;
	return o;
}

size_t
tui_wrap(const struct tui *t, const char *s, int w)
{
	size_t fit = tui_fit(t, s, w, NULL), half, cut;
	int cw;

	if (s[fit] == '\0')
		return fit;
	/* Back to a space, if that leaves half the line or more. */
	half = tui_fit(t, s, w / 2, NULL);
	for (cut = fit; cut > half && s[cut] != ' '; cut--)
		;
	if (cut > 0 && s[cut] == ' ')
		return cut;
	return fit > 0 ? fit : char_at(t, s, &cw);
}

const char *
tui_tail(const struct tui *t, const char *s, int w)
{
	int cw;

	while (tui_width(t, s) > w)
		s += char_at(t, s, &cw);
	return s;
}
