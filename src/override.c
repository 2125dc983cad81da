/*
 * override.c - overrides and profiles.
 *
 * A profile is what a user's fix is worth keeping: plain text in the
 * syntax of a Darknet cfg (sections, key=value, '#' comments), so that it
 * reads and diffs like the files it corrects.  darkmap writes it in one
 * canonical order, so that reading a profile it wrote and writing it again
 * gives the same bytes:
 *
 *	[profile]		version=1, and what it was made for
 *	[file]			header, transpose, dialect, data_end, layout
 *	[layer] ...		one per corrected layer, by index
 *	[array] ...		one per corrected array, by layer and name
 *	[export]		names, dtype, wrap
 */
#include "config.h"

#include "override.h"
#include "weights.h"

#include <errno.h>
#include <stddef.h>
#include <stdarg.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "atomicfile.h"
#include "cfg.h"

/* The largest profile read, in bytes. */
#define DM_PROFILE_MAX	((size_t)16 << 20)

/* The keys of one profile section: how many, and their longest text. */
#define PR_KEYS_MAX	32
#define PR_KEY_MAX	32
#define PR_VAL_MAX	256

struct dm_ovr *
dm_ovr_new(void)
{
	struct dm_ovr *o;

	if ((o = calloc(1, sizeof *o)) == NULL)
		return NULL;
	o->for_size = DM_UNSET;
	o->dialect = o->header = o->transpose = o->layout = DM_UNSET;
	o->data_end = DM_UNSET;
	return o;
}

static void
ovr_clear(struct dm_ovr *o)
{
	size_t i;

	for (i = 0; i < o->nlayers; i++)
		free(o->layers[i].order);
	for (i = 0; i < o->narrays; i++)
		free(o->arrays[i].rename);
	free(o->layers);
	free(o->arrays);
	free(o->for_cfg);
	free(o->for_hash);
	free(o->note);
	free(o->path);
	free(o->names);
	free(o->dtype);
	free(o->wrap);
	free(o->target);
	free(o->target_hash);
	memset(o, 0, sizeof *o);
	o->for_size = DM_UNSET;
	o->dialect = o->header = o->transpose = o->layout = DM_UNSET;
	o->data_end = DM_UNSET;
}

void
dm_ovr_free(struct dm_ovr *o)
{
	if (o == NULL)
		return;
	ovr_clear(o);
	free(o);
}

int
dm_ovr_empty(const struct dm_ovr *o)
{
	return o == NULL || (o->dialect == DM_UNSET && o->header == DM_UNSET &&
	    o->transpose == DM_UNSET && o->data_end == DM_UNSET &&
	    o->layout == DM_UNSET && o->nlayers == 0 && o->narrays == 0 &&
	    o->names == NULL && o->dtype == NULL && o->wrap == NULL &&
	    o->target == NULL);
}

/* The overrides of layer, or of its array name; NULL when there are none. */
static struct dm_layer_ovr *
layer_of(const struct dm_ovr *o, size_t layer)
{
	size_t i;

	for (i = 0; i < o->nlayers; i++)
		if (o->layers[i].layer == layer)
			return &o->layers[i];
	return NULL;
}

static struct dm_array_ovr *
array_of(const struct dm_ovr *o, size_t layer, const char *name)
{
	size_t i;

	for (i = 0; i < o->narrays; i++)
		if (o->arrays[i].layer == layer &&
		    strcmp(o->arrays[i].name, name) == 0)
			return &o->arrays[i];
	return NULL;
}

const struct dm_layer_ovr *
dm_ovr_find_layer(const struct dm_ovr *o, size_t layer)
{
	return layer_of(o, layer);
}

const struct dm_array_ovr *
dm_ovr_find_array(const struct dm_ovr *o, size_t layer, const char *name)
{
	return array_of(o, layer, name);
}

static int
cmp_layer(const void *a, const void *b)
{
	const struct dm_layer_ovr *x = a, *y = b;

	return x->layer < y->layer ? -1 : x->layer > y->layer;
}

static int
cmp_array(const void *a, const void *b)
{
	const struct dm_array_ovr *x = a, *y = b;

	if (x->layer != y->layer)
		return x->layer < y->layer ? -1 : 1;
	return strcmp(x->name, y->name);
}

/*
 * The array v of n elements of size bytes, grown by one zeroed element;
 * NULL with err set (v is then unchanged).
 */
static void *
grow(void *v, size_t n, size_t size, struct dm_error *err)
{
	unsigned char *p;

	if (n >= SIZE_MAX / size - 1 || (p = realloc(v, (n + 1) * size)) ==
	    NULL) {
		dm_error_set(err, DM_ERR_NOMEM, "out of memory");
		return NULL;
	}
	memset(p + n * size, 0, size);
	return p;
}

/* Layer l's overrides, all unset: it keeps its layer and line. */
static void
layer_reset(struct dm_layer_ovr *l)
{
	free(l->order);
	l->order = NULL;
	l->absent = l->omit = l->cutoff = 0;
	l->gap = 0;
	l->offset = DM_UNSET;
}

/* Array a's overrides, all unset: it keeps its layer, name and line. */
static void
array_reset(struct dm_array_ovr *a)
{
	free(a->rename);
	a->rename = NULL;
	a->transpose = DM_UNSET;
	a->nperm = a->nreshape = 0;
	a->count = DM_UNSET;
}

struct dm_layer_ovr *
dm_ovr_layer(struct dm_ovr *o, size_t layer, struct dm_error *err)
{
	struct dm_layer_ovr *l;

	if ((l = layer_of(o, layer)) != NULL) {
		l->line = 0;
		return l;
	}
	if ((l = grow(o->layers, o->nlayers, sizeof *l, err)) == NULL)
		return NULL;
	o->layers = l;
	l = &o->layers[o->nlayers++];
	l->layer = layer;
	layer_reset(l);
	qsort(o->layers, o->nlayers, sizeof *l, cmp_layer);
	return layer_of(o, layer);
}

struct dm_array_ovr *
dm_ovr_array(struct dm_ovr *o, size_t layer, const char *name,
    struct dm_error *err)
{
	struct dm_array_ovr *a;

