/* Key tables Wireshark reads to decrypt a capture: the IKEv1 decryption
 * table (UAT "ikev1_decryption_table") and the ESP SA table (UAT "esp_sa").
 *
 * Put both files in a Wireshark configuration folder
 * ($XDG_CONFIG_HOME/wireshark/, ~/.config/wireshark/, or a profile) and
 * turn on esp.enable_encryption_decode for ESP. The strings are those
 * Wireshark 4.0's dissectors define; tests check them against tshark. */
#ifndef IKEC_REPORT_KEYS_H
#define IKEC_REPORT_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "core/addr.h"
#include "ike/config.h"
#include "ike/sa.h"

#define KEYTAB_IKEV1_FILE "ikev1_decryption_table"
#define KEYTAB_ESP_FILE "esp_sa"

/* Wireshark's esp_sa names for an ESP transform's encryption
 * ("AES-CBC [RFC3602]", "AES-GCM with 16 octet ICV [RFC4106]", "NULL") and
 * authentication ("HMAC-SHA-1-96 [RFC2404]", "NULL" when none); NULL when
 * Wireshark has no such algorithm. */
const char *keytab_esp_encr_name(const struct ike_p2_xform *x);
const char *keytab_esp_auth_name(const struct ike_p2_xform *x);

/* One ikev1_decryption_table line, "icookie_hex,key_hex\n" (buffers are
 * unquoted hex in Wireshark's UAT files). False when the SA has no
 * encryption key yet. */
bool keytab_ikev1_line(const struct ike_sa *sa, char *buf, size_t len);
bool keytab_ikev1_write(FILE *f, const struct ike_sa *sa);

/* The esp_sa line for one direction of a child SA:
 * "IPv4","src","dst","0xSPI","encr","0xkey","auth","0xkey"\n.
 * outbound: our packets (local -> peer, spi_out, *_out keys); otherwise the
 * peer's (peer -> local, spi_in, *_in keys). False when an algorithm has no
 * Wireshark name, the addresses are unusable, or buf is short. */
bool keytab_esp_line(const struct ike_child *c, const struct netaddr *local,
		     const struct netaddr *peer, bool outbound, char *buf, size_t len);
/* Both directions of every child SA of an SA (deleted ones included; skip
 * them with live_only). Returns the lines written; *bad counts children
 * that could not be expressed (may be NULL). */
size_t keytab_esp_write(FILE *f, const struct ike_sa *sa, bool live_only, size_t *bad);

/* Write dir/ikev1_decryption_table and dir/esp_sa for n SAs (created or
 * replaced). False with "path: reason" in err. */
bool keytab_write_dir(const char *dir, struct ike_sa *const *sas, size_t n, char *err,
		      size_t errlen);

#endif
