/*
 * catalog.c - the cfgs darkmap knows, grouped by layout.
 *
 * Every cfg is parsed and laid out as Darknet's loader reads it, in each
 * dialect asked for.  Cfgs whose ledgers are the same array for array
 * (yolov4-tiny.cfg and yolov4-tiny-custom.cfg differ only in training
 * keys) make one entry that names them all; a cfg whose two dialects give
 * the same ledger is one entry for both.
 */
#include "config.h"

#include "identify.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define DEPTH_MAX 16

struct dm_catalog *
dm_catalog_new(void)
{
	return calloc(1, sizeof(struct dm_catalog));
}

static void
entry_free(struct dm_cat_entry *e)
{
	size_t i;

	for (i = 0; i < e->nnames; i++)
		free(e->names[i]);
	free(e->names);
	dm_net_free(e->net);
}

void
dm_catalog_free(struct dm_catalog *cat)
{
	size_t i;

	if (cat == NULL)
		return;
	for (i = 0; i < cat->n; i++)
		entry_free(&cat->e[i]);
	free(cat->e);
	for (i = 0; i < cat->nwarnings; i++)
		free(cat->warnings[i]);
	free(cat->warnings);
	for (i = 0; i < cat->nfiles; i++)
		free(cat->files[i]);
	free(cat->files);
	free(cat->seen);
	free(cat);
}

/*
 * Whether the folder or file of st was searched already; marks it
 * searched when not.  -1 on memory.
 */
static int
seen_before(struct dm_catalog *cat, const struct stat *st,
    struct dm_error *err)
{
	struct dm_cat_seen *ns;
	size_t i, cap;

	for (i = 0; i < cat->nseen; i++)
		if (cat->seen[i].dev == st->st_dev &&
		    cat->seen[i].ino == st->st_ino)
			return 1;
	if (cat->nseen == cat->capseen) {
		cap = cat->capseen ? 2 * cat->capseen : 64;
		if ((ns = realloc(cat->seen, cap * sizeof *ns)) == NULL)
			return dm_error_set(err, DM_ERR_NOMEM,
			    "out of memory");
		cat->seen = ns;
		cat->capseen = cap;
	}
	cat->seen[cat->nseen].dev = st->st_dev;
	cat->seen[cat->nseen].ino = st->st_ino;
	cat->nseen++;
	return 0;
}

size_t
dm_catalog_default(const char **dirs, size_t max)
{
	static const char installed[] = DM_PKGDATADIR "/cfg";
	static const char source[] = DM_SRCDIR "/cfg";
	static char resolved[PATH_MAX];
	const char *dir;
	struct stat st;

	if (max == 0)
		return 0;
	if (stat(installed, &st) == 0 && S_ISDIR(st.st_mode))
		dir = installed;
	else if (stat(source, &st) == 0 && S_ISDIR(st.st_mode))
		dir = source;
	else
		return 0;
	/* "/src/cfg" rather than "/src/build/../cfg" in the reports. */
	dirs[0] = realpath(dir, resolved) != NULL ? resolved : dir;
	return 1;
}

static uint64_t
fnv(uint64_t h, uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++) {
		h ^= (v >> (8 * i)) & 0xff;
		h *= 1099511628211ull;
	}
	return h;
}

/* A hash of what the file holds: arrays, their kinds and counts. */
static uint64_t
layout_key(const struct dm_net *net)
{
	uint64_t h = 14695981039346656037ull;
	size_t i;

	h = fnv(h, net->narrays);
	for (i = 0; i < net->narrays; i++) {
		h = fnv(h, net->arrays[i].load_count);
		h = fnv(h, (uint64_t)net->arrays[i].role << 8 |
		    net->arrays[i].block);
	}
	return h;
}

static int
same_layout(const struct dm_net *a, const struct dm_net *b)
{
	size_t i;

	if (a->narrays != b->narrays)
		return 0;
	for (i = 0; i < a->narrays; i++)
		if (a->arrays[i].load_count != b->arrays[i].load_count ||
		    a->arrays[i].role != b->arrays[i].role ||
		    a->arrays[i].block != b->arrays[i].block ||
		    a->layers[a->arrays[i].layer].type !=
		    b->layers[b->arrays[i].layer].type)
			return 0;
	return 1;
}

