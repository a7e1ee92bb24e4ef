/* test_sha256_prefix.c's cases against the EVP version of src/inspect/sha256_prefix.c, the one an
 * OpenSSL without the deprecated SHA256_* API builds: compiled here with OPENSSL_API_COMPAT 3.0
 * and OPENSSL_NO_DEPRECATED, which hide that API (the library's copy of the file is not linked:
 * its functions are defined here). */
#define OPENSSL_API_COMPAT 30000
#define OPENSSL_NO_DEPRECATED
#include "inspect/sha256_prefix.c"
#if !defined(OPENSSL_NO_DEPRECATED_3_0)
#error "OPENSSL_NO_DEPRECATED should define OPENSSL_NO_DEPRECATED_3_0"
#endif
#include "test_sha256_prefix.c"