	if (strlen(name) >= DM_ARRAY_NAME_MAX || *name == '\0') {
		dm_error_set(err, DM_ERR_INVALID, "bad array name '%s'", name);
		return NULL;
	}
	if ((a = array_of(o, layer, name)) != NULL) {
		a->line = 0;
		return a;
	}
	if ((a = grow(o->arrays, o->narrays, sizeof *a, err)) == NULL)
		return NULL;
	o->arrays = a;
	a = &o->arrays[o->narrays++];
	a->layer = layer;
	snprintf(a->name, sizeof a->name, "%s", name);
	array_reset(a);
	qsort(o->arrays, o->narrays, sizeof *a, cmp_array);
	return array_of(o, layer, name);
}

static int
dup_str(char **dst, const char *src, struct dm_error *err)
{
	char *p = NULL;

	if (src != NULL && (p = strdup(src)) == NULL)
		return dm_error_set(err, DM_ERR_NOMEM, "out of memory");
	free(*dst);
	*dst = p;
	return 0;
}

/*
 * Copies n rows of size bytes from src into dst (NULL when its allocation
 * failed), each with its own copy of the string at offset str; *count
 * follows the rows whose string is owned, so that ovr_clear() frees
 * exactly those when a copy fails half-way.
 */
static int
copy_rows(void *dst, const void *src, size_t n, size_t size, size_t str,
    size_t *count, struct dm_error *err)
{
	unsigned char *d = dst;
	const unsigned char *s = src;
	char *p, *q;
	size_t i;

	if (dst == NULL)
		return dm_error_set(err, DM_ERR_NOMEM, "out of memory");
	for (i = 0; i < n; i++, d += size, s += size) {
		q = NULL;
		memcpy(d, s, size);
		memcpy(&p, s + str, sizeof p);
		memcpy(d + str, &q, sizeof q);
		*count = i + 1;
		if (dup_str(&q, p, err) == -1)
			return -1;
		memcpy(d + str, &q, sizeof q);
	}
	return 0;
}

int
dm_ovr_copy(struct dm_ovr *dst, const struct dm_ovr *src,
    struct dm_error *err)
{
	ovr_clear(dst);
	dst->for_size = src->for_size;
	dst->dialect = src->dialect;
	dst->header = src->header;
	dst->transpose = src->transpose;
	dst->data_end = src->data_end;
	dst->layout = src->layout;
	if (dup_str(&dst->for_cfg, src->for_cfg, err) == -1 ||
	    dup_str(&dst->for_hash, src->for_hash, err) == -1 ||
	    dup_str(&dst->note, src->note, err) == -1 ||
	    dup_str(&dst->path, src->path, err) == -1 ||
	    dup_str(&dst->names, src->names, err) == -1 ||
	    dup_str(&dst->dtype, src->dtype, err) == -1 ||
	    dup_str(&dst->wrap, src->wrap, err) == -1 ||
	    dup_str(&dst->target, src->target, err) == -1 ||
	    dup_str(&dst->target_hash, src->target_hash, err) == -1)
		return -1;
	if (src->nlayers > 0) {
		dst->layers = calloc(src->nlayers, sizeof *dst->layers);
		if (copy_rows(dst->layers, src->layers, src->nlayers,
		    sizeof *dst->layers, offsetof(struct dm_layer_ovr, order),
		    &dst->nlayers, err) == -1)
			return -1;
	}
	if (src->narrays > 0) {
		dst->arrays = calloc(src->narrays, sizeof *dst->arrays);
		if (copy_rows(dst->arrays, src->arrays, src->narrays,
		    sizeof *dst->arrays, offsetof(struct dm_array_ovr, rename),
		    &dst->narrays, err) == -1)
			return -1;
	}
	return 0;
}

/*
 * The algebra of overrides: copies, equality, pruning, merging, the
 * identity of the files a set is for, and the differences between two
 * sets.  All of it works on the structures; two sets are equal when
 * dm_profile_fprint() would print them alike (the lines entries were read
 * from and the profile's path do not count).
 */

struct dm_ovr *
dm_ovr_dup(const struct dm_ovr *src)
{
	struct dm_ovr *o;

	if ((o = dm_ovr_new()) == NULL)
		return NULL;
	if (dm_ovr_copy(o, src, NULL) == -1) {
		dm_ovr_free(o);
		return NULL;
	}
	return o;
}

static int
str_equal(const char *a, const char *b)
{
	return a == NULL || b == NULL ? a == b : strcmp(a, b) == 0;
}

static int
layer_equal(const struct dm_layer_ovr *a, const struct dm_layer_ovr *b)
{
	return a->layer == b->layer && a->absent == b->absent &&
	    a->omit == b->omit && a->cutoff == b->cutoff &&
	    a->offset == b->offset && a->gap == b->gap &&
	    str_equal(a->order, b->order);
}

static int
array_equal(const struct dm_array_ovr *a, const struct dm_array_ovr *b)
{
	int k;

	if (a->layer != b->layer || strcmp(a->name, b->name) != 0 ||
	    a->count != b->count || a->transpose != b->transpose ||
	    a->nreshape != b->nreshape || a->nperm != b->nperm ||
	    !str_equal(a->rename, b->rename))
		return 0;
	for (k = 0; k < a->nreshape && k < DM_SHAPE_MAX; k++)
		if (a->reshape[k] != b->reshape[k])
			return 0;
	for (k = 0; k < a->nperm && k < DM_SHAPE_MAX; k++)
		if (a->perm[k] != b->perm[k])
			return 0;
	return 1;
}

int
dm_ovr_equal(const struct dm_ovr *a, const struct dm_ovr *b)
{
	size_t i;

	if (!str_equal(a->for_cfg, b->for_cfg) || a->for_size != b->for_size ||
	    !str_equal(a->for_hash, b->for_hash) ||
	    !str_equal(a->note, b->note) || a->dialect != b->dialect ||
	    a->header != b->header || a->transpose != b->transpose ||
	    a->data_end != b->data_end || a->layout != b->layout ||
	    a->nlayers != b->nlayers || a->narrays != b->narrays ||
	    !str_equal(a->names, b->names) || !str_equal(a->dtype, b->dtype) ||
	    !str_equal(a->wrap, b->wrap) || !str_equal(a->target, b->target) ||
	    !str_equal(a->target_hash, b->target_hash))
		return 0;
	for (i = 0; i < a->nlayers; i++)
		if (!layer_equal(&a->layers[i], &b->layers[i]))
			return 0;
	for (i = 0; i < a->narrays; i++)
		if (!array_equal(&a->arrays[i], &b->arrays[i]))
			return 0;
	return 1;
}

