/* The engine: runs a script of steps for one role over a transport.
 *
 * Single-threaded and clock-free: the caller passes the time in. Feed it
 * packets with ike_engine_input (or let ike_engine_poll drain the
 * transport), call ike_engine_tick when the deadline it returned comes.
 * ike_run drives several engines over the in-memory hub on virtual time,
 * so tests are deterministic. */
#ifndef IKEC_IKE_ENGINE_H
#define IKEC_IKE_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike/ike.h"
#include "transport/transport.h"

#define IKE_NEVER UINT64_MAX

/* Mutations, at the three depths of the design. */
enum ike_mut_op {
	/* on the payload list, before HASH and encryption */
	IKE_MUT_SET,            /* wire_set(path, value) */
	IKE_MUT_SET_BYTES,      /* wire_set_bytes(path, bytes) */
	IKE_MUT_REMOVE,         /* the nth payload of a type */
	IKE_MUT_DUPLICATE,      /* the nth payload of a type, copied after it */
	IKE_MUT_UNKNOWN,        /* insert a payload of (unknown) type at index nth */
	IKE_MUT_REMOVE_ATTR,    /* the attribute at path ("sa.proposal[0].transform[0].attr[2]") */
	/* on the plaintext of an encrypted message, before encryption */
	IKE_MUT_PLAIN_TRUNCATE, /* keep value bytes */
	IKE_MUT_PLAIN_XOR,      /* byte at offset ^= value */
	/* on the datagram as sent */
	IKE_MUT_DGRAM_TRUNCATE,
	IKE_MUT_DGRAM_XOR,
	IKE_MUT_DGRAM_APPEND,   /* bytes after the message */
	IKE_MUT_DGRAM_CHOP,     /* drop the last value bytes, the header's
				   length following (a ciphertext cut short
				   of whole blocks, nothing else wrong) */
	/* instead of the message: the first datagram this engine sent, again
	   (a replay from an earlier exchange; nothing built, nothing armed) */
	IKE_MUT_REPLAY,
	/* the message sent, then the same datagram again at once (a repeat
	   the peer must take as a retransmission) */
	IKE_MUT_REPEAT,
	/* instead of the message: the last one this engine sent before it,
	   again (an old message after the peer moved on; nothing armed) */
	IKE_MUT_STALE,
	/* instead of the message: the message of kind value, built from the
	   SA as it is (a later message early; the messages between skipped) */
	IKE_MUT_EARLY,
};

struct ike_mutation {
	enum ike_mut_op op;
	const char *path;       /* SET, SET_BYTES, REMOVE_ATTR */
	uint32_t value;
	uint8_t payload;        /* REMOVE, DUPLICATE, UNKNOWN: payload type */
	size_t nth;
	size_t offset;          /* XOR */
	chunk_t bytes;          /* SET_BYTES, APPEND, UNKNOWN body (borrowed) */
};

enum ike_step_op {
	IKE_STEP_SEND,            /* build kind, mutate, send */
	IKE_STEP_EXPECT,          /* a message of kind, accepted */
	IKE_STEP_EXPECT_NOTIFY,   /* a notification of type (0: any) */
	IKE_STEP_EXPECT_SILENCE,  /* nothing for within_ms */
	IKE_STEP_WAIT,            /* let wait_ms pass */
	IKE_STEP_CHECK,           /* the SA is in state */
};

struct ike_step {
	enum ike_step_op op;
	enum ike_kind kind;
	uint16_t notify;          /* SEND notify / EXPECT_NOTIFY type */
	uint8_t protocol;         /* SEND notify / delete: 1 ISAKMP, 3 ESP */
	bool or_silence;          /* EXPECT_NOTIFY: silence passes too */
	uint32_t within_ms;       /* EXPECT*: 0 = retransmissions decide */
	uint32_t wait_ms;
	enum ike_sa_state state;  /* CHECK */
	const struct ike_mutation *mut;   /* borrowed */
	size_t nmut;
};

#define IKE_MAX_STEPS 64

/* The standard exchange for a config's role and exchange: phase 1, then
 * Quick Mode when phase-2 proposals are configured (qm4 with commit).
 * Returns the number of steps written (at most max). */
size_t ike_script_default(const struct ike_config *cfg, struct ike_step *steps, size_t max);
/* One line describing a step ("send mm3 (1 mutation)"). */
const char *ike_step_str(const struct ike_step *s, char *buf, size_t len);

/* ---- results ---- */

struct ike_notify_rec {
	uint64_t time_ms;
	bool sent;
	bool protected_;
	uint16_t type;
	uint8_t protocol;
	chunk_t spi, data;        /* owned */
};

