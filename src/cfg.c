/*
 * cfg.c - the Darknet .cfg reader.
 *
 * Darknet's read_cfg() reads the file line by line and deletes every space,
 * tab and newline anywhere in the line (AlexeyAB also deletes CR; pjreddie
 * keeps it, so CR LF files fail there).  Then the first character decides:
 * nothing, '#' or ';' is a comment (only at the start of a line: there are
 * no inline comments), '[' starts a section whose name is the whole line,
 * anything else is "key=value" split at the first '='.  "key=" is rejected
 * with a message and ignored; a line without '=' is a key without a value,
 * which lookups treat as absent.  Lookups scan from the front, so the first
 * of duplicate keys wins.  Darknet never checks a key: a misspelt one is
 * silently ignored, and so are later duplicates; both are warned about
 * here, against the keys each fork reads (cfgkeys.c).
 */
#include "config.h"

#include "cfg.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cfgkeys.h"
#include "grow.h"

/*
 * Where a key Darknet reads was first seen in the section being read.  A
 * record made in an earlier section is stale, so none is ever cleared.
 */
struct cfg_seen {
	size_t		 sect;		/* cfg->nsects when made; 0 none */
	size_t		 opt;		/* the option in that section */
};

/* A parse in progress. */
struct cfg_parse {
	struct dm_cfg	*cfg;
	const struct dm_cfgsect *keys;	/* of the last section, or NULL */
	struct cfg_seen	*seen;		/* by a key's place in keys */
	size_t		 nseen;
};

static int	 cfg_add_warning(struct dm_cfg *, struct dm_error *, int,
		     const char *, ...) __attribute__((format(printf, 4, 5)));
static int	 cfg_line_warning(struct dm_cfg *, struct dm_error *, int,
		     const char *, ...) __attribute__((format(printf, 4, 5)));

