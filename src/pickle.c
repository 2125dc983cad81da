/*
 * pickle.c - the state_dict pickle reader (see pickle.h).
 *
 * What torch.save() writes for a state_dict (1.6 to 2.x, protocol 2):
 *
 *	80 02				PROTO 2
 *	c collections\nOrderedDict\n	GLOBAL, memoised with BINPUT
 *	) R				OrderedDict()
 *	( X"conv.weight"		MARK, key
 *	  c torch._utils\n_rebuild_tensor_v2\n (
 *	    ( X"storage" c torch\nFloatStorage\n X"0" X"cpu" K 108 t Q
 *	    K 0 ( K 4 K 3 K 3 K 3 t ( K 27 K 9 K 3 K 1 t 89 h 0 ) R
 *	  t R				the tensor
 *	  ...
 *	u				SETITEMS
 *	} X"_metadata" ... s b		BUILD: the modules' versions
 *	.				STOP
 *
 * and, for a checkpoint, a dict around it: } ( X"model" <the above>
 * X"epoch" K 3 X"lr" G <double> u.  The interpreter below keeps the
 * values in one array, so that nothing is ever freed recursively; a
 * container placed inside another is frozen (no SETITEM, APPEND... may
 * change it afterwards), which rules out cycles and keeps every
 * container's depth exact.
 */
#include "config.h"

#include "pickle.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "endian.h"
#include "grow.h"

/* The globals a state_dict pickle may name. */
enum {
	G_ORDEREDDICT,
	G_REBUILD_TENSOR_V2,
	G_REBUILD_PARAMETER,
	G_STORAGE		/* + index into storages[] */
};

/* torch.<name>Storage and the dtype it holds. */
static const struct {
	const char	*cls;
	const char	*dtype;
} storages[] = {
	{ "FloatStorage",	"float32" },
	{ "HalfStorage",	"float16" },
	{ "BFloat16Storage",	"bfloat16" },
	{ "DoubleStorage",	"float64" },
	{ "LongStorage",	"int64" },
	{ "IntStorage",		"int32" },
	{ "ShortStorage",	"int16" },
	{ "CharStorage",	"int8" },
	{ "ByteStorage",	"uint8" },
	{ "BoolStorage",	"bool" },
	{ "ComplexFloatStorage", "complex64" },
	{ "ComplexDoubleStorage", "complex128" },
};

#define NSTORAGES (sizeof storages / sizeof storages[0])

struct pr {
	const char	*name;
	const uint8_t	*buf;
	size_t		 len;
	size_t		 pos;		/* the next byte */
	size_t		 op;		/* where the current opcode is */
	struct dm_pkl	*p;
	uint32_t	*stack;
	size_t		 nstack, capstack;
	size_t		 marks[DM_PKL_MAX_MARKS];
	size_t		 nmarks;
	uint32_t	*memo;		/* UINT32_MAX: unset */
	size_t		 capmemo;
	struct dm_error	*err;
};

