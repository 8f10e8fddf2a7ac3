#ifndef STIRD_COPENSSL_SHIM_H
#define STIRD_COPENSSL_SHIM_H
#include <openssl/evp.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/pem.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <openssl/x509_vfy.h>
#include <openssl/ocsp.h>
#include <openssl/bn.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/ssl.h>

/* Macros Swift cannot import, wrapped as functions. */
static inline long stird_BIO_get_mem_data(BIO *b, char **pp) { return BIO_get_mem_data(b, pp); }
static inline int stird_sk_X509_num(const STACK_OF(X509) *s) { return sk_X509_num(s); }
static inline X509 *stird_sk_X509_value(const STACK_OF(X509) *s, int i) { return sk_X509_value(s, i); }
static inline STACK_OF(X509) *stird_sk_X509_new_null(void) { return sk_X509_new_null(); }
static inline int stird_sk_X509_push(STACK_OF(X509) *s, X509 *x) { return sk_X509_push(s, x); }
static inline void stird_sk_X509_free(STACK_OF(X509) *s) { sk_X509_free(s); }
static inline void stird_sk_X509_pop_free(STACK_OF(X509) *s) { sk_X509_pop_free(s, X509_free); }
static inline void stird_OPENSSL_free(void *p) { OPENSSL_free(p); }

#endif