static char *
dm_strndup(const char *s, size_t n)
{
	char *p;

	p = malloc(n + 1);
	if (p == NULL)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

/*
 * A warning about line, which the text names too.  Both arrays grow by
 * doubling, so that many warnings cost linear time.
 */
static int
cfg_add_warning(struct dm_cfg *cfg, struct dm_error *err, int line,
    const char *fmt, ...)
{
	char buf[512];
	size_t cap = cfg->capwarnings;
	va_list ap;

	/* The two arrays share one count of their room. */
	if (dm_grow(&cfg->warnings, &cap, cfg->nwarnings,
	    sizeof *cfg->warnings, 8, err) == -1)
		return -1;
	cap = cfg->capwarnings;
	if (dm_grow(&cfg->warning_lines, &cap, cfg->nwarnings,
	    sizeof *cfg->warning_lines, 8, err) == -1)
		return -1;
	cfg->capwarnings = cap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if ((cfg->warnings[cfg->nwarnings] = strdup(buf)) == NULL)
		return dm_error_set(err, DM_ERR_NOMEM, "out of memory");
	cfg->warning_lines[cfg->nwarnings] = line;
	cfg->nwarnings++;
	return 0;
}

static int
cfg_add_section(struct dm_cfg *cfg, char *name, int line,
    struct dm_error *err)
{
	struct dm_section *s;

	if (dm_grow(&cfg->sects, &cfg->capsects, cfg->nsects,
	    sizeof *cfg->sects, 16, err) == -1) {
		free(name);
		return -1;
	}
	s = &cfg->sects[cfg->nsects++];
	memset(s, 0, sizeof *s);
	s->name = name;
	s->line = line;
	return 0;
}

static int
cfg_add_option(struct dm_section *s, char *key, char *value, int line,
    struct dm_error *err)
{
	struct dm_option *o;

	if (dm_grow(&s->opts, &s->capopts, s->nopts, sizeof *s->opts, 8,
	    err) == -1) {
		free(key);
		return -1;
	}
	o = &s->opts[s->nopts++];
	o->key = key;		/* key and value share one allocation */
	o->value = value;
	o->line = line;
	o->used = 0;
	return 0;
}

/*
 * Warnings about the key of a line (one Darknet ignores, or one without a
 * value) stop after LINEWARN_MAX: a hostile cfg could have millions.  So
 * does the work of looking for them.
 */
#define LINEWARN_MAX	100

/* Whether the cap has been reached (the callers then look no further). */
#define LINEWARN_DONE(cfg)	((cfg)->nlinewarnings > LINEWARN_MAX)

/*
 * A warning "file:line: ..." about the key on line.  The one after the
 * first LINEWARN_MAX says instead that the rest are not listed, from this
 * line on; none follows it.
 */
static int
cfg_line_warning(struct dm_cfg *cfg, struct dm_error *err, int line,
    const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	if (LINEWARN_DONE(cfg))
		return 0;
	if (cfg->nlinewarnings++ == LINEWARN_MAX)
		return cfg_add_warning(cfg, err, line, "%s:%d: from this line "
		    "on, warnings about keys are not listed (only the first %d "
		    "are)", cfg->path, line, LINEWARN_MAX);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return cfg_add_warning(cfg, err, line, "%s:%d: %s", cfg->path, line,
	    msg);
}

/* Makes the key warning just added the hint, unless there is one. */
static void
cfg_hint(struct dm_cfg *cfg, int line)
{
	if (cfg->hint != NULL || LINEWARN_DONE(cfg))
		return;		/* the last is then "from this line on ..." */
	cfg->hint = cfg->warnings[cfg->nwarnings - 1];
	cfg->hint_line = line;
}

/* The record of the key at pos among the section's keys. */
static struct cfg_seen *
cfg_seen(struct cfg_parse *ps, int pos, struct dm_error *err)
{
	struct cfg_seen *n;
	size_t want = (size_t)pos + 1;

	if (want > ps->nseen) {
		if (want < 128)
			want = 128;
		if ((n = realloc(ps->seen, want * sizeof *n)) == NULL) {
			dm_error_set(err, DM_ERR_NOMEM, "out of memory");
			return NULL;
		}
		memset(n + ps->nseen, 0, (want - ps->nseen) * sizeof *n);
		ps->seen = n;
		ps->nseen = want;
	}
	return &ps->seen[pos];
}

/*
 * Warns about the option o just added, of a key the dialect reads at pos
 * among the section's keys, when an earlier line has the key (lookups
 * stop at the first).  The first line of each such key in the section is
 * recorded, with or without '=' (which shadows the later ones all the
 * same), so the work per line does not grow with the section.
 */
static int
cfg_check_repeat(struct cfg_parse *ps, struct dm_option *o, int pos,
    struct dm_error *err)
{
	struct dm_cfg *cfg = ps->cfg;
	struct dm_section *s = &cfg->sects[cfg->nsects - 1];
	struct dm_option *p;
	struct cfg_seen *seen;
	char sect[48], key[48], first[48];

	if ((seen = cfg_seen(ps, pos, err)) == NULL)
		return -1;
	if (seen->sect != cfg->nsects) {	/* the first in the section */
		seen->sect = cfg->nsects;
		seen->opt = (size_t)(o - s->opts);
		return 0;
	}
	if (o->value == NULL)
		return 0;
	p = &s->opts[seen->opt];
	dm_printable(sect, sizeof sect, s->name);
	dm_printable(key, sizeof key, o->key);
	if (p->value == NULL)
		return cfg_line_warning(cfg, err, o->line, "%s already has "
		    "'%s' on line %d, without '=': Darknet reads only that "
		    "first one, keeps the default and ignores this line", sect,
		    key, p->line);
	dm_printable(first, sizeof first, p->value);
	return cfg_line_warning(cfg, err, o->line, "%s already has '%s' on "
	    "line %d: Darknet reads only that first one (%s=%s) and ignores "
	    "this line", sect, key, p->line, key, first);
}

/*
 * Warns about the option just added when Darknet will not read it: a key
 * the dialect's parser never looks up in this section (on every line that
 * has it), or a key it reads that an earlier line already has.  Lines
 * without '=' get no warning of their own, nor do sections of no type the
 * dialect knows (those get their own warning).
 */
static int
cfg_check_option(struct cfg_parse *ps, struct dm_error *err)
{
	struct dm_cfg *cfg = ps->cfg;
	struct dm_section *s = &cfg->sects[cfg->nsects - 1];
	struct dm_option *o = &s->opts[s->nopts - 1];
	enum dm_key_use use;
	const char *hint;
	char sect[48], key[48];
	int pos, rc;

	if (LINEWARN_DONE(cfg))
		return 0;
	use = dm_cfgkeys_find(ps->keys, o->key, cfg->dialect, &pos);
	if (use == DM_KEY_READ)
		return cfg_check_repeat(ps, o, pos, err);
	if (o->value == NULL || use == DM_KEY_NO_TABLE)
		return 0;
	dm_printable(sect, sizeof sect, s->name);
	dm_printable(key, sizeof key, o->key);
	if (use == DM_KEY_OTHER_FORK) {
		if (cfg->dialect == DM_DIALECT_AB)
			rc = cfg_line_warning(cfg, err, o->line, "%s has no "
			    "key '%s' in AlexeyAB's Darknet, which ignores it "
			    "(pjreddie's reads it: try --dialect pj)", sect,
			    key);
		else
			rc = cfg_line_warning(cfg, err, o->line, "%s has no "
			    "key '%s' in pjreddie's Darknet, which ignores it "
			    "(AlexeyAB's reads it: try --dialect ab)", sect,
			    key);
		/* Of [net], only keys both forks read change a shape. */
		if (rc == 0 && cfg->nsects > 1)
			cfg_hint(cfg, o->line);
		return rc;
	}
	/* Darknet stores "=5" as the value of a key "", never looked up. */
	if (o->key[0] == '\0')
		return cfg_line_warning(cfg, err, o->line, "%s has a line with "
		    "no key before '=' (Darknet ignores it)", sect);
	hint = dm_cfgkeys_suggest(s->name, cfg->nsects == 1, o->key,
	    cfg->dialect);
	rc = cfg_line_warning(cfg, err, o->line, "%s has no key '%s' "
	    "(Darknet ignores it%s%s%s)", sect, key,
	    hint != NULL ? "; did you mean '" : "", hint != NULL ? hint : "",
	    hint != NULL ? "'?" : "");
	if (rc == 0 && hint != NULL)
		cfg_hint(cfg, o->line);
	return rc;
}

/* Removes the characters Darknet's strip() removes, in place. */
static size_t
cfg_strip(char *s, size_t n, enum dm_dialect dialect)
{
	size_t i, j;
	char c;

	for (i = j = 0; i < n; i++) {
		c = s[i];
		if (c == ' ' || c == '\t' || c == '\n')
			continue;
		if (c == '\r' && dialect == DM_DIALECT_AB)
			continue;
		s[j++] = c;
	}
	s[j] = '\0';
	return j;
}

static int
cfg_line(struct cfg_parse *ps, const char *text, size_t n, int lineno,
    struct dm_error *err)
{
	struct dm_cfg *cfg = ps->cfg;
	char *line, *eq, quoted[64];
	size_t len;
	int rc;

	if (memchr(text, '\0', n) != NULL)
		return dm_error_line(err, DM_ERR_SYNTAX, cfg->path, lineno,
		    "line contains a NUL byte (is this a cfg file?)");
	if ((line = dm_strndup(text, n)) == NULL)
		return dm_error_set(err, DM_ERR_NOMEM, "out of memory");
	len = cfg_strip(line, n, cfg->dialect);
	switch (line[0]) {
	case '\0':
	case '#':
	case ';':
		free(line);
		return 0;
	case '[':
		if (cfg_add_section(cfg, line, lineno, err) == -1)
			return -1;
		ps->keys = dm_cfgkeys_sect(line, cfg->nsects == 1,
		    cfg->dialect);
		return 0;
	}
	if (cfg->nsects == 0) {
		free(line);
		return dm_error_line(err, DM_ERR_SYNTAX, cfg->path, lineno,
		    "option line before the first section (Darknet crashes on "
		    "this); the file must start with [net]");
	}
	eq = strchr(line, '=');
	if (eq != NULL && (size_t)(eq - line) == len - 1) {
		/* Darknet: "Config file error line N, could parse: key". */
		rc = 0;
		if (!LINEWARN_DONE(cfg)) {
			dm_printable(quoted, sizeof quoted, line);
			rc = cfg_line_warning(cfg, err, lineno, "'%s' has no "
			    "value and is ignored", quoted);
		}
		free(line);
		return rc;
	}
	if (eq != NULL)
		*eq++ = '\0';
	if (cfg_add_option(&cfg->sects[cfg->nsects - 1], line, eq, lineno,
	    err) == -1)
		return -1;
	return cfg_check_option(ps, err);
}

struct dm_cfg *
dm_cfg_parse(const char *path, const char *buf, size_t len,
    enum dm_dialect dialect, struct dm_error *err)
{
	struct cfg_parse ps;
	struct dm_cfg *cfg;
	const char *p, *end, *nl;
	int lineno = 0;

	if ((cfg = calloc(1, sizeof *cfg)) == NULL) {
		dm_error_set(err, DM_ERR_NOMEM, "out of memory");
		return NULL;
	}
	cfg->dialect = dialect;
	if ((cfg->path = strdup(path)) == NULL) {
		free(cfg);
		dm_error_set(err, DM_ERR_NOMEM, "out of memory");
		return NULL;
	}
	memset(&ps, 0, sizeof ps);
	ps.cfg = cfg;
	p = buf;
	end = buf + len;
	while (p < end) {
		if (lineno == INT_MAX) {
			dm_error_file(err, DM_ERR_RANGE, path, "too many "
			    "lines");
			goto fail;
		}
		lineno++;
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		if (cfg_line(&ps, p, (size_t)(nl - p), lineno, err) == -1)
			goto fail;
		p = nl + 1;
	}
	free(ps.seen);
	return cfg;
fail:
	free(ps.seen);
	dm_cfg_free(cfg);
	return NULL;
}

/* A cfg is text of a few kilobytes: refuse anything absurdly large. */
#define CFG_MAX ((size_t)64 << 20)

char *
dm_cfg_read(const char *path, size_t *lenp, struct dm_error *err)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0;
	ssize_t n;
	int fd;

	/* Non-blocking, so that a FIFO with no writer cannot hang us. */
	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) == -1) {
		dm_error_file(err, DM_ERR_IO, path, "%s", strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) == -1) {
		dm_error_file(err, DM_ERR_IO, path, "%s", strerror(errno));
		goto out;
	}
	if (dm_error_not_regular(err, path, st.st_mode) == -1)
		goto out;
	if ((uint64_t)st.st_size > CFG_MAX) {
		dm_error_file(err, DM_ERR_RANGE, path, "%lld bytes is too "
		    "large for a cfg file", (long long)st.st_size);
		goto out;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		dm_error_file(err, DM_ERR_NOMEM, path, "out of memory");
		goto out;
	}
	while (len < (size_t)st.st_size) {
		n = read(fd, buf + len, (size_t)st.st_size - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			dm_error_file(err, DM_ERR_IO, path, "read error: %s",
			    strerror(errno));
			goto out;
		}
		if (n == 0)
			break;		/* shrank while we read */
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	*lenp = len;
	return buf;
out:
	close(fd);
	free(buf);
	return NULL;
}