void
dm_ovr_prune(struct dm_ovr *o)
{
	size_t i, n;

	for (i = n = 0; i < o->nlayers; i++) {
		struct dm_layer_ovr *l = &o->layers[i];

		if (!l->absent && !l->omit && !l->cutoff && l->gap == 0 &&
		    l->offset == DM_UNSET && l->order == NULL)
			continue;
		o->layers[n++] = *l;
	}
	o->nlayers = n;
	for (i = n = 0; i < o->narrays; i++) {
		struct dm_array_ovr *a = &o->arrays[i];

		if (a->transpose != 1 && a->nperm == 0 && a->rename == NULL &&
		    a->nreshape == 0 && a->count == DM_UNSET)
			continue;
		o->arrays[n++] = *a;
	}
	o->narrays = n;
}

void
dm_ovr_clear(struct dm_ovr *o, long layer)
{
	size_t i;

	if (layer < 0) {
		o->header = o->transpose = o->layout = DM_UNSET;
		o->data_end = DM_UNSET;
		/* The note a repair left says why the overrides were. */
		free(o->note);
		o->note = NULL;
	}
	for (i = 0; i < o->nlayers; i++)
		if (layer < 0 || o->layers[i].layer == (size_t)layer)
			layer_reset(&o->layers[i]);
	for (i = 0; i < o->narrays; i++)
		if (layer < 0 || o->arrays[i].layer == (size_t)layer)
			array_reset(&o->arrays[i]);
	dm_ovr_prune(o);
}

int
dm_ovr_merge(struct dm_ovr *dst, const struct dm_ovr *src,
    struct dm_error *err)
{
	size_t i;

	if (src->header != DM_UNSET)
		dst->header = src->header;
	if (src->transpose != DM_UNSET)
		dst->transpose = src->transpose;
	if (src->data_end != DM_UNSET)
		dst->data_end = src->data_end;
	for (i = 0; i < src->nlayers; i++) {
		const struct dm_layer_ovr *c = &src->layers[i];
		struct dm_layer_ovr *l = dm_ovr_layer(dst, c->layer, err);

		if (l == NULL)
			return -1;
		l->absent |= c->absent;
		l->omit |= c->omit;
		l->cutoff |= c->cutoff;
		if (c->offset != DM_UNSET)
			l->offset = c->offset;
		if (c->gap != 0)
			l->gap = c->gap;
		if (c->order != NULL && dup_str(&l->order, c->order, err) == -1)
			return -1;
	}
	for (i = 0; i < src->narrays; i++) {
		const struct dm_array_ovr *c = &src->arrays[i];
		struct dm_array_ovr *a = dm_ovr_array(dst, c->layer, c->name,
		    err);

		if (a == NULL)
			return -1;
		if (c->transpose != DM_UNSET)
			a->transpose = c->transpose;
		if (c->nperm > 0) {
			a->nperm = c->nperm;
			memcpy(a->perm, c->perm, sizeof a->perm);
		}
		if (c->nreshape > 0) {
			a->nreshape = c->nreshape;
			memcpy(a->reshape, c->reshape, sizeof a->reshape);
		}
		if (c->count != DM_UNSET)
			a->count = c->count;
		if (c->rename != NULL &&
		    dup_str(&a->rename, c->rename, err) == -1)
			return -1;
	}
	if ((src->names != NULL && dup_str(&dst->names, src->names, err) ==
	    -1) || (src->dtype != NULL && dup_str(&dst->dtype, src->dtype,
	    err) == -1) || (src->wrap != NULL && dup_str(&dst->wrap,
	    src->wrap, err) == -1) || (src->target != NULL &&
	    dup_str(&dst->target, src->target, err) == -1) ||
	    (src->target_hash != NULL && dup_str(&dst->target_hash,
	    src->target_hash, err) == -1))
		return -1;
	return 0;
}

const char *
dm_base_name(const char *path)
{
	const char *s;

	if (path == NULL)
		return "";
	s = strrchr(path, '/');
	return s != NULL ? s + 1 : path;
}

int
dm_ovr_identify(struct dm_ovr *o, const struct dm_ovr_identity *id,
    struct dm_error *err)
{
	char hash[64];

	if (dup_str(&o->for_cfg, dm_base_name(id->cfg_path), err) == -1)
		return -1;
	if (id->head != NULL) {
		o->for_size = id->size;
		dm_profile_hash(id->head, id->headlen, hash, sizeof hash);
		if (dup_str(&o->for_hash, hash, err) == -1)
			return -1;
	}
	if (o->dialect == DM_UNSET)
		o->dialect = id->dialect;
	return 0;
}

size_t
dm_ovr_identity_notes(const struct dm_ovr *o, const char *profile,
    const struct dm_ovr_identity *id, char notes[][DM_NOTE_MAX])
{
	const char *cfg = dm_base_name(id->cfg_path);
	char hash[64];
	size_t n = 0;

	if (o->for_cfg != NULL && strcmp(o->for_cfg, cfg) != 0)
		snprintf(notes[n++], DM_NOTE_MAX, "warning: %s was made for "
		    "the cfg %s, not %s", profile, o->for_cfg, cfg);
	if (id->head == NULL)
		return n;
	if (o->for_size != DM_UNSET && o->for_size != id->size)
		snprintf(notes[n++], DM_NOTE_MAX, "warning: %s was made for a "
		    "weights file of %lld bytes; %s has %lld", profile,
		    (long long)o->for_size, id->weights_path,
		    (long long)id->size);
	else if (o->for_hash != NULL) {
		dm_profile_hash(id->head, id->headlen, hash, sizeof hash);
		if (strcmp(hash, o->for_hash) != 0)
			snprintf(notes[n++], DM_NOTE_MAX, "warning: %s was "
			    "made for another weights file (its first bytes "
			    "differ from %s's)", profile, id->weights_path);
	}
	return n;
}