static int perr(struct pr *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static int
perr(struct pr *r, const char *fmt, ...)
{
	char msg[DM_ERROR_MAX / 2];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return dm_error_set(r->err, DM_ERR_INVALID, "%s: byte %zu: %s",
	    r->name, r->op, msg);
}

static int
nomem(struct pr *r)
{
	return dm_error_set(r->err, DM_ERR_NOMEM, "%s: out of memory",
	    r->name);
}

/* Grows *pp (of *cap elements of size sz) to hold at least need. */
static int
grow(struct pr *r, void *pp, size_t *cap, size_t need, size_t sz)
{
	return dm_grow(pp, cap, need - 1, sz, 16, NULL) == -1 ? nomem(r) : 0;
}

/* A new value of kind; its index in *out. */
static int
newval(struct pr *r, enum dm_pv_kind kind, uint32_t *out)
{
	struct dm_pkl *p = r->p;
	struct dm_pv *v;

	if (p->nv >= DM_PKL_MAX_VALUES)
		return perr(r, "more than %u values: not a state_dict",
		    DM_PKL_MAX_VALUES);
	if (grow(r, &p->v, &p->capv, p->nv + 1, sizeof *p->v) == -1)
		return -1;
	v = &p->v[p->nv];
	memset(v, 0, sizeof *v);
	v->kind = kind;
	*out = (uint32_t)p->nv++;
	return 0;
}

static int
push(struct pr *r, uint32_t i)
{
	if (r->nstack >= DM_PKL_MAX_VALUES)
		return perr(r, "more than %u values on the stack",
		    DM_PKL_MAX_VALUES);
	if (grow(r, &r->stack, &r->capstack, r->nstack + 1,
	    sizeof *r->stack) == -1)
		return -1;
	r->stack[r->nstack++] = i;
	return 0;
}

static int
pushnew(struct pr *r, enum dm_pv_kind kind, uint32_t *out)
{
	uint32_t i;

	if (newval(r, kind, &i) == -1 || push(r, i) == -1)
		return -1;
	if (out != NULL)
		*out = i;
	return 0;
}

/* The top of the stack above the innermost mark, popped into *out. */
static int
pop(struct pr *r, uint32_t *out)
{
	size_t floor = r->nmarks ? r->marks[r->nmarks - 1] : 0;

	if (r->nstack <= floor)
		return perr(r, "the stack is empty");
	*out = r->stack[--r->nstack];
	return 0;
}

static int
need(struct pr *r, size_t n)
{
	if (r->len - r->pos < n)
		return dm_error_set(r->err, DM_ERR_INVALID, "%s: byte %zu: "
		    "truncated: the pickle ends inside an opcode", r->name,
		    r->op);
	return 0;
}

/* Adds child to container c (not frozen), keeping depths exact. */
static int
add_item(struct pr *r, uint32_t c, uint32_t child)
{
	struct dm_pv *pv, *cv;
	unsigned d;

	pv = &r->p->v[c];
	cv = &r->p->v[child];
	if (c == child)
		return perr(r, "a container inside itself");
	if (pv->nested)
		return perr(r, "a container changed after it was placed in "
		    "another");
	d = (unsigned)cv->depth + 1;
	if (d > DM_PKL_MAX_DEPTH)
		return perr(r, "containers nested more than %d deep",
		    DM_PKL_MAX_DEPTH);
	if (grow(r, &pv->items, &pv->capitems, pv->nitems + 1,
	    sizeof *pv->items) == -1)
		return -1;
	/* grow() may not move r->p->v, but re-read pv all the same. */
	pv = &r->p->v[c];
	pv->items[pv->nitems++] = child;
	if (d > pv->depth)
		pv->depth = (uint8_t)d;
	r->p->v[child].nested = 1;
	return 0;
}

/* A tuple of the stack items from position from up, which are popped. */
static int
make_tuple(struct pr *r, size_t from)
{
	uint32_t t;
	size_t k, n = r->nstack - from;

	if (newval(r, DM_PV_TUPLE, &t) == -1)
		return -1;
	for (k = 0; k < n; k++)
		if (add_item(r, t, r->stack[from + k]) == -1)
			return -1;
	r->nstack = from;
	return push(r, t);
}

static int
pop_mark(struct pr *r, size_t *from)
{
	if (r->nmarks == 0)
		return perr(r, "no MARK to close");
	*from = r->marks[--r->nmarks];
	return 0;
}

static int
read_line(struct pr *r, char *buf, size_t size)
{
	const uint8_t *nl;
	size_t n;

	nl = memchr(r->buf + r->pos, '\n', r->len - r->pos);
	if (nl == NULL)
		return dm_error_set(r->err, DM_ERR_INVALID, "%s: byte %zu: "
		    "truncated: a GLOBAL without its end of line", r->name,
		    r->op);
	n = (size_t)(nl - (r->buf + r->pos));
	if (n >= size)
		return perr(r, "a GLOBAL name of %zu bytes", n);
	memcpy(buf, r->buf + r->pos, n);
	buf[n] = '\0';
	r->pos += n + 1;
	return 0;
}

/* Prints s into buf with anything but printable ASCII as \xNN. */
static const char *
printable(const char *s, char *buf, size_t size)
{
	size_t n = 0;

	for (; *s != '\0' && n + 5 < size; s++) {
		unsigned char c = (unsigned char)*s;

		if (c >= 0x20 && c < 0x7f)
			buf[n++] = (char)c;
		else
			n += (size_t)snprintf(buf + n, size - n, "\\x%02x", c);
	}
	buf[n] = '\0';
	return buf;
}

static int
op_global(struct pr *r)
{
	char mod[128], name[128], pm[256], pn[256];
	uint32_t g;
	int which = -1;
	size_t k;

	if (read_line(r, mod, sizeof mod) == -1 ||
	    read_line(r, name, sizeof name) == -1)
		return -1;
	if (strcmp(mod, "collections") == 0 &&
	    strcmp(name, "OrderedDict") == 0)
		which = G_ORDEREDDICT;
	else if (strcmp(mod, "torch._utils") == 0 &&
	    strcmp(name, "_rebuild_tensor_v2") == 0)
		which = G_REBUILD_TENSOR_V2;
	else if (strcmp(mod, "torch._utils") == 0 &&
	    (strcmp(name, "_rebuild_parameter") == 0 ||
	    strcmp(name, "_rebuild_parameter_with_state") == 0))
		which = G_REBUILD_PARAMETER;
	else if (strcmp(mod, "torch") == 0) {
		for (k = 0; k < NSTORAGES; k++)
			if (strcmp(name, storages[k].cls) == 0)
				which = G_STORAGE + (int)k;
	}
	if (which < 0)
		return perr(r, "refused the global %s.%s: darkmap reads only "
		    "the plain data and tensors torch.save() writes for a "
		    "state_dict, and never imports or runs anything (save "
		    "model.state_dict() rather than the model)",
		    printable(mod, pm, sizeof pm),
		    printable(name, pn, sizeof pn));
	if (pushnew(r, DM_PV_GLOBAL, &g) == -1)
		return -1;
	r->p->v[g].global = which;
	return 0;
}

static int
int_of(struct pr *r, uint32_t i, const char *what, int64_t *out)
{
	const struct dm_pv *v = &r->p->v[i];

	if (v->kind != DM_PV_INT && v->kind != DM_PV_BOOL)
		return perr(r, "%s is not an integer", what);
	*out = v->i;
	return 0;
}

/* BINPERSID: ('storage', torch.<T>Storage, key, location, numel). */
static int
op_persid(struct pr *r)
{
	const struct dm_pv *t, *e;
	uint32_t ti = 0, s;
	int64_t numel = 0;
	int g;

	if (pop(r, &ti) == -1)
		return -1;
	t = &r->p->v[ti];
	if (t->kind != DM_PV_TUPLE || t->nitems != 5)
		return perr(r, "a persistent id that is not a 5-tuple "
		    "('storage', type, key, location, size)");
	e = &r->p->v[t->items[0]];
	if (e->kind != DM_PV_STR || strcmp(e->s, "storage") != 0)
		return perr(r, "a persistent id that is not a storage");
	e = &r->p->v[t->items[1]];
	if (e->kind != DM_PV_GLOBAL || e->global < G_STORAGE)
		return perr(r, "a storage of no known torch storage type");
	g = e->global - G_STORAGE;
	if (r->p->v[t->items[2]].kind != DM_PV_STR ||
	    r->p->v[t->items[3]].kind != DM_PV_STR)
		return perr(r, "a storage whose key or location is not a "
		    "string");
	if (int_of(r, t->items[4], "a storage's size", &numel) == -1)
		return -1;
	if (numel < 0)
		return perr(r, "a storage of negative size");
	if (pushnew(r, DM_PV_STORAGE, &s) == -1)
		return -1;
	r->p->v[s].s = (char *)storages[g].dtype;	/* static: see free */
	r->p->v[s].i = numel;
	return 0;
}

/* _rebuild_tensor_v2(storage, offset, size, stride, grad, hooks[, meta]) */
static int
rebuild_tensor(struct pr *r, uint32_t ai, uint32_t *out)
{
	const struct dm_pv *args = &r->p->v[ai], *st, *sz;
	struct dm_pv *t;
	uint32_t ti;
	int64_t d = 0;
	size_t k;

	if (args->nitems != 6 && args->nitems != 7)
		return perr(r, "_rebuild_tensor_v2 with %zu arguments (6 or 7 "
		    "expected)", args->nitems);
	st = &r->p->v[args->items[0]];
	sz = &r->p->v[args->items[2]];
	if (st->kind != DM_PV_STORAGE)
		return perr(r, "a tensor without a storage");
	if (sz->kind != DM_PV_TUPLE)
		return perr(r, "a tensor whose size is not a tuple");
	if (sz->nitems > DM_PKL_MAX_DIMS)
		return perr(r, "a tensor of %zu dimensions (at most %d)",
		    sz->nitems, DM_PKL_MAX_DIMS);
	if (newval(r, DM_PV_TENSOR, &ti) == -1)
		return -1;
	/* newval() may move the array: look the arguments up again. */
	args = &r->p->v[ai];
	st = &r->p->v[args->items[0]];
	sz = &r->p->v[args->items[2]];
	t = &r->p->v[ti];
	t->s = st->s;
	t->ndim = (int)sz->nitems;
	for (k = 0; k < sz->nitems; k++) {
		if (int_of(r, sz->items[k], "a tensor dimension", &d) == -1)
			return -1;
		if (d < 0)
			return perr(r, "a tensor dimension of %lld",
			    (long long)d);
		r->p->v[ti].shape[k] = (uint64_t)d;
	}
	*out = ti;
	return 0;
}

static int
op_reduce(struct pr *r)
{
	uint32_t ai = 0, fi = 0, res = 0;
	const struct dm_pv *a, *f;
	int g;

	if (pop(r, &ai) == -1 || pop(r, &fi) == -1)
		return -1;
	a = &r->p->v[ai];
	f = &r->p->v[fi];
	if (f->kind != DM_PV_GLOBAL || f->global >= G_STORAGE)
		return perr(r, "refused a REDUCE: only OrderedDict() and "
		    "torch's tensor rebuilding are called in a state_dict, "
		    "and darkmap calls nothing");
	if (a->kind != DM_PV_TUPLE)
		return perr(r, "a REDUCE whose arguments are not a tuple");
	g = f->global;
	if (g == G_ORDEREDDICT) {
		if (a->nitems != 0)
			return perr(r, "OrderedDict() with arguments");
		return pushnew(r, DM_PV_DICT, NULL);
	}
	if (g == G_REBUILD_PARAMETER) {
		/*
		 * _rebuild_parameter(data, requires_grad, hooks[, state]):
		 * data, whatever the state (set on the parameter, unread).
		 */
		if ((a->nitems != 3 && a->nitems != 4) ||
		    r->p->v[a->items[0]].kind != DM_PV_TENSOR)
			return perr(r, "_rebuild_parameter without a tensor");
		return push(r, a->items[0]);
	}
	if (rebuild_tensor(r, ai, &res) == -1)
		return -1;
	return push(r, res);
}

static int
memo_index(struct pr *r, int wide, size_t *out)
{
	size_t n = wide ? 4 : 1;

	if (need(r, n) == -1)
		return -1;
	*out = wide ? dm_le32dec(r->buf + r->pos) : r->buf[r->pos];
	r->pos += n;
	if (*out >= DM_PKL_MAX_MEMO)
		return perr(r, "memo index %zu (at most %u)", *out,
		    DM_PKL_MAX_MEMO - 1);
	return 0;
}

static int
op_put(struct pr *r, int wide)
{
	size_t idx, floor = r->nmarks ? r->marks[r->nmarks - 1] : 0;
	size_t old = r->capmemo;

	if (memo_index(r, wide, &idx) == -1)
		return -1;
	if (r->nstack <= floor)
		return perr(r, "BINPUT with an empty stack");
	if (grow(r, &r->memo, &r->capmemo, idx + 1, sizeof *r->memo) == -1)
		return -1;
	if (r->capmemo > old)
		memset(r->memo + old, 0xff, (r->capmemo - old) *
		    sizeof *r->memo);
	r->memo[idx] = r->stack[r->nstack - 1];
	return 0;
}

static int
op_get(struct pr *r, int wide)
{
	size_t idx;

	if (memo_index(r, wide, &idx) == -1)
		return -1;
	if (idx >= r->capmemo || r->memo[idx] == UINT32_MAX)
		return perr(r, "memo index %zu was never set", idx);
	return push(r, r->memo[idx]);
}

/*
 * SETITEM(S) on a dict (kind DM_PV_DICT, key and value pairs) and
 * APPEND(S) on a list: the items since the mark (many) or the last one,
 * added to the container just below them.
 */
static int
op_fill(struct pr *r, int many, enum dm_pv_kind kind)
{
	size_t from = 0, k, per = kind == DM_PV_DICT ? 2 : 1;
	size_t floor = r->nmarks ? r->marks[r->nmarks - 1] : 0;
	const char *what = kind == DM_PV_DICT ? "SETITEMS" : "APPENDS";
	uint32_t c;

	if (many) {
		if (pop_mark(r, &from) == -1)
			return -1;
		floor = r->nmarks ? r->marks[r->nmarks - 1] : 0;
	} else {
		if (r->nstack < per + floor)
			return perr(r, "%s without its items", what);
		from = r->nstack - per;
	}
	if ((r->nstack - from) % per != 0)
		return perr(r, "%s with a key without a value", what);
	if (from <= floor)
		return perr(r, "%s without a %s", what, kind == DM_PV_DICT ?
		    "dict" : "list");
	c = r->stack[from - 1];
	if (r->p->v[c].kind != kind)
		return perr(r, "%s on something that is not a %s", what,
		    kind == DM_PV_DICT ? "dict" : "list");
	for (k = from; k < r->nstack; k++)
		if (add_item(r, c, r->stack[k]) == -1)
			return -1;
	r->nstack = from;
	return 0;
}

/* BUILD: only the _metadata a state_dict's OrderedDict carries. */
static int
op_build(struct pr *r)
{
	uint32_t state;
	size_t floor = r->nmarks ? r->marks[r->nmarks - 1] : 0;

	if (pop(r, &state) == -1)
		return -1;
	if (r->nstack <= floor)
		return perr(r, "BUILD without an object");
	if (r->p->v[r->stack[r->nstack - 1]].kind != DM_PV_DICT)
		return perr(r, "refused a BUILD of something other than an "
		    "OrderedDict: darkmap sets no object's state");
	return 0;
}

static int
op_string(struct pr *r)
{
	uint32_t n, i;
	struct dm_pv *v;

	if (need(r, 4) == -1)
		return -1;
	n = dm_le32dec(r->buf + r->pos);
	r->pos += 4;
	if (need(r, n) == -1)
		return -1;
	if (pushnew(r, DM_PV_STR, &i) == -1)
		return -1;
	v = &r->p->v[i];
	if ((v->s = malloc((size_t)n + 1)) == NULL)
		return nomem(r);
	memcpy(v->s, r->buf + r->pos, n);
	v->s[n] = '\0';
	v->len = n;
	r->pos += n;
	return 0;
}

static int
op_int(struct pr *r, unsigned op)
{
	int64_t x = 0;
	uint32_t i;
	size_t n, k;

	switch (op) {
	case 'K':
		if (need(r, 1) == -1)
			return -1;
		x = r->buf[r->pos++];
		break;
	case 'M':
		if (need(r, 2) == -1)
			return -1;
		x = dm_le16dec(r->buf + r->pos);
		r->pos += 2;
		break;
	case 'J':
		if (need(r, 4) == -1)
			return -1;
		x = (int32_t)dm_le32dec(r->buf + r->pos);
		r->pos += 4;
		break;
	default:		/* LONG1 */
		if (need(r, 1) == -1)
			return -1;
		n = r->buf[r->pos++];
		if (n > 8)
			return perr(r, "an integer of %zu bytes (at most 8)",
			    n);
		if (need(r, n) == -1)
			return -1;
		for (k = n; k > 0; k--)
			x = (int64_t)((uint64_t)x << 8 | r->buf[r->pos + k - 1]);
		if (n > 0 && n < 8 && (r->buf[r->pos + n - 1] & 0x80))
			x = (int64_t)((uint64_t)x | ~(((uint64_t)1 << (8 * n)) -
			    1));
		r->pos += n;
		break;
	}
	if (pushnew(r, DM_PV_INT, &i) == -1)
		return -1;
	r->p->v[i].i = x;
	return 0;
}

static int
op_float(struct pr *r)
{
	uint64_t b = 0;
	uint32_t i;
	double d;
	int k;

	if (need(r, 8) == -1)
		return -1;
	for (k = 0; k < 8; k++)		/* big-endian, unlike the rest */
		b = b << 8 | r->buf[r->pos + k];
	r->pos += 8;
	memcpy(&d, &b, sizeof d);
	if (pushnew(r, DM_PV_FLOAT, &i) == -1)
		return -1;
	r->p->v[i].f = d;
	return 0;
}

/* One opcode; 1 after STOP. */
static int
step(struct pr *r)
{
	unsigned op;
	size_t from = 0;
	uint32_t i;

	r->op = r->pos;
	if (r->pos >= r->len)
		return dm_error_set(r->err, DM_ERR_INVALID, "%s: byte %zu: "
		    "truncated: the pickle ends without STOP", r->name,
		    r->pos);
	op = r->buf[r->pos++];
	switch (op) {
	case 0x80:		/* PROTO */
		if (need(r, 1) == -1)
			return -1;
		if (r->buf[r->pos] != 2)
			return perr(r, "pickle protocol %u: darkmap reads "
			    "protocol 2, which torch.save() writes",
			    r->buf[r->pos]);
		r->pos++;
		return 0;
	case 'c':
		return op_global(r);
	case ')':
		return pushnew(r, DM_PV_TUPLE, NULL);
	case 0x85: case 0x86: case 0x87:	/* TUPLE1..3 */
		from = (size_t)(op - 0x84);
		if (r->nstack < from + (r->nmarks ?
		    r->marks[r->nmarks - 1] : 0))
			return perr(r, "TUPLE%zu with too few items", from);
		return make_tuple(r, r->nstack - from);
	case '(':
		if (r->nmarks == DM_PKL_MAX_MARKS)
			return perr(r, "more than %d MARKs open",
			    DM_PKL_MAX_MARKS);
		r->marks[r->nmarks++] = r->nstack;
		return 0;
	case 't':
		if (pop_mark(r, &from) == -1)
			return -1;
		return make_tuple(r, from);
	case 'X':
		return op_string(r);
	case 'K': case 'M': case 'J': case 0x8a:
		return op_int(r, op);
	case 'G':
		return op_float(r);
	case 'Q':
		return op_persid(r);
	case 0x88: case 0x89:
		if (pushnew(r, DM_PV_BOOL, &i) == -1)
			return -1;
		r->p->v[i].i = op == 0x88;
		return 0;
	case 'N':
		return pushnew(r, DM_PV_NONE, NULL);
	case '}':
		return pushnew(r, DM_PV_DICT, NULL);
	case ']':
		return pushnew(r, DM_PV_LIST, NULL);
	case 's':
	case 'u':
		return op_fill(r, op == 'u', DM_PV_DICT);
	case 'a':
	case 'e':
		return op_fill(r, op == 'e', DM_PV_LIST);
	case 'b':
		return op_build(r);
	case 'R':
		return op_reduce(r);
	case 'q':
		return op_put(r, 0);
	case 'r':
		return op_put(r, 1);
	case 'h':
		return op_get(r, 0);
	case 'j':
		return op_get(r, 1);
	case '.':
		if (r->nmarks != 0 || r->nstack != 1)
			return perr(r, "STOP with %zu values and %zu MARKs "
			    "left", r->nstack, r->nmarks);
		r->p->root = r->stack[0];
		return 1;
	default:
		return perr(r, "refused opcode 0x%02x: not one torch.save() "
		    "writes for a state_dict", op);
	}
}

struct dm_pkl *
dm_pkl_read(const char *name, const uint8_t *buf, size_t len,
    struct dm_error *err)
{
	struct pr r;
	int rc;

	memset(&r, 0, sizeof r);
	r.name = name;
	r.buf = buf;
	r.len = len;
	r.err = err;
	if ((r.p = calloc(1, sizeof *r.p)) == NULL) {
		dm_error_set(err, DM_ERR_NOMEM, "%s: out of memory", name);
		return NULL;
	}
	if (len < 2 || buf[0] != 0x80) {
		dm_error_set(err, DM_ERR_INVALID, "%s: byte 0: not a pickle "
		    "of protocol 2 (no PROTO opcode)", name);
		rc = -1;
	} else
		while ((rc = step(&r)) == 0)
			;
	free(r.stack);
	free(r.memo);
	if (rc == -1) {
		dm_pkl_free(r.p);
		return NULL;
	}
	return r.p;
}

void
dm_pkl_free(struct dm_pkl *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->nv; i++) {
		if (p->v[i].kind == DM_PV_STR)
			free(p->v[i].s);
		free(p->v[i].items);
	}
	free(p->v);
	free(p);
}
