/*
 * target.c - reading the description of a target model (see target.h).
 *
 * Three kinds of file, told apart by their first bytes:
 *
 *  - "PK\3\4": a PyTorch checkpoint as torch.save() writes it since 1.6,
 *    a zip whose records live in one folder; only <folder>/data.pkl is
 *    read, through libzip (loaded lazily, ziplib.h), and only when its
 *    uncompressed size is at most DM_TARGET_PKL_MAX.
 *  - a little-endian u64 N followed by '{': a safetensors file, whose
 *    N-byte JSON header lists every tensor's dtype and shape.  Its keys
 *    are in the order of the data, not of the state_dict; they are sorted
 *    here in natural order (module_list.2 before module_list.10).
 *  - "key\t": a keys list, "key<TAB>shape<TAB>dtype" with a header line,
 *    the shape comma-separated and empty for a 0-d tensor.
 *
 * A pickle that starts a file ("\x80\x02"), or a tar archive, is the
 * format torch.save() wrote before 1.6, which is not read: the message
 * says how to save the file again.
 */
#include "config.h"

#include "target.h"

#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "endian.h"
#include "export.h"
#include "grow.h"
#include "pickle.h"
#include "ziplib.h"

/* The dict keys a checkpoint may hold its state_dict under. */
static const char *const nest_keys[] = {
	"model", "state_dict", "model_state_dict", "net", "ema", NULL
};

const char *
dm_target_kind_name(enum dm_target_kind kind)
{
	/* The output formats' names, for the two that are also targets. */
	switch (kind) {
	case DM_TARGET_PT:
		return dm_out_format_names[DM_OUT_PT];
	case DM_TARGET_SAFETENSORS:
		return dm_out_format_names[DM_OUT_SAFETENSORS];
	default:
		return "keys";
	}
}

void
dm_target_free(struct dm_target *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->n; i++)
		free(t->e[i].key);
	free(t->e);
	free(t->nest);
	free(t->path);
	free(t);
}

static struct dm_tentry *
add_entry(struct dm_target *t, size_t *cap, const char *key, size_t keylen,
    struct dm_error *err)
{
	struct dm_tentry *e;

	if (dm_grow(&t->e, cap, t->n, sizeof *t->e, 64, err) == -1)
		return NULL;
	e = &t->e[t->n];
	memset(e, 0, sizeof *e);
	if ((e->key = malloc(keylen + 1)) == NULL) {
		dm_error_set(err, DM_ERR_NOMEM, "out of memory");
		return NULL;
	}
	memcpy(e->key, key, keylen);
	e->key[keylen] = '\0';
	t->n++;
	return e;
}

/* Whether dict d holds at least one tensor. */
static int
dict_has_tensor(const struct dm_pkl *p, const struct dm_pv *d)
{
	size_t k;

	for (k = 1; k < d->nitems; k += 2)
		if (p->v[d->items[k]].kind == DM_PV_TENSOR)
			return 1;
	return 0;
}

/* The state_dict inside the pickle's root, and where it was found. */
static const struct dm_pv *
find_state_dict(struct dm_target *t, const struct dm_pkl *p,
    const char *name, struct dm_error *err)
{
	const struct dm_pv *root = &p->v[p->root], *k, *v;
	size_t i, j;
	char keys[256];
	size_t n = 0;

	if (root->kind != DM_PV_DICT) {
		dm_error_set(err, DM_ERR_INVALID, "%s: holds no state_dict "
		    "(its top is not a dict)", name);
		return NULL;
	}
	for (j = 0; nest_keys[j] != NULL; j++) {
		for (i = 0; i + 1 < root->nitems; i += 2) {
			k = &p->v[root->items[i]];
			v = &p->v[root->items[i + 1]];
			if (k->kind == DM_PV_STR &&
			    strcmp(k->s, nest_keys[j]) == 0 &&
			    v->kind == DM_PV_DICT && dict_has_tensor(p, v)) {
				if ((t->nest = strdup(nest_keys[j])) == NULL) {
					dm_error_set(err, DM_ERR_NOMEM,
					    "out of memory");
					return NULL;
				}
				return v;
			}
		}
	}
	if (dict_has_tensor(p, root) || root->nitems == 0)
		return root;
	keys[0] = '\0';
	for (i = 0; i + 1 < root->nitems && n + 40 < sizeof keys; i += 2) {
		k = &p->v[root->items[i]];
		if (k->kind == DM_PV_STR)
			n += (size_t)snprintf(keys + n, sizeof keys - n,
			    "%s'%.32s'", n ? ", " : "", k->s);
	}
	dm_error_set(err, DM_ERR_INVALID, "%s: holds no state_dict: no "
	    "tensor at the top and none under model, state_dict, "
	    "model_state_dict, net or ema (its keys: %s)", name,
	    keys[0] ? keys : "none that is a string");
	return NULL;
}

