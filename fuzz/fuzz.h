/* Shared by the libFuzzer targets and the seed writer: the record format of
 * the engine target and the fixed ESP SAs of the ESP target. Header-only
 * (static inline) so that each target stays one file. */
#ifndef IKEC_FUZZ_FUZZ_H
#define IKEC_FUZZ_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/addr.h"
#include "core/chunk.h"
#include "crypto/rand.h"
#include "ike/config.h"
#include "ike/engine.h"
#include "pki/pki.h"
#include "transport/transport.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* ---- the engine target's input ----
 *
 *   mode(1) then records: flags(1) length(2, big-endian) bytes(length)
 *
 * mode % 8: 0 a fresh responder; 1 after Main Mode 1-4 of a genuine
 * initiator (phase-1 keys derived, mm5 still to come); 2 after a whole
 * Main Mode and Quick Mode; 3 a fresh Aggressive Mode responder; 4 and 5
 * as 0 and 2 with the long-lived responder (ike/server.h); 6 and 7 as 0
 * and 1 with RSA signatures (CR in mm3, CERT and SIG in mm5). A record is
 * one datagram sent to the responder from the initiator's address. Flags: */
enum fuzz_rec_flags {
	FUZZ_REC_NATT = 0x01,     /* to and from the NAT-T port */
	FUZZ_REC_COOKIES = 0x02,  /* keep the cookies as given (else the SA's) */
	FUZZ_REC_ENCRYPT = 0x04,  /* bytes 28.. are a plaintext: encrypted with
				     the responder's keys and IV for the
				     header's message ID, E flag set */
	FUZZ_REC_HASH = 0x08,     /* with ENCRYPT: the first payload's body is
				     overwritten with prf(SKEYID_a, M-ID |
				     rest), the HASH(1) of Quick Mode and
				     Informational */
	FUZZ_REC_TICK = 0x10,     /* let 5 s pass after it (timers fire) */
	FUZZ_REC_HASH3 = 0x20,    /* with ENCRYPT, instead of HASH: Quick Mode
				     HASH(3), prf(SKEYID_a, 0 | M-ID | Ni_b |
				     Nr_b), from the responder's exchange */
	FUZZ_REC_HASH_I = 0x40,   /* with ENCRYPT: the HASH payload's body is
				     HASH_I over the record's ID payload body,
				     from the responder's phase-1 state (mm5) */
};

struct fuzz_reader {
	const uint8_t *p;
	size_t len;
};

/* The next record; false when none is left (a short tail is ignored). */
static inline bool fuzz_next_record(struct fuzz_reader *r, uint8_t *flags, const uint8_t **p,
				    size_t *len)
{
	if (r->len < 3)
		return false;
	size_t n = (size_t)r->p[1] << 8 | r->p[2];
	if (n > r->len - 3)
		n = r->len - 3;
	*flags = r->p[0];
	*p = r->p + 3;
	*len = n;
	r->p += 3 + n;
	r->len -= 3 + n;
	return true;
}

/* One record into a writer (for seeds). */
static inline void fuzz_put_record(struct writer *w, uint8_t flags, const uint8_t *p, size_t len)
{
	uint8_t h[3] = { flags, (uint8_t)(len >> 8), (uint8_t)len };
	writer_bytes(w, h, 3);
	writer_bytes(w, p, len);
}

/* ---- the engine target's world: an initiator and a responder on a
 * memory hub, PSK, NAT-T announced, errors answered with notifies ---- */
#define FUZZ_PSK "ike-conform-fuzz"

struct fuzz_world {
	struct transport_hub *hub;
	struct transport *ti, *tr;
	struct netaddr ai, ar;
	struct ike_config ci, cr;
	struct ike_engine *ei, *er;
	uint64_t now;
};

