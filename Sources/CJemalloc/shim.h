#ifndef STIRD_CJEMALLOC_SHIM_H
#define STIRD_CJEMALLOC_SHIM_H
/* jemalloc as stird's allocator: linking it into the executable puts its
   malloc/free ahead of glibc's for the whole process (Swift runtime,
   libcrypto, libosip2). Only the version query is called by name. */
#include <stddef.h>
#include <jemalloc/jemalloc.h>

/* The version string jemalloc reports ("5.3.0-0-g…"), or NULL. */
static inline const char *stird_jemalloc_version(void) {
    const char *version = NULL;
    size_t length = sizeof(version);
    return mallctl("version", &version, &length, NULL, 0) == 0 ? version : NULL;
}
#endif