/* Parses a whole decimal number (optionally negative) into *out. */
static int
parse_i64(const char *s, int64_t *out)
{
	char *end;
	long long v;

	if (*s == '\0')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	*out = v;
	return 0;
}

static int
parse_size(const char *s, size_t *out)
{
	int64_t v;

	if (parse_i64(s, &v) == -1 || v < 0 || v > INT_MAX)
		return -1;
	*out = (size_t)v;
	return 0;
}

/* "1,0,2" into up to DM_SHAPE_MAX unsigned numbers. */
static int
parse_list(const char *s, uint64_t *v, int *n)
{
	char buf[32];
	const char *e;
	int64_t x;
	size_t len;

	*n = 0;
	for (;;) {
		e = strchr(s, ',');
		len = e ? (size_t)(e - s) : strlen(s);
		if (len == 0 || len >= sizeof buf || *n == DM_SHAPE_MAX)
			return -1;
		memcpy(buf, s, len);
		buf[len] = '\0';
		if (parse_i64(buf, &x) == -1 || x < 0)
			return -1;
		v[(*n)++] = (uint64_t)x;
		if (e == NULL)
			return 0;
		s = e + 1;
	}
}

static int
parse_perm(const char *s, int *perm, int *n)
{
	uint64_t v[DM_SHAPE_MAX];
	int i, j, seen = 0;

	if (parse_list(s, v, n) == -1)
		return -1;
	for (i = 0; i < *n; i++) {
		if (v[i] >= (uint64_t)*n || (seen & (1 << v[i])))
			return -1;
		seen |= 1 << v[i];
		perm[i] = (int)v[i];
	}
	for (j = *n; j < DM_SHAPE_MAX; j++)
		perm[j] = 0;
	return 0;
}

static int
parse_bool(const char *s, int *out)
{
	if (strcmp(s, "1") == 0 || strcmp(s, "yes") == 0) {
		*out = 1;
		return 0;
	}
	if (strcmp(s, "0") == 0 || strcmp(s, "no") == 0) {
		*out = 0;
		return 0;
	}
	return -1;
}

/* How a key's value is read and where it is kept. */
enum okey_kind {
	OK_BOOL,		/* 1/yes or 0/no, into an int */
	OK_I64,			/* a whole number, into an int64_t */
	OK_SIZE,		/* a whole number >= 0, into an int64_t */
	OK_HEADER,		/* a header size, into an int */
	OK_CHOICE,		/* one of choices, its index into an int */
	OK_WORD,		/* one of choices, copied into a char * */
	OK_TEXT,		/* non-empty text, copied into a char * */
	OK_ANY_TEXT,		/* any text, copied into a char * */
	OK_HASH,		/* "fnv1a64:" and 16 more, copied */
	OK_PERM,		/* an axis order, into int[] and its count */
	OK_SHAPE		/* a shape, into uint64_t[] and its count */
};

struct okey {
	const char	*key;
	enum okey_kind	 kind;
	size_t		 off;		/* of the field in its entry */
	size_t		 noff;		/* OK_PERM, OK_SHAPE: of the count */
	const char *const *choices;	/* OK_CHOICE, OK_WORD: NULL-ended */
};

static const char *const dialect_words[] = { "ab", "pj", NULL };
static const char *const layout_words[] = { "load", "save", NULL };
static const char *const dtype_words[] = { "float32", "float16", NULL };
static const char *const wrap_words[] = { "model", "none", NULL };

#define OKEY(k, kind, type, f)	{ k, kind, offsetof(type, f), 0, NULL }

/* The keys of [file] and [export]. */
static const struct okey file_okeys[] = {
	OKEY("header", OK_HEADER, struct dm_ovr, header),
	OKEY("transpose", OK_BOOL, struct dm_ovr, transpose),
	{ "dialect", OK_CHOICE, offsetof(struct dm_ovr, dialect), 0,
	    dialect_words },
	OKEY("data_end", OK_SIZE, struct dm_ovr, data_end),
	{ "layout", OK_CHOICE, offsetof(struct dm_ovr, layout), 0,
	    layout_words },
	OKEY("names", OK_ANY_TEXT, struct dm_ovr, names),
	{ "dtype", OK_WORD, offsetof(struct dm_ovr, dtype), 0, dtype_words },
	{ "wrap", OK_WORD, offsetof(struct dm_ovr, wrap), 0, wrap_words },
	OKEY("target", OK_ANY_TEXT, struct dm_ovr, target),
	OKEY("target_hash", OK_HASH, struct dm_ovr, target_hash),
	{ NULL, 0, 0, 0, NULL }
};

/* The keys of [layer]. */
static const struct okey layer_okeys[] = {
	OKEY("absent", OK_BOOL, struct dm_layer_ovr, absent),
	OKEY("omit", OK_BOOL, struct dm_layer_ovr, omit),
	OKEY("cutoff", OK_BOOL, struct dm_layer_ovr, cutoff),
	OKEY("offset", OK_SIZE, struct dm_layer_ovr, offset),
	OKEY("gap", OK_I64, struct dm_layer_ovr, gap),
	OKEY("order", OK_TEXT, struct dm_layer_ovr, order),
	{ NULL, 0, 0, 0, NULL }
};

/* The keys of [array]. */
static const struct okey array_okeys[] = {
	OKEY("transpose", OK_BOOL, struct dm_array_ovr, transpose),
	{ "permute", OK_PERM, offsetof(struct dm_array_ovr, perm),
	    offsetof(struct dm_array_ovr, nperm), NULL },
	OKEY("rename", OK_TEXT, struct dm_array_ovr, rename),
	{ "reshape", OK_SHAPE, offsetof(struct dm_array_ovr, reshape),
	    offsetof(struct dm_array_ovr, nreshape), NULL },
	OKEY("count", OK_SIZE, struct dm_array_ovr, count),
	{ NULL, 0, 0, 0, NULL }
};

/* The index of word in the NULL-ended words, or -1. */
static int
word_index(const char *const *words, const char *word)
{
	int i;

	for (i = 0; words[i] != NULL; i++)
		if (strcmp(words[i], word) == 0)
			return i;
	return -1;
}

