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

/*
 * How the dialect's Darknet treats key in a section called name (the whole
 * header line, "[conv]"); first says whether it is the file's first
 * section, where only [net] and [network] are read as such.
 */
enum dm_key_use	 dm_cfgkeys_use(const char *name, int first, const char *key,
		     enum dm_dialect dialect);

/*
 * A key the dialect's Darknet reads in that section that key looks like a
 * slip of (differing only in case, or by one or two letters), or NULL.
 */
const char	*dm_cfgkeys_suggest(const char *name, int first,
		     const char *key, enum dm_dialect dialect);

#endif /* DM_CFGKEYS_H */