int
dm_target_from_pickle(struct dm_target *t, const char *name,
    const uint8_t *buf, size_t len, struct dm_error *err)
{
	const struct dm_pv *sd, *k, *v;
	struct dm_tentry *e;
	struct dm_pkl *p;
	size_t i, cap = 0;
	int d;

	if ((p = dm_pkl_read(name, buf, len, err)) == NULL)
		return -1;
	if ((sd = find_state_dict(t, p, name, err)) == NULL)
		goto fail;
	for (i = 0; i + 1 < sd->nitems; i += 2) {
		k = &p->v[sd->items[i]];
		v = &p->v[sd->items[i + 1]];
		if (k->kind != DM_PV_STR) {
			dm_error_set(err, DM_ERR_INVALID, "%s: a state_dict "
			    "key that is not a string", name);
			goto fail;
		}
		if (k->len == 0 || strlen(k->s) != k->len) {
			dm_error_set(err, DM_ERR_INVALID, "%s: a state_dict "
			    "key that is empty or holds a NUL byte", name);
			goto fail;
		}
		if ((e = add_entry(t, &cap, k->s, k->len, err)) == NULL)
			goto fail;
		if (v->kind != DM_PV_TENSOR) {
			snprintf(e->dtype, sizeof e->dtype, "%s",
			    v->kind == DM_PV_INT ? "int" : v->kind ==
			    DM_PV_FLOAT ? "float" : v->kind == DM_PV_STR ?
			    "str" : "object");
			continue;
		}
		e->tensor = 1;
		snprintf(e->dtype, sizeof e->dtype, "%s", v->s);
		e->ndim = v->ndim;
		for (d = 0; d < v->ndim; d++)
			e->shape[d] = v->shape[d];
	}
	dm_pkl_free(p);
	return 0;
fail:
	dm_pkl_free(p);
	return -1;
}

/*
 * A .pt: the zip's first entry names the folder; its data.pkl is read,
 * and nothing else.
 */
