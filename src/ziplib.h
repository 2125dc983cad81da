/*
 * ziplib.h - the few libzip functions darkmap calls, loaded when first
 * needed.
 *
 * libzip reads back every archive darkmap writes when asked to verify it
 * (--verify), and nothing else: it is not needed to inspect a file, open
 * the interface or write an archive without that check.
 * Linked at start, it and the crypto library it brings would cost every
 * run about a millisecond of relocations, so where configure could learn
 * its file name it is loaded with dlopen() at the first check instead.
 * Elsewhere it is linked as usual and the table holds its functions
 * directly.
 */
#ifndef DM_ZIPLIB_H
#define DM_ZIPLIB_H

#include <zip.h>

#include "error.h"

struct dm_ziplib {
	zip_t		*(*fdopen)(int, int, int *);
	void		 (*error_init_with_code)(zip_error_t *, int);
	const char	*(*error_strerror)(zip_error_t *);
	void		 (*error_fini)(zip_error_t *);
	zip_int64_t	 (*get_num_entries)(zip_t *, zip_flags_t);
	int		 (*stat_index)(zip_t *, zip_uint64_t, zip_flags_t,
			     zip_stat_t *);
	zip_int16_t	 (*file_extra_fields_count)(zip_t *, zip_uint64_t,
			     zip_flags_t);
	const zip_uint8_t *(*file_extra_field_get)(zip_t *, zip_uint64_t,
			     zip_uint16_t, zip_uint16_t *, zip_uint16_t *,
			     zip_flags_t);
	void		 (*discard)(zip_t *);
	zip_file_t	*(*fopen_index)(zip_t *, zip_uint64_t, zip_flags_t);
	/* zip_fread(), zip_fclose() and zip_strerror(). */
	zip_int64_t	 (*file_read)(zip_file_t *, void *, zip_uint64_t);
	const char	*(*file_strerror)(zip_file_t *);
	int		 (*file_close)(zip_file_t *);
	const char	*(*archive_strerror)(zip_t *);
};

/*
 * The functions, libzip loaded the first time (safe from any thread); NULL
 * with err set when it cannot be loaded.
 */
const struct dm_ziplib *dm_ziplib(struct dm_error *err);

#endif /* DM_ZIPLIB_H */