static int
warn(struct dm_catalog *cat, struct dm_error *err, const char *msg)
{
	char **nw;
	size_t cap;

	if (cat->nwarnings == cat->capwarnings) {
		cap = cat->capwarnings ? 2 * cat->capwarnings : 8;
		if ((nw = realloc(cat->warnings, cap * sizeof *nw)) == NULL)
			return dm_error_set(err, DM_ERR_NOMEM, "out of memory");
		cat->warnings = nw;
		cat->capwarnings = cap;
	}
	if ((cat->warnings[cat->nwarnings] = strdup(msg)) == NULL)
		return dm_error_set(err, DM_ERR_NOMEM, "out of memory");
	cat->nwarnings++;
	return 0;
}

static const char *
base_name(const char *p)
{
	const char *s = strrchr(p, '/');

	return s != NULL ? s + 1 : p;
}

/*
 * Files an entry's net and name under the entry of the same layout, or a
 * new one.  The name with the shortest base name leads ("yolov4-tiny.cfg"
 * before "yolov4-tiny-custom.cfg"), and its net is the one kept.
 */
static int
file_net(struct dm_catalog *cat, struct dm_net *net, unsigned dialects,
    int given, struct dm_error *err)
{
	struct dm_cat_entry *e = NULL, *ne;
	uint64_t key = layout_key(net);
	char **nn, *name;
	size_t i;

	for (i = 0; i < cat->n; i++)
		if (cat->e[i].key == key && same_layout(cat->e[i].net, net)) {
			e = &cat->e[i];
			break;
		}
	if ((name = strdup(net->cfg->path)) == NULL)
		goto nomem;
	if (e == NULL) {
		if (cat->n == cat->cap) {
			size_t cap = cat->cap ? 2 * cat->cap : 64;

			if ((ne = realloc(cat->e, cap * sizeof *ne)) == NULL)
				goto nomem_name;
			cat->e = ne;
			cat->cap = cap;
		}
		e = &cat->e[cat->n];
		memset(e, 0, sizeof *e);
		if ((e->names = malloc(sizeof *e->names)) == NULL)
			goto nomem_name;
		e->names[0] = name;
		e->nnames = 1;
		e->dialects = dialects;
		e->dialect = net->dialect;
		e->net = net;
		e->key = key;
		e->given = given;
		cat->n++;
		return 0;
	}
	if ((nn = realloc(e->names, (e->nnames + 1) * sizeof *nn)) == NULL)
		goto nomem_name;
	e->names = nn;
	e->dialects |= dialects;
	if (given > e->given)
		e->given = given;
	if (strlen(base_name(name)) < strlen(base_name(e->names[0]))) {
		memmove(e->names + 1, e->names, e->nnames * sizeof *nn);
		e->names[0] = name;
		dm_net_free(e->net);
		e->net = net;
		e->dialect = net->dialect;
	} else {
		e->names[e->nnames] = name;
		dm_net_free(net);
	}
	e->nnames++;
	return 0;
nomem_name:
	free(name);
nomem:
	dm_net_free(net);
	return dm_error_set(err, DM_ERR_NOMEM, "out of memory");
}