int
dm_ovr_choice(const char *opt, const char *word, struct dm_error *err)
{
	const struct okey *t;
	int i;

	for (t = file_okeys; t->key != NULL; t++)
		if (t->kind == OK_CHOICE && strcmp(t->key, opt) == 0)
			break;
	if (t->key == NULL)
		return dm_error_set(err, DM_ERR_USAGE, "no option %s", opt);
	if ((i = word_index(t->choices, word)) != -1)
		return i;
	return dm_error_set(err, DM_ERR_USAGE, "invalid %s '%s' (use %s or "
	    "%s)", opt, word, t->choices[0], t->choices[1]);
}

/*
 * Sets key of the entry at base, whose keys are t, from the text val:
 * 0, or -1 for a key not in t, -2 for a bad value, -3 with err set.
 */
static int
set_key(void *base, const struct okey *t, const char *key, const char *val,
    struct dm_error *err)
{
	unsigned char *p = base;
	int64_t v;
	int b;

	while (t->key != NULL && strcmp(t->key, key) != 0)
		t++;
	if (t->key == NULL)
		return -1;
	p += t->off;
	switch (t->kind) {
	case OK_BOOL:
		if (parse_bool(val, &b) == -1)
			return -2;
		*(int *)p = b;
		return 0;
	case OK_I64:
	case OK_SIZE:
		if (parse_i64(val, &v) == -1 || (t->kind == OK_SIZE && v < 0))
			return -2;
		*(int64_t *)p = v;
		return 0;
	case OK_HEADER:
		if (parse_i64(val, &v) == -1 ||
		    (v != DM_HEADER_SHORT && v != DM_HEADER_LONG))
			return -2;
		*(int *)p = (int)v;
		return 0;
	case OK_CHOICE:
		if ((b = word_index(t->choices, val)) == -1)
			return -2;
		*(int *)p = b;
		return 0;
	case OK_WORD:
	case OK_TEXT:
	case OK_ANY_TEXT:
	case OK_HASH:
		if ((t->kind == OK_WORD && word_index(t->choices, val) == -1) ||
		    (t->kind == OK_TEXT && *val == '\0') ||
		    (t->kind == OK_HASH && (strncmp(val, "fnv1a64:", 8) != 0 ||
		    strlen(val) != 24)))
			return -2;
		return dup_str((char **)p, val, err) == -1 ? -3 : 0;
	case OK_PERM:
		return parse_perm(val, (int *)p,
		    (int *)((unsigned char *)base + t->noff)) == -1 ? -2 : 0;
	case OK_SHAPE:
		return parse_list(val, (uint64_t *)p,
		    (int *)((unsigned char *)base + t->noff)) == -1 ? -2 : 0;
	}
	return -1;
}

int
dm_ovr_parse_option(struct dm_ovr *o, const char *opt, const char *arg,
    struct dm_error *err)
{
	char buf[256], *key, *sel, *val, *colon;
	struct dm_layer_ovr *l;
	struct dm_array_ovr *a;
	size_t layer;
	int rc, flag;

	/* File-wide: --header 16, --transpose yes, --data-end N. */
	if (strcmp(opt, "header") == 0 || strcmp(opt, "transpose") == 0 ||
	    strcmp(opt, "data-end") == 0) {
		rc = set_key(o, file_okeys, strcmp(opt, "data-end") == 0 ?
		    "data_end" : opt, arg, err);
		if (rc == -3)
			return -1;
		if (rc != 0)
			return dm_error_set(err, DM_ERR_USAGE, "invalid --%s "
			    "'%s'", opt, arg);
		return 0;
	}
	/*
	 * Per layer: --absent L, --omit L, --cutoff L, --gap L=N,
	 * --offset L=N, --order L=a,b.  Per array: --count L:ARRAY=N,
	 * --transpose-array L:ARRAY, --permute L:ARRAY=1,0,
	 * --rename L:ARRAY=KEY, --reshape L:ARRAY=2,3.
	 */
	if (strlen(arg) >= sizeof buf)
		return dm_error_set(err, DM_ERR_USAGE, "--%s: argument too "
		    "long", opt);
	snprintf(buf, sizeof buf, "%s", arg);
	sel = buf;
	val = strchr(buf, '=');
	if (val != NULL)
		*val++ = '\0';
	colon = strchr(sel, ':');
	if (colon != NULL)
		*colon++ = '\0';
	if (parse_size(sel, &layer) == -1)
		return dm_error_set(err, DM_ERR_USAGE, "--%s '%s': expected a "
		    "layer index first", opt, arg);
	flag = strcmp(opt, "absent") == 0 || strcmp(opt, "omit") == 0 ||
	    strcmp(opt, "cutoff") == 0;
	if (flag || strcmp(opt, "gap") == 0 || strcmp(opt, "offset") == 0 ||
	    strcmp(opt, "order") == 0) {
		/* Flags take a layer alone, the others LAYER=VALUE. */
		if (colon != NULL || (val == NULL) != flag)
			return dm_error_set(err, DM_ERR_USAGE, "--%s '%s': "
			    "expected %s", opt, arg, flag ? "a layer index" :
			    "LAYER=VALUE");
		if ((l = dm_ovr_layer(o, layer, err)) == NULL)
			return -1;
		rc = set_key(l, layer_okeys, opt, val != NULL ? val : "1", err);
	} else {
		key = strcmp(opt, "transpose-array") == 0 ? "transpose" :
		    (char *)opt;
		if (colon == NULL || *colon == '\0' ||
		    (val == NULL) != (strcmp(key, "transpose") == 0))
			return dm_error_set(err, DM_ERR_USAGE, "--%s '%s': "
			    "expected LAYER:ARRAY%s", opt, arg,
			    strcmp(key, "transpose") == 0 ? "" : "=VALUE");
		if ((a = dm_ovr_array(o, layer, colon, err)) == NULL)
			return -1;
		rc = set_key(a, array_okeys, key, val != NULL ? val : "1", err);
	}
	if (rc == -3)
		return -1;
	if (rc != 0)
		return dm_error_set(err, DM_ERR_USAGE, "invalid --%s '%s'",
		    opt, arg);
	return 0;
}

