/* ssl_lib: see ssl-lib.h. */
#include "agent/ssl-lib.h"

#include <errno.h>

#include "core/dlib.h"

/* The soname of Debian 12's libssl3, whose API the headers describe.  Its
 * dependency libcrypto.so.3 answers the ERR_, EVP_, HMAC and X509_
 * lookups. */
#define SSL_SONAME "libssl.so.3"

static const struct dlib_symbol ssl_symbols[] = {
#define SYM(NAME) DLIB_SYMBOL(struct ssl_lib, "", NAME)
    SYM(TLS_client_method),
    SYM(SSL_CTX_new),
    SYM(SSL_CTX_free),
    SYM(SSL_CTX_ctrl),
    SYM(SSL_CTX_set_verify),
    SYM(SSL_CTX_set_default_verify_paths),
    SYM(SSL_new),
    SYM(SSL_free),
    SYM(SSL_ctrl),
    SYM(SSL_set_fd),
    SYM(SSL_set1_host),
    SYM(SSL_get0_param),
    SYM(SSL_connect),
    SYM(SSL_read),
    SYM(SSL_write),
    SYM(SSL_get_error),
    SYM(X509_VERIFY_PARAM_set1_ip_asc),
    SYM(ERR_get_error),
    SYM(ERR_reason_error_string),
    SYM(ERR_clear_error),
    SYM(EVP_sha256),
    SYM(HMAC),
#undef SYM
};

int
ssl_lib_open(struct ssl_lib **ret)
{
    *ret = dlib_load(SSL_SONAME, ssl_symbols, ARRAY_SIZE(ssl_symbols),
                     sizeof **ret);
    return *ret ? 0 : -ENOENT;
}

void
ssl_lib_close(struct ssl_lib *s)
{
    dlib_unload(s);
}
