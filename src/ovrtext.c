/*
 * ovrtext.c - overrides described for people: how two sets differ, one
 * change a line (the interface's repair preview), and the letters of a
 * layer's overrides (the layer table's column).
 */
#include "config.h"

#include "override.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int
str_equal(const char *a, const char *b)
{
	return a == NULL || b == NULL ? a == b : strcmp(a, b) == 0;
}

/* Describing how two sets differ, one line per change. */

struct lines {
	char		*buf;
	size_t		 len, n;
	int		 count;
};

static void
put_line(struct lines *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
put_line(struct lines *o, const char *fmt, ...)
{
	va_list ap;
	int r;

	o->count++;
	if (o->n + 1 >= o->len)
		return;
	if (o->n > 0)
		o->buf[o->n++] = '\n';
	va_start(ap, fmt);
	r = vsnprintf(o->buf + o->n, o->len - o->n, fmt, ap);
	va_end(ap);
	if (r > 0)
		o->n += (size_t)r;
	if (o->n >= o->len)
		o->n = o->len - 1;
	o->buf[o->n] = '\0';
}

static const char *
fmt_val(char *buf, size_t len, int64_t v, const char *unset)
{
	if (v == DM_UNSET)
		snprintf(buf, len, "%s", unset);
	else
		snprintf(buf, len, "%" PRId64, v);
	return buf;
}

static void
diff_file(struct lines *o, const struct dm_ovr *a, const struct dm_ovr *b)
{
	char x[32], y[32];

	if (a->header != b->header)
		put_line(o, "header: %s -> %s bytes", fmt_val(x, sizeof x,
		    a->header, "file's"), fmt_val(y, sizeof y, b->header,
		    "file's"));
	if (a->transpose != b->transpose)
		put_line(o, "transpose: %s -> %s", fmt_val(x, sizeof x,
		    a->transpose, "header's"), fmt_val(y, sizeof y,
		    b->transpose, "header's"));
	if (a->data_end != b->data_end)
		put_line(o, "data ends at byte: %s -> %s", fmt_val(x, sizeof x,
		    a->data_end, "end"), fmt_val(y, sizeof y, b->data_end,
		    "end"));
	if (a->layout != b->layout)
		put_line(o, "layout: %s -> %s", a->layout == DM_LAYOUT_SAVE ?
		    "save" : "load", b->layout == DM_LAYOUT_SAVE ? "save" :
		    "load");
}

static void
diff_layer(struct lines *o, size_t li, const struct dm_layer_ovr *p,
    const struct dm_layer_ovr *q)
{
	char x[32], y[32];

	if (p->absent != q->absent)
		put_line(o, "layer %zu: %s", li, q->absent ?
		    "absent from the file" : "no longer absent");
	if (p->omit != q->omit)
		put_line(o, "layer %zu: %s", li, q->omit ? "not exported" :
		    "exported again");
	if (p->cutoff != q->cutoff)
		put_line(o, "layer %zu: %s", li, q->cutoff ?
		    "the file ends after it" : "no cutoff");
	if (p->gap != q->gap)
		put_line(o, "layer %zu: gap %" PRId64 " -> %" PRId64 " bytes "
		    "before it", li, p->gap, q->gap);
	if (p->offset != q->offset)
		put_line(o, "layer %zu: starts at %s -> %s", li,
		    fmt_val(x, sizeof x, p->offset, "-"),
		    fmt_val(y, sizeof y, q->offset, "-"));
	if (!str_equal(p->order, q->order))
		put_line(o, "layer %zu: order %s", li, q->order != NULL ?
		    q->order : "as usual");
}

void
dm_ovr_join(char *buf, size_t len, const uint64_t *v, int n)
{
	size_t k = 0;
	int i;

	if (len == 0)
		return;
	buf[0] = '\0';
	for (i = 0; i < n && k < len; i++)
		k += (size_t)snprintf(buf + k, len - k, "%s%" PRIu64,
		    i ? "," : "", v[i]);
}

static void
diff_array(struct lines *o, const struct dm_array *ar,
    const struct dm_array_ovr *p, const struct dm_array_ovr *q)
{
	char x[32], y[32], shape[96];
	int cnt, shp;

	cnt = p->count != q->count;
	shp = p->nreshape != q->nreshape || memcmp(p->reshape, q->reshape,
	    sizeof p->reshape) != 0;
	fmt_val(x, sizeof x, p->count, "cfg's");
	fmt_val(y, sizeof y, q->count, "cfg's");
	dm_ovr_join(shape, sizeof shape, q->reshape, q->nreshape);
	if (q->nreshape == 0)
		snprintf(shape, sizeof shape, "from the cfg");
	if (cnt && shp)
		put_line(o, "layer %zu %s: %s -> %s floats, shape [%s]",
		    ar->layer, ar->name, x, y, shape);
	else if (cnt)
		put_line(o, "layer %zu %s: %s -> %s floats", ar->layer,
		    ar->name, x, y);
	else if (shp)
		put_line(o, "layer %zu %s: shape [%s]", ar->layer, ar->name,
		    shape);
	if (p->transpose != q->transpose)
		put_line(o, "layer %zu %s: %s", ar->layer, ar->name,
		    q->transpose == 1 ? "stored transposed" : "stored as is");
	if (p->nperm != q->nperm || memcmp(p->perm, q->perm,
	    sizeof p->perm) != 0)
		put_line(o, "layer %zu %s: axis order changed", ar->layer,
		    ar->name);
	if (!str_equal(p->rename, q->rename))
		put_line(o, "layer %zu %s: key %s", ar->layer, ar->name,
		    q->rename != NULL ? q->rename : "from the scheme");
}

int
dm_ovr_diff(const struct dm_net *net, const struct dm_ovr *a,
    const struct dm_ovr *b, char *buf, size_t len)
{
	static const struct dm_layer_ovr none_l = { .offset = DM_UNSET };
	static const struct dm_array_ovr none_a = {
		.transpose = DM_UNSET, .count = DM_UNSET
	};
	struct lines o = { buf, len, 0, 0 };
	const struct dm_layer_ovr *pl, *ql;
	const struct dm_array_ovr *pa, *qa;
	size_t i;

	if (len > 0)
		buf[0] = '\0';
	diff_file(&o, a, b);
	for (i = 0; i < net->nlayers; i++) {
		pl = dm_ovr_find_layer(a, i);
		ql = dm_ovr_find_layer(b, i);
		if (pl != NULL || ql != NULL)
			diff_layer(&o, i, pl != NULL ? pl : &none_l,
			    ql != NULL ? ql : &none_l);
	}
	for (i = 0; i < net->narrays; i++) {
		const struct dm_array *ar = &net->arrays[i];

		pa = dm_ovr_find_array(a, ar->layer, ar->name);
		qa = dm_ovr_find_array(b, ar->layer, ar->name);
		if (pa != NULL || qa != NULL)
			diff_array(&o, ar, pa != NULL ? pa : &none_a,
			    qa != NULL ? qa : &none_a);
	}
	return o.count;
}

void
dm_ovr_letters(const struct dm_ovr *o, size_t layer, char *buf, size_t len)
{
	const struct dm_layer_ovr *l = dm_ovr_find_layer(o, layer);
	char s[16];
	size_t n = 0, i;
	int cnt = 0, tr = 0, pm = 0, rs = 0, rn = 0;

	if (l != NULL) {
		if (l->absent)
			s[n++] = 'a';
		if (l->omit)
			s[n++] = 'o';
		if (l->cutoff)
			s[n++] = 'c';
		if (l->gap != 0)
			s[n++] = 's';	/* the gap key */
		if (l->offset != DM_UNSET)
			s[n++] = '@';
		if (l->order != NULL)
			s[n++] = 'O';
	}
	for (i = 0; i < o->narrays; i++) {
		const struct dm_array_ovr *a = &o->arrays[i];

		if (a->layer != layer)
			continue;
		cnt |= a->count != DM_UNSET;
		tr |= a->transpose == 1;
		pm |= a->nperm > 0;
		rs |= a->nreshape > 0;
		rn |= a->rename != NULL;
	}
	if (cnt)
		s[n++] = '#';
	if (tr)
		s[n++] = 't';
	if (pm)
		s[n++] = 'p';
	if (rs)
		s[n++] = 'S';
	if (rn)
		s[n++] = 'R';
	s[n] = '\0';
	snprintf(buf, len, "%s", s);
}
