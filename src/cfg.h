/*
 * cfg.h - Darknet .cfg files, read exactly as Darknet reads them.
 *
 * A struct dm_cfg owns every section, option and warning it holds; the
 * strings handed out by the lookup functions are borrowed and live until
 * dm_cfg_free().
 */
#ifndef DM_CFG_H
#define DM_CFG_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

enum dm_dialect {
	DM_DIALECT_AB,		/* AlexeyAB/darknet (the default) */
	DM_DIALECT_PJ		/* pjreddie/darknet */
};

struct dm_option {
	char		*key;
	char		*value;		/* NULL for a line without '=' */
	int		 line;
	int		 used;		/* looked up at least once */
};

struct dm_section {
	char		*name;		/* the whole stripped line, e.g. "[net]" */
	int		 line;
	struct dm_option *opts;
	size_t		 nopts;
	size_t		 capopts;
};

struct dm_cfg {
	char		*path;		/* as given, for messages */
	enum dm_dialect	 dialect;
	struct dm_section *sects;
	size_t		 nsects;
	size_t		 capsects;
	char		**warnings;	/* lines Darknet complains about, in
					   line order: "file:line: ..."; the
					   array and each string owned */
	int		*warning_lines;	/* the line of each of warnings;
					   owned */
	size_t		 nwarnings;
	size_t		 capwarnings;	/* room in both arrays */
	const char	*hint;		/* the first about a likely misspelt
					   key or a layer's key only the
					   other fork reads, or NULL; one of
					   warnings */
	int		 hint_line;	/* the line hint is about */
	size_t		 nlinewarnings;	/* of warnings, those about a line's
					   key (ignored, or without a value),
					   and at most one saying that the
					   rest are not listed */
};

/*
 * Parses the cfg text buf[0..len) of the file called path.  Returns a new
 * cfg, or NULL with err set (a NUL byte, an option before any section, or
 * no memory); the text need not be NUL-terminated.
 */
struct dm_cfg	*dm_cfg_parse(const char *path, const char *buf, size_t len,
		     enum dm_dialect dialect, struct dm_error *err);

/*
 * Reads the cfg file at path whole: a new NUL-terminated buffer of *lenp
 * bytes (the caller's to free), or NULL with err set.
 */
char		*dm_cfg_read(const char *path, size_t *lenp, struct dm_error *err);

/* Reads and parses the file at path. */
struct dm_cfg	*dm_cfg_load(const char *path, enum dm_dialect dialect,
		     struct dm_error *err);

void		 dm_cfg_free(struct dm_cfg *cfg);

/*
 * Looks key up in a section the way Darknet's option_find() does: the first
 * occurrence wins, and a key without a value counts as absent.  Marks the
 * option used.  Returns the option or NULL.
 */
struct dm_option *dm_section_find(struct dm_section *s, const char *key);

/* The value of key, or NULL when absent or valueless. */
const char	*dm_section_str(struct dm_section *s, const char *key);

/*
 * Integer lookup with C atoi() semantics (leading sign and digits; "3.9" is
 * 3, "abc" is 0) but with range checking: a value outside int is an error
 * naming the file and line.  Stores def when the key is absent.
 */
int		 dm_section_int(struct dm_cfg *cfg, struct dm_section *s,
		     const char *key, int def, int *out, struct dm_error *err);

/* Float lookup with atof() semantics; def when absent. */
double		 dm_section_float(struct dm_section *s, const char *key,
		     double def);

/*
 * Decodes p as Darknet's atoi() does (an optional sign, then digits, up to
 * anything else) into *out.  An out-of-range number is an error naming
 * the cfg, line and key.
 */
int		 dm_cfg_atoi(struct dm_cfg *cfg, int line, const char *key,
		     const char *p, int *out, struct dm_error *err);

/*
 * Copies s into buf for messages, escaping control characters ("\r") and
 * shortening it to fit.
 */
void		 dm_printable(char *buf, size_t len, const char *s);

/*
 * Sets key to value in a section: the first occurrence is replaced (so
 * that lookups see it), or the option is appended.  Both strings are
 * copied; the section owns the copies.
 */
int		 dm_section_set(struct dm_section *s, const char *key,
		     const char *value, struct dm_error *err);

/* atoi() semantics without its undefined overflow: clamps to int. */
int		 dm_atoi_clamp(const char *p);

/*
 * Whether atoi() reads all of p, which is then a plain integer: a sign or
 * none, then digits only ("12", "-3"; not "", "abc", "3.9" or "0x10").
 */
int		 dm_atoi_whole(const char *p);

/* Line of an option (for messages), or the section's line when absent. */
int		 dm_section_line(const struct dm_section *s, const char *key);

#endif /* DM_CFG_H */
