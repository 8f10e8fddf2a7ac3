#ifndef STIRD_CZLIB_SHIM_H
#define STIRD_CZLIB_SHIM_H
#include <zlib.h>

/* deflateInit2/inflateInit2 are macros: Swift cannot call them directly. */
static inline int stird_deflate_init_raw(z_stream *s, int level, int window_bits, int mem_level) {
    return deflateInit2(s, level, Z_DEFLATED, -window_bits, mem_level, Z_DEFAULT_STRATEGY);
}
static inline int stird_inflate_init_raw(z_stream *s, int window_bits) {
    return inflateInit2(s, -window_bits);
}
#endif
