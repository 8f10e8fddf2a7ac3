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

/* Crypto/STIRCore */
#include <stdio.h>
#include <string.h>
/* EVP_EC_gen is a macro over the variadic EVP_PKEY_Q_keygen, which Swift cannot call. */
static inline EVP_PKEY *stird_EVP_EC_gen_P256(void) { return EVP_EC_gen("P-256"); }
/* ERR_get_error_all exists in 3.0; keep a stable wrapper that also fills the reason text. */
static inline unsigned long stird_ERR_get_error_text(char *buf, size_t len) {
    const char *data = NULL; int flags = 0;
    unsigned long e = ERR_get_error_all(NULL, NULL, NULL, &data, &flags);
    if (e != 0) {
        ERR_error_string_n(e, buf, len);
        if (data != NULL && (flags & ERR_TXT_STRING) && *data) {
            size_t used = strlen(buf);
            if (used + 3 < len) { snprintf(buf + used, len - used, " (%s)", data); }
        }
    }
    return e;
}
/* end Crypto/STIRCore */

#endif
