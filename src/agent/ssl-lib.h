/* OpenSSL for the agent's https client (agent/http-client.h) and its
 * metadata signatures (agent/metadata.h), loaded with dlopen() on first
 * use rather than linked.  Linked, libssl and libcrypto are mapped,
 * relocated and initialised at start: 1.7-1.9 MB of RSS in an agent that
 * talks plain http to its server and serves no metadata, most of the
 * 15 MB it is meant to stay under.  Each user opens its own handle; the
 * dynamic loader counts references.  Loop thread only. */
#ifndef AGENT_SSL_LIB_H
#define AGENT_SSL_LIB_H 1

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "core/util.h"

/* The functions the agent calls, under their own names and with
 * OpenSSL's own types.  OpenSSL's macros over SSL_ctrl() and
 * SSL_CTX_ctrl() (SSL_CTX_set_mode(), ...) are spelled out by callers. */
struct ssl_lib {
    void *handle; /* First: dlib.h's. */
    __typeof__(TLS_client_method) *TLS_client_method;
    __typeof__(SSL_CTX_new) *SSL_CTX_new;
    __typeof__(SSL_CTX_free) *SSL_CTX_free;
    __typeof__(SSL_CTX_ctrl) *SSL_CTX_ctrl;
    __typeof__(SSL_CTX_set_verify) *SSL_CTX_set_verify;
    __typeof__(SSL_CTX_set_default_verify_paths)
        *SSL_CTX_set_default_verify_paths;
    __typeof__(SSL_new) *SSL_new;
    __typeof__(SSL_free) *SSL_free;
    __typeof__(SSL_ctrl) *SSL_ctrl;
    __typeof__(SSL_set_fd) *SSL_set_fd;
    __typeof__(SSL_set1_host) *SSL_set1_host;
    __typeof__(SSL_get0_param) *SSL_get0_param;
    __typeof__(SSL_connect) *SSL_connect;
    __typeof__(SSL_read) *SSL_read;
    __typeof__(SSL_write) *SSL_write;
    __typeof__(SSL_get_error) *SSL_get_error;
    __typeof__(X509_VERIFY_PARAM_set1_ip_asc) *X509_VERIFY_PARAM_set1_ip_asc;
    __typeof__(ERR_get_error) *ERR_get_error;
    __typeof__(ERR_reason_error_string) *ERR_reason_error_string;
    __typeof__(ERR_clear_error) *ERR_clear_error;
    __typeof__(EVP_sha256) *EVP_sha256;
    __typeof__(HMAC) *HMAC;
};

/* Loads libssl (and with it libcrypto).  Returns 0 and a new ssl_lib in
 * '*ret', or -ENOENT (logged) if a library or a function is missing. */
int ssl_lib_open(struct ssl_lib **ret) WARN_UNUSED;
/* Drops this handle (NULL is fine). */
void ssl_lib_close(struct ssl_lib *);

#endif /* agent/ssl-lib.h */
