/*
 * ziplib.c - libzip, loaded when first needed (see ziplib.h).
 */
#include "config.h"

#include "ziplib.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#ifdef DM_LIBZIP_SONAME
#include <dlfcn.h>
#endif

static struct dm_ziplib zl;
static int zl_ok;
static char zl_why[256];
static pthread_once_t zl_once = PTHREAD_ONCE_INIT;

#ifdef DM_LIBZIP_SONAME
/* Looks name up in h; 0 and a reason in zl_why when it is not there. */
static int
sym(void *h, const char *name, void *fnp, size_t size)
{
	void *p;

	dlerror();
	if ((p = dlsym(h, name)) == NULL) {
		snprintf(zl_why, sizeof zl_why, "%s: no %s", DM_LIBZIP_SONAME,
		    name);
		return 0;
	}
	/* A data pointer to a function pointer, as POSIX allows. */
	memcpy(fnp, &p, size);
	return 1;
}

#define SYM(h, f)	sym((h), "zip_" #f, &zl.f, sizeof zl.f)
#define SYMAS(h, f, name) sym((h), (name), &zl.f, sizeof zl.f)

static void
zl_load(void)
{
	const char *e;
	void *h;

	/* Never closed: the process keeps it as it would a linked one. */
	if ((h = dlopen(DM_LIBZIP_SONAME, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		e = dlerror();
		snprintf(zl_why, sizeof zl_why, "%s", e != NULL ? e :
		    DM_LIBZIP_SONAME ": cannot be loaded");
		return;
	}
	zl_ok = SYM(h, fdopen) && SYM(h, error_init_with_code) &&
	    SYM(h, error_strerror) && SYM(h, error_fini) &&
	    SYM(h, get_num_entries) && SYM(h, stat_index) &&
	    SYM(h, file_extra_fields_count) && SYM(h, file_extra_field_get) &&
	    SYM(h, discard) && SYM(h, fopen_index) &&
	    SYMAS(h, file_read, "zip_fread") && SYM(h, file_strerror) &&
	    SYMAS(h, file_close, "zip_fclose") &&
	    SYMAS(h, archive_strerror, "zip_strerror");
}
#else
static void
zl_load(void)
{
	zl.fdopen = zip_fdopen;
	zl.error_init_with_code = zip_error_init_with_code;
	zl.error_strerror = zip_error_strerror;
	zl.error_fini = zip_error_fini;
	zl.get_num_entries = zip_get_num_entries;
	zl.stat_index = zip_stat_index;
	zl.file_extra_fields_count = zip_file_extra_fields_count;
	zl.file_extra_field_get = zip_file_extra_field_get;
	zl.discard = zip_discard;
	zl.fopen_index = zip_fopen_index;
	zl.file_read = zip_fread;
	zl.file_strerror = zip_file_strerror;
	zl.file_close = zip_fclose;
	zl.archive_strerror = zip_strerror;
	zl_ok = 1;
}
#endif

const struct dm_ziplib *
dm_ziplib(struct dm_error *err)
{
	(void)pthread_once(&zl_once, zl_load);
	if (!zl_ok) {
		dm_error_set(err, DM_ERR_IO, "cannot load libzip: %s", zl_why);
		return NULL;
	}
	return &zl;
}
