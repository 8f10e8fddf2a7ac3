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
#include <openssl/params.h>

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
/* EC_GROUP_precompute_mult is deprecated in 3.0 but kept, and is the only
   way to give a public key a table of its multiples (ES256KeyTable). */
static inline int stird_EC_GROUP_precompute_mult(EC_GROUP *group, BN_CTX *ctx) {
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wdeprecated-declarations"
    return EC_GROUP_precompute_mult(group, ctx);
#pragma clang diagnostic pop
}
/* Jacobian coordinates of a point (deprecated in 3.0, kept): comparing
   X with r·Z² avoids the field inversion of an affine conversion. */
static inline int stird_EC_POINT_get_Jprojective(const EC_GROUP *group, const EC_POINT *point,
                                                 BIGNUM *x, BIGNUM *y, BIGNUM *z, BN_CTX *ctx) {
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wdeprecated-declarations"
    return EC_POINT_get_Jprojective_coordinates_GFp(group, point, x, y, z, ctx);
#pragma clang diagnostic pop
}
/* end Crypto/STIRCore */

/* Certificates */
#include <string.h>
static inline int stird_sk_OPENSSL_STRING_num(const STACK_OF(OPENSSL_STRING) *s) { return sk_OPENSSL_STRING_num(s); }
static inline const char *stird_sk_OPENSSL_STRING_value(const STACK_OF(OPENSSL_STRING) *s, int i) { return sk_OPENSSL_STRING_value(s, i); }
static inline STACK_OF(X509) *stird_X509_STORE_CTX_get0_chain(X509_STORE_CTX *c) { return X509_STORE_CTX_get0_chain(c); }
/* CRL distribution points (RFC 5280 §4.2.1.13): URI i of the full names, NULL when none. */
static inline const char *stird_crl_dp_uri(const X509 *x, int want) {
    STACK_OF(DIST_POINT) *dps = X509_get_ext_d2i(x, NID_crl_distribution_points, NULL, NULL);
    static __thread char buf[1024];
    const char *out = NULL;
    int seen = 0;
    if (dps == NULL) return NULL;
    for (int i = 0; i < sk_DIST_POINT_num(dps) && out == NULL; i++) {
        DIST_POINT *dp = sk_DIST_POINT_value(dps, i);
        if (dp->distpoint == NULL || dp->distpoint->type != 0) continue;
        GENERAL_NAMES *names = dp->distpoint->name.fullname;
        for (int j = 0; j < sk_GENERAL_NAME_num(names); j++) {
            GENERAL_NAME *gn = sk_GENERAL_NAME_value(names, j);
            if (gn->type != GEN_URI) continue;
            if (seen++ != want) continue;
            int len = ASN1_STRING_length(gn->d.uniformResourceIdentifier);
            if (len <= 0 || len >= (int)sizeof(buf)) break;
            memcpy(buf, ASN1_STRING_get0_data(gn->d.uniformResourceIdentifier), (size_t)len);
            buf[len] = 0;
            out = buf;
            break;
        }
    }
    CRL_DIST_POINTS_free(dps);
    return out;
}
static inline int stird_sk_X509_REVOKED_num(const STACK_OF(X509_REVOKED) *s) { return sk_X509_REVOKED_num(s); }
/* End Certificates */

/* TLS transport (SIPProxy) */
static inline long stird_SSL_CTX_set_min_proto_version(SSL_CTX *c, int v) { return SSL_CTX_set_min_proto_version(c, v); }
static inline long stird_SSL_CTX_set_max_proto_version(SSL_CTX *c, int v) { return SSL_CTX_set_max_proto_version(c, v); }
static inline long stird_SSL_CTX_set1_groups_list(SSL_CTX *c, const char *l) { return SSL_CTX_set1_groups_list(c, l); }
static inline long stird_SSL_CTX_set_session_cache_mode(SSL_CTX *c, long m) { return SSL_CTX_set_session_cache_mode(c, m); }
static inline long stird_SSL_set_tlsext_host_name(SSL *s, const char *name) { return SSL_set_tlsext_host_name(s, name); }
static inline long stird_SSL_CTX_set_mode(SSL_CTX *c, long m) { return SSL_CTX_set_mode(c, m); }
/* Subject alternative name `index` of `type` (GEN_DNS, GEN_URI) copied into buf:
   its length, or -1 when there is no such entry (or it does not fit). */
static inline int stird_x509_san(const X509 *x, int type, int index, char *buf, size_t len) {
    GENERAL_NAMES *names = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
    int seen = 0, out = -1;
    if (names == NULL) return -1;
    for (int i = 0; i < sk_GENERAL_NAME_num(names); i++) {
        GENERAL_NAME *gn = sk_GENERAL_NAME_value(names, i);
        if (gn->type != type) continue;
        if (seen++ != index) continue;
        ASN1_STRING *s = type == GEN_DNS ? gn->d.dNSName : gn->d.uniformResourceIdentifier;
        int n = ASN1_STRING_length(s);
        if (n >= 0 && (size_t)n < len) {
            memcpy(buf, ASN1_STRING_get0_data(s), (size_t)n);
            buf[n] = 0;
            out = n;
        }
        break;
    }
    GENERAL_NAMES_free(names);
    return out;
}
static inline int stird_GEN_DNS(void) { return GEN_DNS; }
static inline int stird_GEN_URI(void) { return GEN_URI; }
/* No renegotiation, no compression (CRIME), our cipher order; tickets stay on. */
static inline void stird_SSL_CTX_harden(SSL_CTX *c) {
    SSL_CTX_set_options(c, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE);
}
static inline int stird_ERR_reason(unsigned long e) { return ERR_GET_REASON(e); }
/* end TLS transport */

#endif
