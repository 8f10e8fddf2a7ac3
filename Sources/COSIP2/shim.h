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

#endif