struct dm_cfg *
dm_cfg_load(const char *path, enum dm_dialect dialect, struct dm_error *err)
{
	struct dm_cfg *cfg;
	size_t len;
	char *buf;

	if ((buf = dm_cfg_read(path, &len, err)) == NULL)
		return NULL;
	cfg = dm_cfg_parse(path, buf, len, dialect, err);
	free(buf);
	return cfg;
}

void
dm_cfg_free(struct dm_cfg *cfg)
{
	size_t i, j;

	if (cfg == NULL)
		return;
	for (i = 0; i < cfg->nsects; i++) {
		for (j = 0; j < cfg->sects[i].nopts; j++)
			free(cfg->sects[i].opts[j].key);
		free(cfg->sects[i].opts);
		free(cfg->sects[i].name);
	}
	for (i = 0; i < cfg->nwarnings; i++)
		free(cfg->warnings[i]);
	free(cfg->warnings);
	free(cfg->warning_lines);
	free(cfg->sects);
	free(cfg->path);
	free(cfg);
}

struct dm_option *
dm_section_find(struct dm_section *s, const char *key)
{
	size_t i;

	for (i = 0; i < s->nopts; i++) {
		if (strcmp(s->opts[i].key, key) == 0) {
			s->opts[i].used = 1;
			return &s->opts[i];
		}
	}
	return NULL;
}