static int
load_pt(struct dm_target *t, int fd, struct dm_error *err)
{
	const struct dm_ziplib *zl;
	zip_error_t ze;
	zip_stat_t st;
	zip_t *za;
	zip_file_t *zf = NULL;
	zip_int64_t nent, i, got;
	char prefix[256], member[300], *slash, *name;
	uint8_t *buf = NULL;
	uint64_t size, done;
	int zerr, dfd, rc = -1;
	zip_int64_t found = -1;

	if ((zl = dm_ziplib(err)) == NULL)
		return dm_error_prefix(err, "%s", t->path);
	if ((dfd = dup(fd)) == -1)
		return dm_error_set(err, DM_ERR_IO, "%s: %s", t->path,
		    strerror(errno));
	/* zip_fdopen() takes over the descriptor only when it succeeds. */
	if ((za = zl->fdopen(dfd, ZIP_RDONLY, &zerr)) == NULL) {
		close(dfd);
		zl->error_init_with_code(&ze, zerr);
		dm_error_set(err, DM_ERR_INVALID, "%s: not a readable zip "
		    "archive: %s", t->path, zl->error_strerror(&ze));
		zl->error_fini(&ze);
		return -1;
	}
	nent = zl->get_num_entries(za, 0);
	if (nent <= 0 || zl->stat_index(za, 0, 0, &st) == -1 ||
	    !(st.valid & ZIP_STAT_NAME)) {
		dm_error_set(err, DM_ERR_INVALID, "%s: an empty zip archive, "
		    "not a PyTorch checkpoint", t->path);
		goto out;
	}
	snprintf(prefix, sizeof prefix, "%s", st.name);
	if ((slash = strchr(prefix, '/')) == NULL) {
		dm_error_set(err, DM_ERR_INVALID, "%s: not a PyTorch "
		    "checkpoint: its first entry '%.64s' is not in a folder",
		    t->path, prefix);
		goto out;
	}
	slash[1] = '\0';
	for (i = 0; i < nent; i++) {
		if (zl->stat_index(za, (zip_uint64_t)i, 0, &st) == -1 ||
		    !(st.valid & ZIP_STAT_NAME) ||
		    strncmp(st.name, prefix, strlen(prefix)) != 0)
			continue;
		if (strcmp(st.name + strlen(prefix), "constants.pkl") == 0) {
			dm_error_set(err, DM_ERR_INVALID, "%s: a TorchScript "
			    "archive (torch.jit.save), not a checkpoint: save "
			    "model.state_dict() with torch.save()", t->path);
			goto out;
		}
		if (strcmp(st.name + strlen(prefix), "data.pkl") == 0 &&
		    found < 0)
			found = i;
	}
	snprintf(member, sizeof member, "%sdata.pkl", prefix);
	if (found < 0) {
		dm_error_set(err, DM_ERR_INVALID, "%s: a zip archive without "
		    "%s: not a PyTorch checkpoint", t->path, member);
		goto out;
	}
	if (zl->stat_index(za, (zip_uint64_t)found, 0, &st) == -1 ||
	    !(st.valid & ZIP_STAT_SIZE)) {
		dm_error_set(err, DM_ERR_INVALID, "%s: %s: no size in its zip "
		    "header", t->path, member);
		goto out;
	}
	size = st.size;
	if (size > DM_TARGET_PKL_MAX) {
		dm_error_set(err, DM_ERR_INVALID, "%s: %s would be %" PRIu64
		    " bytes uncompressed (at most %" PRIu64 "): not read, "
		    "it cannot be a state_dict's (a zip bomb?)", t->path,
		    member, size, DM_TARGET_PKL_MAX);
		goto out;
	}
	if ((buf = malloc(size + 1)) == NULL) {
		dm_error_set(err, DM_ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((zf = zl->fopen_index(za, (zip_uint64_t)found, 0)) == NULL) {
		dm_error_set(err, DM_ERR_INVALID, "%s: %s: %s", t->path,
		    member, zl->archive_strerror(za));
		goto out;
	}
	/* One byte more than announced, to see that there is none. */
	for (done = 0; done <= size; done += (uint64_t)got) {
		got = zl->file_read(zf, buf + done, size + 1 - done);
		if (got < 0) {
			dm_error_set(err, DM_ERR_INVALID, "%s: %s: %s",
			    t->path, member, zl->file_strerror(zf));
			goto out;
		}
		if (got == 0)
			break;
	}
	if (done != size) {
		dm_error_set(err, DM_ERR_INVALID, "%s: %s: %" PRIu64 " bytes, "
		    "its zip header says %" PRIu64, t->path, member, done,
		    size);
		goto out;
	}
	if ((name = malloc(strlen(t->path) + strlen(member) + 3)) == NULL) {
		dm_error_set(err, DM_ERR_NOMEM, "out of memory");
		goto out;
	}
	sprintf(name, "%s: %s", t->path, member);
	rc = dm_target_from_pickle(t, name, buf, (size_t)size, err);
	free(name);
out:
	if (zf != NULL)
		zl->file_close(zf);
	free(buf);
	zl->discard(za);
	return rc;
}

/*
 * JSON, just enough for a safetensors header: an object of objects
 * holding strings, integers and arrays of integers.
 */
struct js {
	const char	*p, *end, *start;
	const char	*path;
	struct dm_error	*err;
};

static int
jerr(struct js *j, const char *what)
{
	return dm_error_set(j->err, DM_ERR_INVALID, "%s: byte %zu of the "
	    "safetensors header: %s", j->path, (size_t)(j->p - j->start) + 8,
	    what);
}

static void
jws(struct js *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' ||
	    *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

static int
jexpect(struct js *j, char c)
{
	jws(j);
	if (j->p >= j->end || *j->p != c) {
		char m[40];

		snprintf(m, sizeof m, "'%c' expected", c);
		return jerr(j, m);
	}
	j->p++;
	return 0;
}

/* A string into buf (at most size - 1 bytes, longer is an error). */
static int
jstring(struct js *j, char *buf, size_t size, size_t *len)
{
	size_t n = 0;
	unsigned u, k;
	char c;

	if (jexpect(j, '"') == -1)
		return -1;
	for (;;) {
		if (j->p >= j->end)
			return jerr(j, "unterminated string");
		c = *j->p++;
		if (c == '"')
			break;
		if ((unsigned char)c < 0x20)
			return jerr(j, "control character in a string");
		if (c == '\\') {
			if (j->p >= j->end)
				return jerr(j, "unterminated string");
			c = *j->p++;
			switch (c) {
			case 'b': c = '\b'; break;
			case 'f': c = '\f'; break;
			case 'n': c = '\n'; break;
			case 'r': c = '\r'; break;
			case 't': c = '\t'; break;
			case '"': case '\\': case '/': break;
			case 'u':
				if (j->end - j->p < 4)
					return jerr(j, "bad \\u escape");
				for (u = 0, k = 0; k < 4; k++) {
					c = *j->p++;
					if (!isxdigit((unsigned char)c))
						return jerr(j, "bad \\u escape");
					u = u * 16 + (unsigned)(isdigit(
					    (unsigned char)c) ? c - '0' :
					    (tolower((unsigned char)c) - 'a' +
					    10));
				}
				/* Kept only when ASCII (keys are). */
				if (u == 0 || u > 0x7f)
					return jerr(j, "a \\u escape darkmap "
					    "does not keep");
				c = (char)u;
				break;
			default:
				return jerr(j, "bad escape");
			}
		}
		if (n + 1 >= size)
			return jerr(j, "string too long");
		buf[n++] = c;
	}
	buf[n] = '\0';
	if (len != NULL)
		*len = n;
	return 0;
}

static int
jint(struct js *j, uint64_t *out)
{
	uint64_t v = 0;
	int any = 0;

	jws(j);
	while (j->p < j->end && *j->p >= '0' && *j->p <= '9') {
		if (v > (UINT64_MAX - 9) / 10)
			return jerr(j, "integer too large");
		v = v * 10 + (uint64_t)(*j->p++ - '0');
		any = 1;
	}
	if (!any)
		return jerr(j, "integer expected");
	*out = v;
	return 0;
}

/* Skips any value (metadata), nesting at most depth deep. */
static int
jskip(struct js *j, int depth)
{
	char tmp[4096];
	uint64_t u;

	jws(j);
	if (depth > 8)
		return jerr(j, "nested too deep");
	if (j->p >= j->end)
		return jerr(j, "value expected");
	switch (*j->p) {
	case '"':
		return jstring(j, tmp, sizeof tmp, NULL);
	case '{':
	case '[': {
		char close = *j->p == '{' ? '}' : ']';
		int obj = *j->p == '{';

		j->p++;
		jws(j);
		if (j->p < j->end && *j->p == close) {
			j->p++;
			return 0;
		}
		for (;;) {
			if (obj && (jstring(j, tmp, sizeof tmp, NULL) == -1 ||
			    jexpect(j, ':') == -1))
				return -1;
			if (jskip(j, depth + 1) == -1)
				return -1;
			jws(j);
			if (j->p < j->end && *j->p == ',') {
				j->p++;
				continue;
			}
			return jexpect(j, close);
		}
	}
	default:
		if (*j->p == '-')
			j->p++;
		return jint(j, &u);
	}
}

/* Whether d names a dtype a tensor of torch's can have. */
static int
known_dtype(const char *d)
{
	static const char *const names[] = { "float32", "float16",
	    "bfloat16", "float64", "int64", "int32", "int16", "int8", "uint8",
	    "bool", "complex64", "complex128", "float8_e4m3fn", "float8_e5m2",
	    NULL };
	int i;

	for (i = 0; names[i] != NULL; i++)
		if (strcmp(d, names[i]) == 0)
			return 1;
	return 0;
}

/* {"dtype": "F32", "shape": [..], "data_offsets": [a, b]} */
static int
jtensor(struct js *j, struct dm_tentry *e)
{
	static const struct {
		const char *st, *torch;
	} dt[] = {
		{ "F32", "float32" }, { "F16", "float16" },
		{ "BF16", "bfloat16" }, { "F64", "float64" },
		{ "I64", "int64" }, { "I32", "int32" }, { "I16", "int16" },
		{ "I8", "int8" }, { "U8", "uint8" }, { "BOOL", "bool" },
		{ "F8_E4M3", "float8_e4m3fn" }, { "F8_E5M2", "float8_e5m2" },
	};
	char k[64], v[16];
	uint64_t d;
	size_t i;
	int have_dtype = 0, have_shape = 0;

	if (jexpect(j, '{') == -1)
		return -1;
	for (;;) {
		if (jstring(j, k, sizeof k, NULL) == -1 ||
		    jexpect(j, ':') == -1)
			return -1;
		if (strcmp(k, "dtype") == 0) {
			if (jstring(j, v, sizeof v, NULL) == -1)
				return -1;
			for (i = 0; i < sizeof dt / sizeof dt[0]; i++)
				if (strcmp(v, dt[i].st) == 0)
					break;
			if (i == sizeof dt / sizeof dt[0])
				return jerr(j, "a dtype safetensors does not "
				    "know");
			snprintf(e->dtype, sizeof e->dtype, "%s",
			    dt[i].torch);
			have_dtype = 1;
		} else if (strcmp(k, "shape") == 0) {
			if (jexpect(j, '[') == -1)
				return -1;
			jws(j);
			e->ndim = 0;
			if (j->p < j->end && *j->p == ']')
				j->p++;
			else {
				for (;;) {
					if (e->ndim == DM_TARGET_MAX_DIMS)
						return jerr(j, "more than 8 "
						    "dimensions");
					if (jint(j, &d) == -1)
						return -1;
					e->shape[e->ndim++] = d;
					jws(j);
					if (j->p < j->end && *j->p == ',') {
						j->p++;
						continue;
					}
					if (jexpect(j, ']') == -1)
						return -1;
					break;
				}
			}
			have_shape = 1;
		} else if (jskip(j, 2) == -1)
			return -1;
		jws(j);
		if (j->p < j->end && *j->p == ',') {
			j->p++;
			continue;
		}
		if (jexpect(j, '}') == -1)
			return -1;
		break;
	}
	if (!have_dtype || !have_shape)
		return jerr(j, "a tensor without its dtype or shape");
	e->tensor = 1;
	return 0;
}

/* Compares two keys with runs of digits as numbers. */
static int
natcmp(const void *pa, const void *pb)
{
	const struct dm_tentry *ea = pa, *eb = pb;
	const char *a = ea->key, *b = eb->key;
	size_t la, lb;

	while (*a != '\0' && *b != '\0') {
		if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
			while (*a == '0' && isdigit((unsigned char)a[1]))
				a++;
			while (*b == '0' && isdigit((unsigned char)b[1]))
				b++;
			for (la = 0; isdigit((unsigned char)a[la]); la++)
				;
			for (lb = 0; isdigit((unsigned char)b[lb]); lb++)
				;
			if (la != lb)
				return la < lb ? -1 : 1;
			if (strncmp(a, b, la) != 0)
				return strncmp(a, b, la);
			a += la;
			b += lb;
			continue;
		}
		if (*a != *b)
			return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
		a++;
		b++;
	}
	return *a ? 1 : *b ? -1 : 0;
}

static int
load_safetensors(struct dm_target *t, int fd, uint64_t fsize,
    struct dm_error *err)
{
	uint8_t h8[8];
	uint64_t n;
	char *hdr, key[4096];
	struct js j;
	struct dm_tentry *e;
	size_t cap = 0, klen;
	int rc = -1;

	if (pread(fd, h8, 8, 0) != 8)
		return dm_error_set(err, DM_ERR_IO, "%s: cannot read the "
		    "header length", t->path);
	n = dm_le64dec(h8);
	if (n > 100000000 || n > fsize - 8)
		return dm_error_set(err, DM_ERR_INVALID, "%s: a safetensors "
		    "header of %" PRIu64 " bytes in a file of %" PRIu64,
		    t->path, n, fsize);
	if ((hdr = malloc((size_t)n + 1)) == NULL)
		return dm_error_set(err, DM_ERR_NOMEM, "out of memory");
	if (pread(fd, hdr, (size_t)n, 8) != (ssize_t)n) {
		free(hdr);
		return dm_error_set(err, DM_ERR_IO, "%s: cannot read the "
		    "safetensors header", t->path);
	}
	j.p = j.start = hdr;
	j.end = hdr + n;
	j.path = t->path;
	j.err = err;
	if (jexpect(&j, '{') == -1)
		goto out;
	jws(&j);
	if (j.p < j.end && *j.p == '}')
		j.p++;
	else for (;;) {
		if (jstring(&j, key, sizeof key, &klen) == -1 ||
		    jexpect(&j, ':') == -1)
			goto out;
		if (strcmp(key, "__metadata__") == 0) {
			if (jskip(&j, 1) == -1)
				goto out;
		} else {
			if (klen == 0) {
				jerr(&j, "an empty key");
				goto out;
			}
			if ((e = add_entry(t, &cap, key, klen, err)) == NULL ||
			    jtensor(&j, e) == -1)
				goto out;
		}
		jws(&j);
		if (j.p < j.end && *j.p == ',') {
			j.p++;
			continue;
		}
		if (jexpect(&j, '}') == -1)
			goto out;
		break;
	}
	if (t->n > 1)
		qsort(t->e, t->n, sizeof *t->e, natcmp);
	rc = 0;
out:
	free(hdr);
	return rc;
}

static int
load_keys(struct dm_target *t, int fd, uint64_t fsize, struct dm_error *err)
{
	char *buf, *line, *next, *c1, *c2, *p, *endp;
	struct dm_tentry *e;
	size_t cap = 0;
	int lineno = 1, rc = -1;
	unsigned long long d;

	if (fsize > ((uint64_t)64 << 20))
		return dm_error_set(err, DM_ERR_INVALID, "%s: a keys list of "
		    "%" PRIu64 " bytes (at most 64 MiB)", t->path, fsize);
	if ((buf = malloc((size_t)fsize + 1)) == NULL)
		return dm_error_set(err, DM_ERR_NOMEM, "out of memory");
	if (pread(fd, buf, (size_t)fsize, 0) != (ssize_t)fsize) {
		free(buf);
		return dm_error_set(err, DM_ERR_IO, "%s: read error", t->path);
	}
	buf[fsize] = '\0';
	if (memchr(buf, '\0', (size_t)fsize) != NULL) {
		dm_error_set(err, DM_ERR_INVALID, "%s: a keys list holds no "
		    "NUL byte", t->path);
		goto out;
	}
	line = strchr(buf, '\n');
	for (line = line ? line + 1 : buf + fsize; *line != '\0';
	    line = next) {
		lineno++;
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		else
			next = line + strlen(line);
		if (*line == '\0')
			continue;
		if ((c1 = strchr(line, '\t')) == NULL ||
		    (c2 = strchr(c1 + 1, '\t')) == NULL || c1 == line) {
			dm_error_set(err, DM_ERR_INVALID, "%s:%d: expected "
			    "key<TAB>shape<TAB>dtype", t->path, lineno);
			goto out;
		}
		*c1++ = '\0';
		*c2++ = '\0';
		if ((e = add_entry(t, &cap, line, strlen(line), err)) == NULL)
			goto out;
		e->tensor = 1;
		c2[strcspn(c2, "\r\t")] = '\0';
		if (!known_dtype(c2)) {
			dm_error_set(err, DM_ERR_INVALID, "%s:%d: unknown "
			    "dtype (float32, float16, bfloat16, int64...)",
			    t->path, lineno);
			goto out;
		}
		snprintf(e->dtype, sizeof e->dtype, "%s", c2);
		for (p = c1; *p != '\0'; ) {
			if (e->ndim == DM_TARGET_MAX_DIMS ||
			    !isdigit((unsigned char)*p)) {
				dm_error_set(err, DM_ERR_INVALID, "%s:%d: bad "
				    "shape '%.40s'", t->path, lineno, c1);
				goto out;
			}
			errno = 0;
			d = strtoull(p, &endp, 10);
			if (errno != 0 || d > (unsigned long long)INT64_MAX ||
			    (*endp != ',' && *endp != '\0')) {
				dm_error_set(err, DM_ERR_INVALID, "%s:%d: bad "
				    "shape '%.40s'", t->path, lineno, c1);
				goto out;
			}
			e->shape[e->ndim++] = d;
			p = *endp == ',' ? endp + 1 : endp;
		}
	}
	rc = 0;
out:
	free(buf);
	return rc;
}

static void
target_hash(struct dm_target *t)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	char buf[64];
	size_t i, k;
	int d, n;

	for (i = 0; i < t->n; i++) {
		const struct dm_tentry *e = &t->e[i];

		for (k = 0; e->key[k] != '\0'; k++)
			h = (h ^ (unsigned char)e->key[k]) * 0x100000001b3ULL;
		for (d = 0; d < e->ndim; d++) {
			n = snprintf(buf, sizeof buf, "\t%" PRIu64,
			    e->shape[d]);
			for (k = 0; k < (size_t)n; k++)
				h = (h ^ (unsigned char)buf[k]) *
				    0x100000001b3ULL;
		}
		h = (h ^ '\n') * 0x100000001b3ULL;
	}
	snprintf(t->hash, sizeof t->hash, "fnv1a64:%016" PRIx64, h);
}

struct dm_target *
dm_target_load(const char *path, struct dm_error *err)
{
	static const uint8_t legacy_magic[] = { 0x80, 0x02, 0x8a, 0x0a, 0x6c,
	    0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19 };
	struct dm_target *t;
	struct stat st;
	uint8_t head[512];
	ssize_t got;
	int fd, rc;

	if ((t = calloc(1, sizeof *t)) == NULL ||
	    (t->path = strdup(path)) == NULL) {
		free(t);
		dm_error_set(err, DM_ERR_NOMEM, "out of memory");
		return NULL;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1) {
		dm_error_set(err, DM_ERR_IO, "%s: %s", path, strerror(errno));
		dm_target_free(t);
		return NULL;
	}
	if (fstat(fd, &st) == -1) {
		dm_error_set(err, DM_ERR_IO, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (dm_error_not_regular(err, path, st.st_mode) == -1)
		goto fail;
	memset(head, 0, sizeof head);
	if ((got = pread(fd, head, sizeof head, 0)) < 0) {
		dm_error_set(err, DM_ERR_IO, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (got >= 4 && memcmp(head, "PK\3\4", 4) == 0) {
		t->kind = DM_TARGET_PT;
		rc = load_pt(t, fd, err);
	} else if (got >= 9 && head[8] == '{' &&
	    dm_le64dec(head) <= (uint64_t)st.st_size - 8) {
		t->kind = DM_TARGET_SAFETENSORS;
		rc = load_safetensors(t, fd, (uint64_t)st.st_size, err);
	} else if (got >= 4 && memcmp(head, "key\t", 4) == 0) {
		t->kind = DM_TARGET_KEYS;
		rc = load_keys(t, fd, (uint64_t)st.st_size, err);
	} else if ((got >= (ssize_t)sizeof legacy_magic &&
	    memcmp(head, legacy_magic, sizeof legacy_magic) == 0) ||
	    (got >= 2 && head[0] == 0x80 && head[1] <= 5) ||
	    (got >= 262 && memcmp(head + 257, "ustar", 5) == 0)) {
		dm_error_set(err, DM_ERR_INVALID, "%s: a PyTorch file in the "
		    "format torch.save() wrote before 1.6, which darkmap does "
		    "not read: load it and save it again with torch 1.6 or "
		    "newer (the default), or with torch.save(obj, path, "
		    "_use_new_zipfile_serialization=True)", path);
		goto fail;
	} else {
		dm_error_set(err, DM_ERR_INVALID, "%s: not a PyTorch "
		    "checkpoint (.pt), safetensors file or keys list "
		    "(key<TAB>shape<TAB>dtype)", path);
		goto fail;
	}
	if (rc == -1)
		goto fail;
	if (t->n == 0) {
		dm_error_set(err, DM_ERR_INVALID, "%s: holds no tensor", path);
		goto fail;
	}
	close(fd);
	target_hash(t);
	return t;
fail:
	close(fd);
	dm_target_free(t);
	return NULL;
}
