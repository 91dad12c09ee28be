/* Helpers shared by the pki sources; not part of the module's interface. */
#ifndef IKEC_PKI_INTERNAL_H
#define IKEC_PKI_INTERNAL_H

#include <stdbool.h>

#include "pki/pki.h"

/* Fill err (when non-NULL) from fmt, appending the first OpenSSL error on
 * the queue if there is one; the queue is cleared. Returns false. */
bool pki_fail(struct pki_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Empty the error queue without reporting (after an expected failure). */
void pki_clear_openssl_errors(void);
/* i2d of an X509_NAME into a new chunk. */
bool pki_name_der(const X509_NAME *name, chunk_t *out);
/* DER that is one whole X509_NAME, nothing after it, into a new one; NULL
 * otherwise (the error queue cleared). */
X509_NAME *pki_name_from_der(chunk_t der);
/* "C=CH, O=x, CN=y" into a new X509_NAME. */
X509_NAME *pki_name_parse(const char *s, struct pki_err *err);
/* X509_NAME as "C=CH, O=x, CN=y" into buf. */
const char *pki_name_str(const X509_NAME *name, char *buf, size_t len);

#endif