const char *
dm_section_str(struct dm_section *s, const char *key)
{
	struct dm_option *o;

	o = dm_section_find(s, key);
	return o == NULL ? NULL : o->value;
}

int
dm_section_line(const struct dm_section *s, const char *key)
{
	size_t i;

	for (i = 0; i < s->nopts; i++)
		if (strcmp(s->opts[i].key, key) == 0)
			return s->opts[i].line;
	return s->line;
}

/*
 * atoi() as Darknet calls it (an optional sign, then digits; it stops at
 * anything else), into *v; returns 0, or -1 when the number does not fit
 * an int, with *v clamped to INT_MIN or INT_MAX.
 */
static int
atoi_scan(const char *p, long long *v)
{
	long long n = 0;
	int neg = 0, big = 0;

	if (*p == '+' || *p == '-')
		neg = *p++ == '-';
	while (*p >= '0' && *p <= '9') {
		n = n * 10 + (*p++ - '0');
		if (n > (long long)INT_MAX + 1) {
			n = (long long)INT_MAX + 1;	/* and stays out */
			big = 1;
		}
	}
	n = neg ? -n : n;
	*v = n > INT_MAX ? INT_MAX : n < INT_MIN ? INT_MIN : n;
	return *v == n && !big ? 0 : -1;
}

