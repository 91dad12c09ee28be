/* The state of one ISAKMP SA and its Quick Mode exchanges and child SAs.
 *
 * Everything a message builder needs is here; builders read it, the
 * engine's commit step (after a message is really sent or accepted)
 * writes it. */
#ifndef IKEC_IKE_SA_H
#define IKEC_IKE_SA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/addr.h"
#include "core/chunk.h"
#include "crypto/dh.h"
#include "ike/config.h"

enum ike_sa_state {
	IKE_SA_NEW,           /* nothing exchanged */
	IKE_SA_SA_DONE,       /* transform agreed (mm2 / am2 seen or sent) */
	IKE_SA_KEYED,         /* g^xy and SKEYID family derived */
	IKE_SA_ESTABLISHED,   /* peer authenticated */
	IKE_SA_DELETED,       /* Delete sent or received */
	IKE_SA_FAILED,
};
const char *ike_sa_state_name(enum ike_sa_state s);

/* A child (IPsec) SA: what the data plane and Wireshark's esp_sa table need. */
struct ike_child {
	uint32_t msgid;                /* of the Quick Mode that made it */
	uint8_t protocol;              /* 3: ESP */
	struct ike_p2_xform xf;        /* as agreed (lifetimes: as in force) */
	bool responder_lifetime;       /* lifetimes came from a RESPONDER-LIFETIME */
	uint8_t spi_in[4], spi_out[4]; /* in: chosen by us */
	chunk_t enc_in, int_in;        /* keys for packets we receive */
	chunk_t enc_out, int_out;      /* keys for packets we send */
	struct ike_ts ts_local, ts_remote;
	bool initiator;                /* we sent its qm1 (so we rekey it) */
	bool deleted;                  /* a Delete for it sent or received */
	bool delete_sent, delete_rx;   /* which one (authenticated only) */
	/* Set by the engine (ike/engine.h), which has the clock: */
	bool stamped;                  /* up_ms and expires_ms are set */
	bool expired;                  /* past its lifetime: never used again */
	uint32_t rekeyed_by;           /* message ID of the Quick Mode of its
					  successor (same selectors), 0: none */
	uint64_t up_ms;                /* engine time it came up */
	uint64_t expires_ms;           /* up_ms + lifetime in seconds (RFC 2407
					  4.5: 28800 s when none was agreed) */
	uint64_t gone_ms;              /* deleted or expired at (0: live) */
	/* NAT-OA the peer sent in Quick Mode (RFC 3947 5.2), ports 0: the
	   initiator's and the responder's original addresses as it knows them */
	bool natoa_i_set, natoa_r_set;
	struct netaddr natoa_i, natoa_r;
};

enum ike_qm_state { IKE_QM_NEW, IKE_QM_SENT1, IKE_QM_SENT2, IKE_QM_DONE, IKE_QM_FAILED };

/* One Quick Mode exchange, keyed by message ID. */
struct ike_qm {
	uint32_t msgid;
	bool initiator;
	enum ike_qm_state state;
	chunk_t ni, nr;
	struct dh_key *dh;             /* PFS: ours */
	chunk_t peer_ke, gxy;
	uint8_t spi_in[4];             /* ours, offered in every proposal */
	struct ike_p2_xform offer[IKE_MAX_PROPOSALS];
	size_t noffer;
	struct ike_ts idci, idcr;      /* as on the wire (initiator's view) */
	/* agreed */
	bool chosen;
	struct ike_p2_xform xf;
	uint8_t prop_number;
	uint8_t peer_spi[4];
	struct ike_p2_xform resp_life; /* RESPONDER-LIFETIME to send / received */
	bool resp_life_set;
	bool natoa_i_set, natoa_r_set; /* NAT-OA received, for the child */
	struct netaddr natoa_i, natoa_r;
};

/* An IV chain for a message ID (Informational exchanges). */
struct ike_iv {
	uint32_t msgid;
	chunk_t iv;
};