/* Parses one cfg in each dialect and files what it gives. */
static int
add_file(struct dm_catalog *cat, const char *path, unsigned dialects,
    int given, struct dm_error *err)
{
	struct dm_net *nets[2] = { NULL, NULL };
	struct dm_error e, first;
	char msg[DM_ERROR_MAX + 64];
	unsigned bits[2] = { 0, 0 };
	int d, nok = 0;

	dm_error_clear(&first);
	if (cat->nfiles == cat->capfiles) {
		size_t cap = cat->capfiles ? 2 * cat->capfiles : 64;
		char **nf;

		if ((nf = realloc(cat->files, cap * sizeof *nf)) == NULL)
			goto fail;
		cat->files = nf;
		cat->capfiles = cap;
	}
	if ((cat->files[cat->nfiles] = strdup(path)) == NULL)
		goto fail;
	cat->nfiles++;
	for (d = DM_DIALECT_AB; d <= DM_DIALECT_PJ; d++) {
		if (!(dialects & DM_DIALECT_BIT(d)))
			continue;
		dm_error_clear(&e);
		nets[d] = dm_net_load(path, (enum dm_dialect)d, &e);
		if (nets[d] != NULL && dm_net_layout(nets[d], 0,
		    DM_LAYOUT_LOAD, &e) == -1) {
			dm_net_free(nets[d]);
			nets[d] = NULL;
		}
		if (nets[d] == NULL) {
			if (e.code == DM_ERR_NOMEM)
				goto fail;
			if (first.msg[0] == '\0')
				first = e;
			continue;
		}
		bits[d] = DM_DIALECT_BIT(d);
		nok++;
	}
	if (nok == 0) {
		snprintf(msg, sizeof msg, "skipped %s", first.msg);
		return warn(cat, err, msg);
	}
	if (nets[0] != NULL && nets[1] != NULL &&
	    same_layout(nets[0], nets[1])) {
		dm_net_free(nets[1]);
		nets[1] = NULL;
		bits[0] |= bits[1];
	}
	for (d = 0; d < 2; d++) {
		if (nets[d] == NULL)
			continue;
		if (file_net(cat, nets[d], bits[d], given, err) == -1) {
			nets[d] = NULL;
			goto fail;
		}
		nets[d] = NULL;
	}
	return 0;
fail:
	dm_net_free(nets[0]);
	dm_net_free(nets[1]);
	return dm_error_set(err, DM_ERR_NOMEM, "out of memory");
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n > m && strcmp(s + n - m, suffix) == 0;
}

static int
add_dir(struct dm_catalog *cat, const char *path, unsigned dialects,
    int given, int depth, struct dm_error *err)
{
	struct dirent *de;
	struct stat st;
	char **names = NULL, **nn, *full;
	size_t n = 0, cap = 0, i, len;
	DIR *dir;
	int rc = 0;

	if ((dir = opendir(path)) == NULL)
		return dm_error_set(err, DM_ERR_IO, "%s: %s", path,
		    strerror(errno));
	/* A folder reached again through a link is not searched twice. */
	if (fstat(dirfd(dir), &st) == -1) {
		rc = dm_error_set(err, DM_ERR_IO, "%s: %s", path,
		    strerror(errno));
		goto out;
	}
	if ((rc = seen_before(cat, &st, err)) != 0) {
		rc = rc == 1 ? 0 : -1;
		goto out;
	}
	while ((de = readdir(dir)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			if ((nn = realloc(names, cap * sizeof *nn)) == NULL) {
				rc = dm_error_set(err, DM_ERR_NOMEM,
				    "out of memory");
				goto out;
			}
			names = nn;
		}
		len = strlen(path) + strlen(de->d_name) + 2;
		if ((names[n] = malloc(len)) == NULL) {
			rc = dm_error_set(err, DM_ERR_NOMEM, "out of memory");
			goto out;
		}
		snprintf(names[n], len, "%s%s%s", path,
		    ends_with(path, "/") ? "" : "/", de->d_name);
		n++;
	}
	if (n > 0)
		qsort(names, n, sizeof *names, by_name);
	for (i = 0; i < n && rc == 0; i++) {
		full = names[i];
		if (stat(full, &st) == -1)
			continue;
		if (S_ISDIR(st.st_mode)) {
			if (depth < DEPTH_MAX)
				rc = add_dir(cat, full, dialects, given,
				    depth + 1, err);
		} else if (S_ISREG(st.st_mode) && ends_with(full, ".cfg")) {
			if ((rc = seen_before(cat, &st, err)) == 0)
				rc = add_file(cat, full, dialects, given, err);
			else if (rc == 1)
				rc = 0;
		}
	}
out:
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(dir);
	return rc;
}

int
dm_catalog_add(struct dm_catalog *cat, const char *path, unsigned dialects,
    int given, struct dm_error *err)
{
	struct stat st;

	if (stat(path, &st) == -1)
		return dm_error_set(err, DM_ERR_IO, "%s: %s", path,
		    strerror(errno));
	if (S_ISDIR(st.st_mode))
		return add_dir(cat, path, dialects, given, 0, err);
	if (dm_error_not_regular(err, path, st.st_mode) == -1)
		return -1;
	switch (seen_before(cat, &st, err)) {
	case -1:
		return -1;
	case 1:
		return 0;
	}
	return add_file(cat, path, dialects, given, err);
}