int
dm_cfg_atoi(struct dm_cfg *cfg, int line, const char *key, const char *p,
    int *out, struct dm_error *err)
{
	long long v;

	if (atoi_scan(p, &v) == -1)
		return dm_error_line(err, DM_ERR_RANGE, cfg->path, line,
		    "%s: number out of range (Darknet's int holds %d to %d)",
		    key, INT_MIN, INT_MAX);
	*out = (int)v;
	return 0;
}

int
dm_section_int(struct dm_cfg *cfg, struct dm_section *s, const char *key,
    int def, int *out, struct dm_error *err)
{
	struct dm_option *o;

	o = dm_section_find(s, key);
	if (o == NULL || o->value == NULL) {
		*out = def;
		return 0;
	}
	return dm_cfg_atoi(cfg, o->line, key, o->value, out, err);
}

double
dm_section_float(struct dm_section *s, const char *key, double def)
{
	const char *v;

	v = dm_section_str(s, key);
	if (v == NULL)
		return def;
	return strtod(v, NULL);
}

void
dm_printable(char *buf, size_t len, const char *s)
{
	size_t n = 0;
	unsigned char c;

	if (len == 0)
		return;
	for (; *s != '\0' && n + 5 < len; s++) {
		c = (unsigned char)*s;
		if (c == '\r')
			n += (size_t)snprintf(buf + n, len - n, "\\r");
		else if (c < 0x20 || c == 0x7f)
			n += (size_t)snprintf(buf + n, len - n, "\\x%02x", c);
		else
			buf[n++] = (char)c;
	}
	if (*s != '\0' && n + 4 <= len) {
		memcpy(buf + n, "...", 3);
		n += 3;
	}
	buf[n] = '\0';
}

int
dm_section_set(struct dm_section *s, const char *key, const char *value,
    struct dm_error *err)
{
	size_t kl = strlen(key), vl = strlen(value), i;
	char *p;

	if ((p = malloc(kl + vl + 2)) == NULL)
		return dm_error_set(err, DM_ERR_NOMEM, "out of memory");
	memcpy(p, key, kl + 1);
	memcpy(p + kl + 1, value, vl + 1);
	for (i = 0; i < s->nopts; i++) {
		if (strcmp(s->opts[i].key, key) == 0) {
			free(s->opts[i].key);
			s->opts[i].key = p;
			s->opts[i].value = p + kl + 1;
			return 0;
		}
	}
	return cfg_add_option(s, p, p + kl + 1, s->line, err);
}

int
dm_atoi_clamp(const char *p)
{
	long long v;

	(void)atoi_scan(p, &v);
	return (int)v;
}

int
dm_atoi_whole(const char *p)
{
	if (*p == '+' || *p == '-')
		p++;
	if (*p < '0' || *p > '9')
		return 0;
	while (*p >= '0' && *p <= '9')
		p++;
	return *p == '\0';
}
