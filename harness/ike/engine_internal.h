/* What the engine's files share (not a public header): the engine's state
 * and the steps one file does for another. Below the engine (engine.c:
 * the life of an engine, its script's steps) come the receiving side
 * (input.c), child lifetimes and rekey (rekey.c), sending a step's
 * message (send.c) and one message out (xmit.c), retransmission and
 * duplicates (retrans.c), mutations (mutate.c), the record (result.c) and
 * the scripts (script.c); runner.c drives engines on virtual time. */
#ifndef IKEC_IKE_ENGINE_INTERNAL_H
#define IKEC_IKE_ENGINE_INTERNAL_H

#include "ike/engine.h"

#define IKE_SEEN 8
#define IKE_PROTO_ESP 3            /* RFC 2407 4.4.1, as quick.c and info.c */

struct ike_seen {
	bool used;
	uint8_t hash[32];
	bool request;             /* a request to us: its reply is resent */
	chunk_t reply;
};

struct ike_engine {
	const struct ike_config *cfg;
	struct transport *t;
	char name[24];
	struct netaddr local, peer;
	bool have_peer;
	struct ike_sa *sa;
	struct ike_step steps[IKE_MAX_STEPS];
	size_t nsteps, cur;
	bool started;
	uint64_t deadline;
	struct ike_qm *qm;        /* the Quick Mode the script works on */
	/* retransmission of the last request */
	bool rt_armed, rt_gave_up;
	chunk_t rt_dgram;
	unsigned rt_sent;
	uint32_t rt_timeout;
	uint64_t rt_next;
	uint8_t rt_exchange;
	enum ike_kind rt_kind;    /* what is being retransmitted, for the timeline */
	uint32_t rt_msgid;
	struct ike_seen seen[IKE_SEEN];
	size_t seen_next;
	long last_seen;           /* index of the latest request entry, -1 */
	struct ike_result res;
	size_t ev_cap, nf_cap;
	bool serve;               /* answer Quick Modes once the script is done */
	/* automatic rekey and expiry */
	uint32_t rekey_margin;
	uint32_t rekey_msgid;     /* our rekey Quick Mode in flight, 0: none */
	uint8_t rekey_old[4];     /* inbound SPI of the child it replaces */
	bool del_pending;         /* that child's Delete, due at del_at */
	uint8_t del_spi[4];
	uint64_t del_at;
	uint8_t rekey_gave_up[4]; /* a child whose rekey got no answer: left
				     to expire rather than retried forever */
	bool rekey_have_gave_up;
	bool rt_auto;             /* retransmit an automatic request */
	bool p1_stamped;
	size_t seen_nchild, seen_ndel, seen_nexp;
	uint64_t auto_next;       /* next rekey or expiry, IKE_NEVER: none */
};

/* ---- engine.c */
/* The current step, NULL once the script is done or failed. */
const struct ike_step *ike_cur(struct ike_engine *e);
/* On to the next step; finished after the last. */
void ike_advance(struct ike_engine *e);

/* ---- result.c: the record of what happened */
/* The all-zero address (an SA or socket bound to a wildcard). */
bool ike_addr_unspec(const struct netaddr *a);
/* A received datagram's ends, as the transport saw them. */
void ike_event_from(struct ike_event *ev, const struct transport_pkt *pkt);
/* A new timeline event (the pointer is valid until the next one). */
struct ike_event *ike_event_add(struct ike_engine *e, uint64_t now, bool sent,
				enum ike_kind kind, const struct wire_msg *m, chunk_t dgram,
				chunk_t plain);
void ike_note(struct ike_event *ev, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void ike_notify_add(struct ike_engine *e, uint64_t now, bool sent, bool prot,
		    uint16_t type, uint8_t proto, chunk_t spi, chunk_t data);
/* Notifications inside other exchanges' messages (RESPONDER-LIFETIME in
 * qm2, INITIAL-CONTACT in mm5) count as notifies sent or received too. */
void ike_notify_embedded(struct ike_engine *e, const struct wire_msg *m, uint64_t now,
			 bool sent, bool prot);
/* The script fails at the current step (the first failure counts). */
void ike_script_fail(struct ike_engine *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Note phase 1 established. */
void ike_track(struct ike_engine *e);

/* ---- mutate.c: mutations at the three depths */
/* On the payload list, before HASH (keep_hash: one set or removed the
 * HASH or SIG); false with err when the message has no place for one. */
bool ike_apply_payload_muts(struct wire_msg *m, const struct ike_step *s, bool *keep_hash,
			    char *err, size_t errlen);
/* On the plaintext (plain) or the datagram as sent. */
void ike_apply_byte_muts(chunk_t *c, const struct ike_step *s, bool plain);
/* The step's first mutation of op, NULL when none (or no step). */
const struct ike_mutation *ike_mut_find(const struct ike_step *s, enum ike_mut_op op);

/* ---- xmit.c: one message out */
/* To the SA's peer (it moves when NAT-T floats), from the NAT-T port once
 * floated. */
bool ike_xmit(struct ike_engine *e, chunk_t d);
/* Build kind, mutate, finalize, commit, encrypt, send, record, arm the
 * retransmission. For notifies and automatic answers s may carry no
 * mutations; script: failures fail the script. */
bool ike_send_kind(struct ike_engine *e, const struct ike_step *s, enum ike_kind kind,
		   const struct ike_info *info, uint64_t now, bool script);

/* ---- send.c: a step's message */
/* s's message, or what its message-order mutations send in its place
 * (replay, stale, early); script false: an automatic one. */
bool ike_send(struct ike_engine *e, const struct ike_step *s, const struct ike_info *info,
	      uint64_t now, bool script);
/* A notify we send on our own: refusing a message. */
void ike_send_error(struct ike_engine *e, uint16_t type, uint64_t now);

/* ---- retrans.c: retransmission and duplicates */
uint64_t ike_min(uint64_t a, uint64_t b);
/* How long a responder waits for the next message when the script gives
 * no time: the initiator's whole retransmission schedule. */
uint64_t ike_default_wait(const struct ike_config *c);
/* The armed request again when its time has come, or given up. */
void ike_retransmit_tick(struct ike_engine *e, uint64_t now);
/* The SHA-256 a datagram is known by. */
void ike_dgram_hash(chunk_t d, uint8_t out[32]);
/* A request or answer seen (its reply is kept by ike_send_kind). */
void ike_seen_add(struct ike_engine *e, const uint8_t h[32], bool request);
/* A datagram seen before: recorded, and our reply to it resent; false
 * for a new one. */
bool ike_seen_duplicate(struct ike_engine *e, const struct transport_pkt *pkt,
			const uint8_t h[32], uint64_t now);

/* ---- rekey.c: child lifetimes and automatic rekey */
uint32_t ike_spi_u32(const uint8_t spi[4]);
/* Stamp new children, mark expired ones, note phase-1 expiry, move the
 * generation when anything changed, and find the next deadline. */
void ike_children_update(struct ike_engine *e, uint64_t now);
/* Once the script is done: the replaced child's Delete when due, and a
 * successor for a child we initiated within the margin of its end. */
void ike_rekey_tick(struct ike_engine *e, uint64_t now);
/* Our own rekey's qm2 (answered by qm3) or qm4; false when m is not ours. */
bool ike_serve_rekey(struct ike_engine *e, enum ike_kind kind, struct ike_qm *qm,
		     const struct wire_msg *m, struct ike_event *ev, uint64_t now);

#endif
