#ifndef STIRD_CCURL_SHIM_H
#define STIRD_CCURL_SHIM_H
#include <curl/curl.h>
#include <sys/socket.h>
#include <netinet/in.h>

/* curl_easy_setopt/getinfo are variadic: Swift cannot call them directly. */
typedef size_t (*stird_curl_data_cb)(char *, size_t, size_t, void *);
typedef curl_socket_t (*stird_curl_opensocket_cb)(void *, curlsocktype, struct curl_sockaddr *);

static inline CURLcode stird_curl_setopt_long(CURL *c, CURLoption o, long v) { return curl_easy_setopt(c, o, v); }
static inline CURLcode stird_curl_setopt_ptr(CURL *c, CURLoption o, void *v) { return curl_easy_setopt(c, o, v); }
static inline CURLcode stird_curl_setopt_str(CURL *c, CURLoption o, const char *v) { return curl_easy_setopt(c, o, v); }
static inline CURLcode stird_curl_setopt_data_cb(CURL *c, CURLoption o, stird_curl_data_cb f) { return curl_easy_setopt(c, o, f); }
static inline CURLcode stird_curl_setopt_opensocket_cb(CURL *c, stird_curl_opensocket_cb f) {
    return curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, f);
}
static inline CURLcode stird_curl_getinfo_long(CURL *c, CURLINFO i, long *v) { return curl_easy_getinfo(c, i, v); }
static inline CURLcode stird_curl_getinfo_ptr(CURL *c, CURLINFO i, void **v) { return curl_easy_getinfo(c, i, v); }
static inline CURLcode stird_curl_getinfo_double(CURL *c, CURLINFO i, double *v) { return curl_easy_getinfo(c, i, v); }
#endif