static inline void fuzz_world_init(struct fuzz_world *w, uint8_t exchange)
{
	char err[256];
	memset(w, 0, sizeof(*w));
	w->hub = transport_hub_new();
	netaddr_parse("192.0.2.1:500", 500, &w->ai, err, sizeof(err));
	netaddr_parse("192.0.2.2:500", 500, &w->ar, err, sizeof(err));
	w->ti = transport_mem_new(w->hub, &w->ai, 4500, err, sizeof(err));
	w->tr = transport_mem_new(w->hub, &w->ar, 4500, err, sizeof(err));
	struct ike_config *cs[2] = { &w->ci, &w->cr };
	for (int i = 0; i < 2; i++) {
		struct ike_config *c = cs[i];
		ike_config_init(c);
		c->role = i == 0 ? IKE_INITIATOR : IKE_RESPONDER;
		c->exchange = exchange;
		c->psk = CHUNK_FROM(FUZZ_PSK, strlen(FUZZ_PSK));
		c->natt = IKE_NATT_ALL;
		c->notify_errors = true;
		memset(c->cookie_secret, 0x5a, sizeof(c->cookie_secret));
		struct ike_p1_xform x;
		struct ike_p2_xform y;
		if (ike_p1_parse("aes128-sha1-modp1024", &x, err, sizeof(err)))
			ike_config_add_p1(c, x);
		if (ike_p1_parse("3des-md5-modp1024", &x, err, sizeof(err)))
			ike_config_add_p1(c, x);
		if (ike_p2_parse("aes128-sha1", &y, err, sizeof(err)))
			ike_config_add_p2(c, y);
		if (ike_p2_parse("aes128gcm16-modp1024", &y, err, sizeof(err)))
			ike_config_add_p2(c, y);
	}
}

/* Both ends to RSA signatures with the test PKI's hosts (k outlives the
 * world; the configs borrow its keys and certificates). */
static inline void fuzz_world_sig(struct fuzz_world *w, const struct pki_testpki *k)
{
	struct ike_config *cs[2] = { &w->ci, &w->cr };
	static const char *const host[2] = { "moon", "sun" };
	for (int i = 0; i < 2; i++) {
		struct ike_config *c = cs[i];
		const struct pki_cred *cr = pki_testpki_host(k, host[i]);
		for (size_t j = 0; j < c->np1; j++)
			c->p1[j].auth = IKE_AUTH_RSA;
		c->psk = CHUNK_EMPTY;
		c->key = cr->key;
		c->cert = cr->cert;
		c->chain = k->intermediates;
		c->trusted = k->trusted;
	}
}

/* The test PKI both the seeder and the target make: RSA keys and serials
 * drawn from a fixed seed, so the seeds' certificates chain to the CA
 * the target trusts and the fuzzer gets past the chain to the ID and
 * signature checks. */
static inline struct pki_testpki *fuzz_pki(struct pki_err *pe)
{
	crypto_rand_seed_for(0x5eed, "fuzz-pki");
	struct pki_testpki *k = pki_testpki_create(NULL, NULL, pe);
	crypto_rand_unseed();
	return k;
}

/* Everything queued for the initiator's end, thrown away. */
static inline void fuzz_world_drain(struct fuzz_world *w)
{
	struct transport_pkt pkt;
	while (transport_recv(w->ti, &pkt) == 1)
		transport_pkt_free(&pkt);
}

static inline void fuzz_world_free(struct fuzz_world *w)
{
	ike_engine_free(w->ei);
	ike_engine_free(w->er);
	transport_free(w->ti);
	transport_free(w->tr);
	transport_hub_free(w->hub);
	ike_config_clear(&w->ci);
	ike_config_clear(&w->cr);
}

/* ---- the ESP target's SAs: the first input byte picks one ---- */
static const char *const fuzz_esp_algs[] = {
	"aes128-sha1", "aes256-sha256", "3des-md5", "aes128gcm16", "aes256gcm8",
	"null-sha256", "des-sha1", "aes192-sha512",
};
#define FUZZ_ESP_NALGS (sizeof(fuzz_esp_algs) / sizeof(fuzz_esp_algs[0]))
#define FUZZ_ESP_SPI 0x0a0b0c0du

/* Fixed keys of the right lengths for x. */
static inline void fuzz_esp_keys(const struct ike_p2_xform *x, uint8_t enc[64], uint8_t integ[64],
				 chunk_t *e, chunk_t *i)
{
	for (size_t j = 0; j < 64; j++) {
		enc[j] = (uint8_t)(j * 7 + 1);
		integ[j] = (uint8_t)(j * 5 + 3);
	}
	*e = CHUNK_FROM(enc, ike_esp_enc_len(x));
	*i = CHUNK_FROM(integ, ike_esp_int_len(x));
}

#endif