struct ike_sa {
	const struct ike_config *cfg;  /* the engine's, or own_cfg */
	struct ike_config *own_cfg;    /* a copy with the PSK chosen for this peer
					  (ike_sa_use_psk); NULL: none */
	bool initiator;                /* phase-1 role */
	uint8_t exchange;              /* WIRE_X_MAIN or WIRE_X_AGGR */
	enum ike_sa_state state;
	uint8_t icookie[8], rcookie[8];
	struct netaddr local, peer;
	/* agreed phase-1 transform (lifetimes as in force) */
	bool have_xf;
	struct ike_p1_xform xf;
	uint8_t xf_number;             /* transform number chosen */
	uint8_t prop_number;           /* proposal number chosen */
	/* key exchange */
	struct dh_key *dh;
	chunk_t gxi, gxr, gxy, ni, nr;
	chunk_t skeyid, skeyid_d, skeyid_a, skeyid_e, enc_key;
	size_t block;
	chunk_t p1_iv;                 /* phase-1 CBC chain; after phase 1 its
					  last block, the seed of every M-ID IV */
	/* bodies hashed by HASH_I / HASH_R */
	chunk_t sai_b, idii_b, idir_b;
	struct ike_id peer_id;
	/* Quick Mode exchanges and their child SAs */
	struct ike_qm **qm;
	size_t nqm;
	struct ike_child *child;
	size_t nchild;
	struct ike_iv *ivs;
	size_t nivs;
	/* signature authentication: the peer's verified certificate and the
	   CA names of the CR payloads it sent */
	X509 *peer_cert;
	size_t ncr_rx;
	uint32_t dpd_seq;
	uint32_t dpd_peer_seq;
	bool initial_contact_rx;
	/* NAT traversal: the version both announced, what NAT-D showed, and
	   whether IKE has moved to the NAT-T port (RFC 3947 4, 5) */
	uint8_t natt_version;          /* enum ike_natt_version */
	bool natd_rx;                  /* the peer's NAT-D payloads were seen */
	bool nat_local, nat_peer;      /* we / the peer are behind a NAT */
	bool natt_floated;
};

/* A new SA for the engine's config. Initiator: a random cookie now. */
/* Run the SA under its config with psk in place of cfg->psk (a copy of
 * the config the SA owns; borrowed pointers stay borrowed). */
void ike_sa_use_psk(struct ike_sa *sa, chunk_t psk);
struct ike_sa *ike_sa_new(const struct ike_config *cfg, const struct netaddr *local,
			  const struct netaddr *peer);
void ike_sa_free(struct ike_sa *sa);
/* RFC 2408 2.5.3: hash(peer address and port, our address and port, CKY-I,
 * secret) truncated to 8 bytes; the same input always gives the same cookie. */
void ike_sa_responder_cookie(const struct ike_config *cfg, const struct netaddr *local,
			     const struct netaddr *peer, const uint8_t icookie[8],
			     uint8_t out[8]);

/* Our DH key and nonce, made on first use (so rebuilding a message gives the
 * same bytes). False when the group is unknown. */
bool ike_sa_need_dh(struct ike_sa *sa, char *err, size_t errlen);
chunk_t *ike_sa_our_nonce(struct ike_sa *sa);
chunk_t *ike_sa_our_ke(struct ike_sa *sa);
/* g^xy, SKEYID family, cipher key, phase-1 IV, once both KE and both nonces
 * are known. */
bool ike_sa_derive(struct ike_sa *sa, char *err, size_t errlen);

/* Quick Mode exchanges. */
struct ike_qm *ike_sa_qm_find(struct ike_sa *sa, uint32_t msgid);
/* A new exchange (msgid 0: a random one); our SPI and nonce are made now. */
struct ike_qm *ike_sa_qm_new(struct ike_sa *sa, uint32_t msgid, bool initiator);
/* The CBC chain for an Informational message ID (made from the phase-1
 * last block the first time). */
chunk_t *ike_sa_iv(struct ike_sa *sa, uint32_t msgid, char *err, size_t errlen);
/* Neither deleted nor expired: fit to carry traffic. */
bool ike_child_live(const struct ike_child *c);
/* Child SA by SPI (ours or the peer's), NULL if none. */
struct ike_child *ike_sa_child_by_spi(struct ike_sa *sa, const uint8_t spi[4], bool ours);

/* NAT-T: a NAT between us (seen or claimed), so ESP is UDP-encapsulated. */
bool ike_sa_nat(const struct ike_sa *sa);
/* The encapsulation mode on the wire for a configured one: the UDP modes
 * of the agreed NAT-T version when there is a NAT, else unchanged. */
uint16_t ike_sa_encap_wire(const struct ike_sa *sa, uint16_t encap);

/* Random bytes (aborts when the RNG fails: nothing would be safe). */
void ike_random(void *p, size_t n);

#endif
