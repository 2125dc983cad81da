/*
 * cfgkeys.h - the keys Darknet's parser reads, per section type and fork.
 *
 * Darknet looks each key it wants up by name and never sees the others: a
 * misspelt "strid=2" leaves the default stride in place without a word
 * (AlexeyAB and pjreddie print "Unused field" for it only after the layer
 * is built, and never for [net]).  The tables hold every key each fork's
 * parser may look up in a section, whatever the other keys say (B1 counts
 * for [net] even without adam=1), so a key outside them is certainly
 * ignored.  All strings handed out are static.
 */
#ifndef DM_CFGKEYS_H
#define DM_CFGKEYS_H

#include <stddef.h>

#include "cfg.h"
#include "ltype.h"

enum dm_key_use {
	DM_KEY_READ,		/* the dialect's Darknet reads it */
	DM_KEY_OTHER_FORK,	/* only the other fork reads it */
	DM_KEY_IGNORED,		/* neither fork reads it */
	DM_KEY_NO_TABLE		/* not a section type of the dialect */
};

/* The forks of Darknet, as bits. */
#define DM_FORK_AB	1u	/* AlexeyAB/darknet */
#define DM_FORK_PJ	2u	/* pjreddie/darknet */

/* The fork bit of a dialect. */
unsigned	 dm_dialect_fork(enum dm_dialect dialect);

struct cfg_key;			/* a key and the forks that read it */

/*
 * A section type: the header that names it, the layer it builds, the
 * forks that know it and the keys they read in it.
 */
struct dm_cfgsect {
	const char	*name;		/* "[convolutional]", "[conv]", ... */
	enum dm_ltype	 type;		/* DM_L_UNKNOWN for [net] */
	unsigned	 forks;		/* DM_FORK_AB | DM_FORK_PJ */
	const struct cfg_key *keys;
};

/*
 * The one table of the layer section types of both forks, aliases
 * included ("[conv]" beside "[convolutional]"): what cfg.c checks the
 * keys against and what net.c builds.
 */
extern const struct dm_cfgsect dm_layer_sects[];
extern const size_t dm_layer_nsects;

/*
 * The layer section type whose header is name ("[conv]"), whichever forks
 * know it, or NULL.
 */
const struct dm_cfgsect *dm_cfgsect_find(const char *name);

/*
 * How the dialect's Darknet treats key in a section called name (the whole
 * header line, "[conv]"); first says whether it is the file's first
 * section, where only [net] and [network] are read as such.
 */
enum dm_key_use	 dm_cfgkeys_use(const char *name, int first, const char *key,
		     enum dm_dialect dialect);

/*
 * The same in two steps, for many keys of one section: the keys of a
 * section called name, or NULL when the dialect does not know its type;
 * then how the dialect treats key there (DM_KEY_NO_TABLE when s is NULL).
 * *pos is set to the key's place among the section's keys (small, and the
 * same for every line with that key), or to -1 when no fork reads it there.
 */
const struct dm_cfgsect *dm_cfgkeys_sect(const char *name, int first,
		     enum dm_dialect dialect);
enum dm_key_use	 dm_cfgkeys_find(const struct dm_cfgsect *s, const char *key,
		     enum dm_dialect dialect, int *pos);

/*
 * A key the dialect's Darknet reads in that section that key looks like a
 * slip of (differing only in case, or by one or two letters), or NULL.
 */
const char	*dm_cfgkeys_suggest(const char *name, int first,
		     const char *key, enum dm_dialect dialect);

#endif /* DM_CFGKEYS_H */