int
dm_ovr_locate(const struct dm_ovr *o, int line, struct dm_error *err)
{
	if (o == NULL || o->path == NULL || line <= 0)
		return -1;
	dm_error_prefix(err, "%s:%d", o->path, line);
	return dm_error_at_line(err, o->path, line);
}

int
dm_ovr_check(const struct dm_ovr *o, const struct dm_net *net,
    struct dm_error *err)
{
	size_t i, k;

	for (i = 0; i < o->nlayers; i++)
		if (o->layers[i].layer >= net->nlayers) {
			dm_error_set(err, DM_ERR_INVALID, "override of layer "
			    "%zu, but %s has %zu layers (0-%zu)",
			    o->layers[i].layer, net->cfg->path, net->nlayers,
			    net->nlayers - 1);
			return dm_ovr_locate(o, o->layers[i].line, err);
		}
	for (i = 0; i < o->narrays; i++) {
		const struct dm_array_ovr *a = &o->arrays[i];
		const struct dm_layer *l;

		if (a->layer >= net->nlayers) {
			dm_error_set(err, DM_ERR_INVALID, "override of layer "
			    "%zu array %s, but %s has %zu layers", a->layer,
			    a->name, net->cfg->path, net->nlayers);
			return dm_ovr_locate(o, a->line, err);
		}
		l = &net->layers[a->layer];
		for (k = 0; k < l->narrays; k++)
			if (strcmp(net->arrays[l->first_array + k].name,
			    a->name) == 0)
				break;
		if (k == l->narrays) {
			dm_error_set(err, DM_ERR_INVALID, "override of layer "
			    "%zu array %s, but that layer has no such array",
			    a->layer, a->name);
			dm_error_at_layer(err, (long)a->layer);
			return dm_ovr_locate(o, a->line, err);
		}
	}
	return 0;
}

void
dm_profile_hash(const uint8_t *head, size_t len, char *buf, size_t buflen)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= head[i];
		h *= 0x100000001b3ULL;
	}
	snprintf(buf, buflen, "fnv1a64:%016" PRIx64, h);
}

/* Reading. */

enum psect { PS_NONE, PS_PROFILE, PS_FILE, PS_LAYER, PS_ARRAY, PS_EXPORT };

struct preader {
	const char	*path;
	struct dm_ovr	*o;
	enum psect	 sect;
	int		 sect_line;
	int		 have_version;
	/* A [layer] or [array] entry collects keys until it is complete. */
	char		 keys[PR_KEYS_MAX][PR_KEY_MAX];
	char		 vals[PR_KEYS_MAX][PR_VAL_MAX];
	int		 lines[PR_KEYS_MAX];
	int		 nkeys;
	struct dm_error	*err;
};

static int perr(struct preader *, int, const char *, ...)
    __attribute__((format(printf, 3, 4)));

static int
perr(struct preader *r, int line, const char *fmt, ...)
{
	char msg[DM_ERROR_MAX / 2];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return dm_error_line(r->err, DM_ERR_SYNTAX, r->path, line, "%s", msg);
}

static const char *
pending(struct preader *r, const char *key, int *line)
{
	int i;

	for (i = 0; i < r->nkeys; i++)
		if (strcmp(r->keys[i], key) == 0) {
			*line = r->lines[i];
			return r->vals[i];
		}
	return NULL;
}

/* Applies a collected [layer] or [array] entry. */
/*
 * Sets the keys read for the [sect] entry at base, whose keys are t, but
 * layer= and an array's name=; -1 with the error naming the line.
 */
static int
set_pending(struct preader *r, void *base, const struct okey *t,
    const char *sect)
{
	int i, rc;

	for (i = 0; i < r->nkeys; i++) {
		if (strcmp(r->keys[i], "layer") == 0 ||
		    (t == array_okeys && strcmp(r->keys[i], "name") == 0))
			continue;
		rc = set_key(base, t, r->keys[i], r->vals[i], r->err);
		if (rc == -3)
			return -1;
		if (rc == -1)
			return perr(r, r->lines[i], "unknown key '%s' in [%s]",
			    r->keys[i], sect);
		if (rc == -2)
			return perr(r, r->lines[i], "invalid value '%s' for %s",
			    r->vals[i], r->keys[i]);
	}
	return 0;
}

static int
flush_entry(struct preader *r)
{
	const char *v;
	size_t layer;
	int line;

	if (r->sect != PS_LAYER && r->sect != PS_ARRAY)
		return 0;
	if ((v = pending(r, "layer", &line)) == NULL)
		return perr(r, r->sect_line, "[%s] needs layer=",
		    r->sect == PS_LAYER ? "layer" : "array");
	if (parse_size(v, &layer) == -1)
		return perr(r, line, "layer=%s is not a layer index", v);
	if (r->sect == PS_LAYER) {
		struct dm_layer_ovr *l;

		if (dm_ovr_find_layer(r->o, layer) != NULL)
			return perr(r, r->sect_line, "layer %zu appears twice",
			    layer);
		if ((l = dm_ovr_layer(r->o, layer, r->err)) == NULL)
			return -1;
		l->line = r->sect_line;
		if (set_pending(r, l, layer_okeys, "layer") == -1)
			return -1;
	} else {
		struct dm_array_ovr *a;
		const char *name = pending(r, "name", &line);

		if (name == NULL)
			return perr(r, r->sect_line, "[array] needs name=");
		if (dm_ovr_find_array(r->o, layer, name) != NULL)
			return perr(r, r->sect_line, "layer %zu array %s "
			    "appears twice", layer, name);
		if ((a = dm_ovr_array(r->o, layer, name, r->err)) == NULL) {
			dm_error_prefix(r->err, "%s:%d", r->path, line);
			return dm_error_at_line(r->err, r->path, line);
		}
		a->line = r->sect_line;
		if (set_pending(r, a, array_okeys, "array") == -1)
			return -1;
	}
	r->nkeys = 0;
	return 0;
}