struct ike_event {
	uint64_t time_ms;
	bool sent;
	enum ike_kind kind;       /* NONE when unparsed */
	uint8_t exchange;
	uint32_t msgid;
	size_t length;
	chunk_t datagram;         /* owned: as on the wire (no 4500 marker) */
	chunk_t plaintext;        /* owned: payloads of an encrypted one */
	struct netaddr local, peer; /* the two ends as they were (a float to
				     the NAT-T port moves them); family 0:
				     not known */
	bool natt;                /* on the NAT-T port, with the non-ESP marker */
	bool retransmit;          /* sent again by the timer */
	bool duplicate;           /* received again; reply resent or ignored */
	bool mutated;             /* sent with its step's mutations */
	char note[160];           /* rejection reason, "unexpected", ... */
};

struct ike_result {
	bool finished;            /* the script ran to its end */
	bool failed;              /* a step failed: see error */
	size_t failed_step;
	char error[480];
	bool mutation_unfit;      /* the failure: a mutation the message had no
				     place for (the peer's proposal shaped it) */
	bool established;         /* phase 1 reached ESTABLISHED at some point */
	enum ike_sa_state state;
	struct ike_p1_xform p1;   /* agreed */
	const struct ike_child *child;   /* the SA's child SAs (valid until the
					    engine's next input or tick) */
	size_t nchild;
	uint64_t child_gen;       /* moves whenever a child comes up, is
				     deleted or expires: a data plane that
				     saw this value is in sync */
	unsigned rekeys;          /* automatic rekeys started, and */
	unsigned rekeys_failed;   /* those that got no answer */
	unsigned delete_unknown;  /* SPIs in a Delete that named no child */
	uint64_t p1_up_ms;        /* phase 1 established at */
	bool p1_expired;          /* its lifetime ran out (no more rekeys) */
	struct ike_id our_id;     /* the phase-1 ID we sent (type 0: none yet) */
	struct ike_id peer_id;    /* and the one the peer sent */
	struct ike_notify_rec *notify;
	size_t nnotify;
	struct ike_event *event;
	size_t nevent;
};

/* ---- the engine ---- */

struct ike_engine;

/* peer NULL: a responder waits for anyone. script NULL: the default one.
 * cfg and the transport stay the caller's and must outlive the engine. */
struct ike_engine *ike_engine_new(const struct ike_config *cfg, struct transport *t,
				  const struct netaddr *peer, const struct ike_step *script,
				  size_t nsteps, const char *name);
void ike_engine_free(struct ike_engine *e);
/* One received packet. */
void ike_engine_input(struct ike_engine *e, const struct transport_pkt *pkt, uint64_t now_ms);
/* Receive and handle everything the transport has; returns how many. */
size_t ike_engine_poll(struct ike_engine *e, uint64_t now_ms);
/* Run what is due (sends, timeouts, retransmissions); returns the next
 * deadline (IKE_NEVER when waiting only for packets or done). */
uint64_t ike_engine_tick(struct ike_engine *e, uint64_t now_ms);
bool ike_engine_done(const struct ike_engine *e);
/* The script's current step (NULL once it has ended). */
const struct ike_step *ike_engine_step(const struct ike_engine *e);
/* Keep serving once the script has ended: answer the peer's Quick Modes
 * (qm1 -> qm2, qm3 -> qm4 with the commit bit); DPD and Delete are
 * handled in every mode. For long-lived responders (ike/server.h). */
void ike_engine_set_serve(struct ike_engine *e, bool on);
/* Send a DPD R-U-THERE now (RFC 3706) on the established SA, outside any
 * script: an authenticated message from wherever a NAT now maps us (RFC
 * 3947 7), answered by the peer's R-U-THERE-ACK. False when there is no
 * established SA or the send failed. */
bool ike_engine_send_dpd(struct ike_engine *e, uint64_t now_ms);
/* Automatic child rekey, overriding cfg->rekey_margin_ms (0: never). Once
 * the script is done, a live child whose Quick Mode we initiated is
 * replaced margin_ms before it expires: a new Quick Mode on the same IKE
 * SA (fresh SPIs, nonces and PFS key, the configured proposals and
 * selectors); when it is up, a Delete (ESP, the old inbound SPI) goes out
 * and the old child is marked deleted. Children past their lifetime are
 * marked expired whatever the margin, whenever the engine is ticked. */
void ike_engine_set_rekey_margin(struct ike_engine *e, uint32_t margin_ms);
const struct ike_result *ike_engine_result(struct ike_engine *e);
struct ike_sa *ike_engine_sa(struct ike_engine *e);

/* Drive engines over a memory hub on virtual time from start_ms until all
 * are done and nothing is in flight, or limit_ms; an engine with a rekey
 * margin keeps it going while it has a rekey or expiry ahead. Returns the
 * final time. */
uint64_t ike_run(struct ike_engine **e, size_t n, struct transport_hub *hub,
		 uint64_t start_ms, uint64_t limit_ms);

#endif
