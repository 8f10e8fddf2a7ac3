#ifndef STIRD_COSIP2_SHIM_H
#define STIRD_COSIP2_SHIM_H
/* osip headers use struct timeval without including it. */
#include <sys/time.h>
#include <stdlib.h>
#include <osipparser2/osip_parser.h>
#include <osipparser2/osip_message.h>
#include <osipparser2/osip_port.h>
#include <osipparser2/sdp_message.h>

/* osip_free is a macro; Swift cannot call it. */
static inline void stird_osip_free(void *p) { osip_free(p); }

/* Silences libosip2's stderr trace output: parse failures are reported to
   callers as errors, not as log lines. */
static inline void stird_osip_disable_trace(void) {
    int level;
    for (level = TRACE_LEVEL0; level < END_TRACE_LEVEL; level++)
        osip_trace_disable_level((osip_trace_level_t) level);
}

/* Generic parameter at `pos` of a Via (gname/gvalue); -1 past the end. */
static inline int stird_osip_via_param_at(osip_via_t *via, int pos, const char **name, const char **value) {
    osip_generic_param_t *param;
    if (via == NULL || pos < 0 || osip_list_eol(&via->via_params, pos)) return -1;
    param = (osip_generic_param_t *) osip_list_get(&via->via_params, pos);
    if (param == NULL) return -1;
    *name = param->gname;
    *value = param->gvalue;
    return 0;
}

/* uri-parameter at `pos` of a URI; -1 past the end. */
static inline int stird_osip_uri_param_at(osip_uri_t *uri, int pos, const char **name, const char **value) {
    osip_uri_param_t *param;
    if (uri == NULL || pos < 0 || osip_list_eol(&uri->url_params, pos)) return -1;
    param = (osip_uri_param_t *) osip_list_get(&uri->url_params, pos);
    if (param == NULL) return -1;
    *name = param->gname;
    *value = param->gvalue;
    return 0;
}

#endif