static int
profile_key(struct preader *r, const char *key, const char *val, int line)
{
	int64_t v;
	int rc, i;

	switch (r->sect) {
	case PS_NONE:
		return perr(r, line, "'%s' before the first section", key);
	case PS_PROFILE:
		if (strcmp(key, "version") == 0) {
			if (parse_i64(val, &v) == -1 || v < 1)
				return perr(r, line, "invalid version '%s'", val);
			if (v > DM_PROFILE_VERSION)
				return perr(r, line, "profile version %" PRId64
				    " is newer than this darkmap reads (%d)", v,
				    DM_PROFILE_VERSION);
			r->have_version = 1;
			return 0;
		}
		if (strcmp(key, "cfg") == 0)
			return dup_str(&r->o->for_cfg, val, r->err);
		if (strcmp(key, "weights_size") == 0) {
			if (parse_i64(val, &v) == -1 || v < 0)
				return perr(r, line, "invalid weights_size "
				    "'%s'", val);
			r->o->for_size = v;
			return 0;
		}
		if (strcmp(key, "weights_hash") == 0)
			return dup_str(&r->o->for_hash, val, r->err);
		if (strcmp(key, "note") == 0)
			return dup_str(&r->o->note, val, r->err);
		return perr(r, line, "unknown key '%s' in [profile]", key);
	case PS_FILE:
	case PS_EXPORT:
		if ((r->sect == PS_FILE) != (strcmp(key, "names") != 0 &&
		    strcmp(key, "dtype") != 0 && strcmp(key, "wrap") != 0 &&
		    strcmp(key, "target") != 0 &&
		    strcmp(key, "target_hash") != 0))
			return perr(r, line, "unknown key '%s' in [%s]", key,
			    r->sect == PS_FILE ? "file" : "export");
		rc = set_key(r->o, file_okeys, key, val, r->err);
		if (rc == -3)
			return -1;
		if (rc == -1)
			return perr(r, line, "unknown key '%s'", key);
		if (rc == -2)
			return perr(r, line, "invalid value '%s' for %s", val,
			    key);
		return 0;
	default:
		for (i = 0; i < r->nkeys; i++)
			if (strcmp(r->keys[i], key) == 0)
				return perr(r, line, "'%s' given twice", key);
		if (r->nkeys == PR_KEYS_MAX || strlen(key) >= PR_KEY_MAX ||
		    strlen(val) >= PR_VAL_MAX)
			return perr(r, line, "entry too long");
		snprintf(r->keys[r->nkeys], PR_KEY_MAX, "%s", key);
		snprintf(r->vals[r->nkeys], PR_VAL_MAX, "%s", val);
		r->lines[r->nkeys++] = line;
		return 0;
	}
}

/* Strips spaces, tabs and CR at both ends, in place. */
static char *
trim(char *s)
{
	size_t n;

	while (*s == ' ' || *s == '\t' || *s == '\r')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' ||
	    s[n - 1] == '\r'))
		s[--n] = '\0';
	return s;
}

static int
profile_line(struct preader *r, char *s, int line)
{
	char *eq;

	/*
	 * Like a cfg, '#' and ';' start a comment line; unlike a cfg, spaces
	 * inside a value (a note, a key template) are kept: only those
	 * around the line, the key and the value go.
	 */
	s = trim(s);
	if (s[0] == '\0' || s[0] == '#' || s[0] == ';')
		return 0;
	if (s[0] == '[') {
		if (flush_entry(r) == -1)
			return -1;
		r->sect_line = line;
		if (strcmp(s, "[profile]") == 0)
			r->sect = PS_PROFILE;
		else if (strcmp(s, "[file]") == 0)
			r->sect = PS_FILE;
		else if (strcmp(s, "[layer]") == 0)
			r->sect = PS_LAYER;
		else if (strcmp(s, "[array]") == 0)
			r->sect = PS_ARRAY;
		else if (strcmp(s, "[export]") == 0)
			r->sect = PS_EXPORT;
		else
			return perr(r, line, "unknown section '%.40s' (use "
			    "[profile], [file], [layer], [array], [export])", s);
		if (r->sect != PS_PROFILE && !r->have_version)
			return perr(r, line, "the profile must start with "
			    "[profile] and version=");
		return 0;
	}
	if ((eq = strchr(s, '=')) == NULL)
		return perr(r, line, "expected key=value, got '%.40s'", s);
	*eq = '\0';
	if (*trim(s) == '\0' || *trim(eq + 1) == '\0')
		return perr(r, line, "expected key=value, got '%.40s='", s);
	return profile_key(r, trim(s), trim(eq + 1), line);
}

struct dm_ovr *
dm_profile_parse(const char *path, const char *buf, size_t len,
    struct dm_error *err)
{
	struct preader *r;
	struct dm_ovr *o;
	const char *p = buf, *end = buf + len, *nl;
	char *line;
	int lineno = 0;

	if ((o = dm_ovr_new()) == NULL || (r = calloc(1, sizeof *r)) == NULL) {
		dm_ovr_free(o);
		dm_error_set(err, DM_ERR_NOMEM, "out of memory");
		return NULL;
	}
	r->path = path;
	r->o = o;
	r->err = err;
	if (dup_str(&o->path, path, err) == -1)
		goto fail;
	while (p < end) {
		lineno++;
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		if (memchr(p, '\0', (size_t)(nl - p)) != NULL) {
			perr(r, lineno, "line contains a NUL byte (is this a "
			    "profile?)");
			goto fail;
		}
		if ((line = malloc((size_t)(nl - p) + 1)) == NULL) {
			dm_error_set(err, DM_ERR_NOMEM, "out of memory");
			goto fail;
		}
		memcpy(line, p, (size_t)(nl - p));
		line[nl - p] = '\0';
		if (profile_line(r, line, lineno) == -1) {
			free(line);
			goto fail;
		}
		free(line);
		p = nl + 1;
	}
	if (flush_entry(r) == -1)
		goto fail;
	if (!r->have_version) {
		perr(r, lineno ? lineno : 1, "not a darkmap profile: no "
		    "[profile] section with version=");
		goto fail;
	}
	free(r);
	return o;
fail:
	free(r);
	dm_ovr_free(o);
	return NULL;
}

