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

#include "cfg.h"

enum dm_key_use {
	DM_KEY_READ,		/* the dialect's Darknet reads it */
	DM_KEY_OTHER_FORK,	/* only the other fork reads it */
	DM_KEY_IGNORED,		/* neither fork reads it */
	DM_KEY_NO_TABLE		/* not a section type of the dialect */
};

struct dm_cfgsect;		/* the keys of one section type */

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