struct dm_ovr *
dm_profile_read(const char *path, struct dm_error *err)
{
	struct dm_ovr *o;
	FILE *fp;
	char *buf;
	size_t n;

	if ((fp = fopen(path, "rb")) == NULL) {
		dm_error_file(err, DM_ERR_IO, path, "%s", strerror(errno));
		return NULL;
	}
	/* Profiles are small: refuse anything larger. */
	if ((buf = malloc(DM_PROFILE_MAX + 1)) == NULL) {
		fclose(fp);
		dm_error_set(err, DM_ERR_NOMEM, "out of memory");
		return NULL;
	}
	n = fread(buf, 1, DM_PROFILE_MAX + 1, fp);
	if (ferror(fp) || n > DM_PROFILE_MAX) {
		dm_error_file(err, ferror(fp) ? DM_ERR_IO : DM_ERR_RANGE, path,
		    "%s", ferror(fp) ? "read error" : "too large for a "
		    "profile");
		fclose(fp);
		free(buf);
		return NULL;
	}
	fclose(fp);
	o = dm_profile_parse(path, buf, n, err);
	free(buf);
	return o;
}

/* Writing, in the canonical order. */

static void
print_list(FILE *fp, const char *key, const uint64_t *v, int n)
{
	int i;

	fprintf(fp, "%s=", key);
	for (i = 0; i < n; i++)
		fprintf(fp, "%s%" PRIu64, i ? "," : "", v[i]);
	fputc('\n', fp);
}

int
dm_profile_fprint(const struct dm_ovr *o, FILE *fp)
{
	size_t i;
	int k;

	fprintf(fp, "# darkmap mapping profile: see darkmap-profile(5)\n");
	fprintf(fp, "[profile]\nversion=%d\n", DM_PROFILE_VERSION);
	if (o->for_cfg != NULL)
		fprintf(fp, "cfg=%s\n", o->for_cfg);
	if (o->for_size != DM_UNSET)
		fprintf(fp, "weights_size=%" PRId64 "\n", o->for_size);
	if (o->for_hash != NULL)
		fprintf(fp, "weights_hash=%s\n", o->for_hash);
	if (o->note != NULL)
		fprintf(fp, "note=%s\n", o->note);
	if (o->header != DM_UNSET || o->transpose != DM_UNSET ||
	    o->dialect != DM_UNSET || o->data_end != DM_UNSET ||
	    o->layout != DM_UNSET) {
		fprintf(fp, "\n[file]\n");
		if (o->dialect != DM_UNSET)
			fprintf(fp, "dialect=%s\n", o->dialect == DM_DIALECT_AB ?
			    "ab" : "pj");
		if (o->layout != DM_UNSET)
			fprintf(fp, "layout=%s\n", o->layout == DM_LAYOUT_LOAD ?
			    "load" : "save");
		if (o->header != DM_UNSET)
			fprintf(fp, "header=%d\n", o->header);
		if (o->transpose != DM_UNSET)
			fprintf(fp, "transpose=%d\n", o->transpose);
		if (o->data_end != DM_UNSET)
			fprintf(fp, "data_end=%" PRId64 "\n", o->data_end);
	}
	for (i = 0; i < o->nlayers; i++) {
		const struct dm_layer_ovr *l = &o->layers[i];

		fprintf(fp, "\n[layer]\nlayer=%zu\n", l->layer);
		if (l->absent)
			fprintf(fp, "absent=1\n");
		if (l->omit)
			fprintf(fp, "omit=1\n");
		if (l->offset != DM_UNSET)
			fprintf(fp, "offset=%" PRId64 "\n", l->offset);
		if (l->gap != 0)
			fprintf(fp, "gap=%" PRId64 "\n", l->gap);
		if (l->order != NULL)
			fprintf(fp, "order=%s\n", l->order);
		if (l->cutoff)
			fprintf(fp, "cutoff=1\n");
	}
	for (i = 0; i < o->narrays; i++) {
		const struct dm_array_ovr *a = &o->arrays[i];

		fprintf(fp, "\n[array]\nlayer=%zu\nname=%s\n", a->layer,
		    a->name);
		if (a->count != DM_UNSET)
			fprintf(fp, "count=%" PRId64 "\n", a->count);
		if (a->nreshape > 0)
			print_list(fp, "reshape", a->reshape, a->nreshape);
		if (a->transpose != DM_UNSET)
			fprintf(fp, "transpose=%d\n", a->transpose);
		if (a->nperm > 0) {
			fprintf(fp, "permute=");
			for (k = 0; k < a->nperm; k++)
				fprintf(fp, "%s%d", k ? "," : "", a->perm[k]);
			fputc('\n', fp);
		}
		if (a->rename != NULL)
			fprintf(fp, "rename=%s\n", a->rename);
	}
	if (o->names != NULL || o->dtype != NULL || o->wrap != NULL ||
	    o->target != NULL || o->target_hash != NULL) {
		fprintf(fp, "\n[export]\n");
		if (o->names != NULL)
			fprintf(fp, "names=%s\n", o->names);
		if (o->dtype != NULL)
			fprintf(fp, "dtype=%s\n", o->dtype);
		if (o->wrap != NULL)
			fprintf(fp, "wrap=%s\n", o->wrap);
		if (o->target != NULL)
			fprintf(fp, "target=%s\n", o->target);
		if (o->target_hash != NULL)
			fprintf(fp, "target_hash=%s\n", o->target_hash);
	}
	return ferror(fp) ? -1 : 0;
}

int
dm_profile_write(const struct dm_ovr *o, const char *path,
    struct dm_error *err)
{
	struct dm_atomicfile af;
	char *buf = NULL;
	size_t len = 0;
	FILE *mem;

	if ((mem = open_memstream(&buf, &len)) == NULL)
		return dm_error_set(err, DM_ERR_NOMEM, "out of memory");
	if (dm_profile_fprint(o, mem) == -1 || fclose(mem) == EOF) {
		free(buf);
		return dm_error_file(err, DM_ERR_NOMEM, path, "out of memory");
	}
	if (dm_atomicfile_open(&af, path, NULL, err) == -1) {
		free(buf);
		return -1;
	}
	if (dm_atomicfile_write(&af, buf, len, err) == -1) {
		dm_atomicfile_abort(&af);
		free(buf);
		return -1;
	}
	free(buf);
	return dm_atomicfile_commit(&af, err);
}
