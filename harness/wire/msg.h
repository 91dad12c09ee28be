/* The ISAKMP message model: a header and an ordered list of payload nodes.
 *
 * Every payload format is a table of fields (fields.c); one walker parses,
 * builds, validates and prints them all. SA nodes hold proposal nodes, which
 * hold transform nodes, which hold attributes. A message owns everything in
 * it through one arena: wire_msg_free() releases it all, and nodes, chunks
 * and attribute values must be created through the functions below. */
#ifndef IKEC_WIRE_MSG_H
#define IKEC_WIRE_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/chunk.h"

#define WIRE_HDR_LEN 28   /* ISAKMP header */
#define WIRE_GEN_LEN 4    /* generic payload header */

enum wire_payload {
	WIRE_PL_NONE = 0, WIRE_PL_SA = 1, WIRE_PL_P = 2, WIRE_PL_T = 3,
	WIRE_PL_KE = 4, WIRE_PL_ID = 5, WIRE_PL_CERT = 6, WIRE_PL_CR = 7,
	WIRE_PL_HASH = 8, WIRE_PL_SIG = 9, WIRE_PL_NONCE = 10, WIRE_PL_N = 11,
	WIRE_PL_D = 12, WIRE_PL_VID = 13, WIRE_PL_ATTR = 14,
	WIRE_PL_NATD = 20, WIRE_PL_NATOA = 21,
	WIRE_PL_NATD_DRAFT = 130, WIRE_PL_NATOA_DRAFT = 131,
};

enum wire_exchange {
	WIRE_X_BASE = 1, WIRE_X_MAIN = 2, WIRE_X_AUTH_ONLY = 3, WIRE_X_AGGR = 4,
	WIRE_X_INFO = 5, WIRE_X_TRANSACTION = 6, WIRE_X_QUICK = 32,
	WIRE_X_NEW_GROUP = 33,
};

enum wire_flags { WIRE_F_ENC = 0x01, WIRE_F_COMMIT = 0x02, WIRE_F_AUTH_ONLY = 0x04 };

/* RFC 2408 3.14.1 / RFC 2407 4.6.3 notify message types. */
enum wire_notify {
	WIRE_N_NONE = 0,
	WIRE_N_INVALID_PAYLOAD_TYPE = 1, WIRE_N_DOI_NOT_SUPPORTED = 2,
	WIRE_N_SITUATION_NOT_SUPPORTED = 3, WIRE_N_INVALID_COOKIE = 4,
	WIRE_N_INVALID_MAJOR_VERSION = 5, WIRE_N_INVALID_MINOR_VERSION = 6,
	WIRE_N_INVALID_EXCHANGE_TYPE = 7, WIRE_N_INVALID_FLAGS = 8,
	WIRE_N_INVALID_MESSAGE_ID = 9, WIRE_N_INVALID_PROTOCOL_ID = 10,
	WIRE_N_INVALID_SPI = 11, WIRE_N_INVALID_TRANSFORM_ID = 12,
	WIRE_N_ATTRIBUTES_NOT_SUPPORTED = 13, WIRE_N_NO_PROPOSAL_CHOSEN = 14,
	WIRE_N_BAD_PROPOSAL_SYNTAX = 15, WIRE_N_PAYLOAD_MALFORMED = 16,
	WIRE_N_INVALID_KEY_INFORMATION = 17, WIRE_N_INVALID_ID_INFORMATION = 18,
	WIRE_N_INVALID_CERT_ENCODING = 19, WIRE_N_INVALID_CERTIFICATE = 20,
	WIRE_N_CERT_TYPE_UNSUPPORTED = 21, WIRE_N_INVALID_CERT_AUTHORITY = 22,
	WIRE_N_INVALID_HASH_INFORMATION = 23, WIRE_N_AUTHENTICATION_FAILED = 24,
	WIRE_N_INVALID_SIGNATURE = 25, WIRE_N_ADDRESS_NOTIFICATION = 26,
	WIRE_N_NOTIFY_SA_LIFETIME = 27, WIRE_N_CERTIFICATE_UNAVAILABLE = 28,
	WIRE_N_UNSUPPORTED_EXCHANGE_TYPE = 29, WIRE_N_UNEQUAL_PAYLOAD_LENGTHS = 30,
	WIRE_N_CONNECTED = 16384, WIRE_N_RESPONDER_LIFETIME = 24576,
	WIRE_N_REPLAY_STATUS = 24577, WIRE_N_INITIAL_CONTACT = 24578,
	WIRE_N_R_U_THERE = 36136, WIRE_N_R_U_THERE_ACK = 36137,
};

/* A failure: the notify a responder would send, and where. */
struct wire_err {
	uint16_t notify;      /* enum wire_notify */
	size_t offset;        /* byte offset of the field in the datagram */
	size_t payload_offset;/* of the payload (or header) holding it */
	char payload[24];     /* "KE", "SA", "proposal", "header" ... */
	char field[24];       /* "length", "count", "version" ... */
	char msg[256];        /* "KE payload at offset 60: length 2 is ..." */
};

/* Forced values: written as given instead of being computed. */
struct wire_ov {
	uint8_t field;        /* index in the object's field table */
	uint32_t value;
};
struct wire_ovs {
	struct wire_ov *v;
	size_t n, cap;
};

struct wire_header {
	uint8_t icookie[8], rcookie[8];
	uint32_t next_payload;    /* computed: the first payload's type */
	uint32_t version;         /* 0x10: major 1, minor 0 */
	uint32_t exchange;
	uint32_t flags;
	uint32_t msgid;
	uint32_t length;          /* computed: the whole message */
	struct wire_ovs ov;
};

/* One data attribute (RFC 2408 3.3): TV (AF=1, 16-bit value) or TLV. */
struct wire_attr {
	bool tv;
	uint16_t type;            /* 15 bits */
	uint16_t tv_value;
	chunk_t value;            /* TLV value, any length */
	size_t offset;            /* as parsed, in the datagram */
	struct wire_ovs ov;       /* af, type, length, value */
};

/* A payload, a proposal or a transform. Which members are used depends on
 * the type; fields.c maps each wire field onto one of them. */
struct wire_node {
	uint8_t type;             /* payload type (2/3: proposal/transform) */
	bool kid;                 /* inside an SA or proposal (not top level) */
	/* generic header (computed unless forced) */
	uint32_t next_payload, reserved, length;
	/* body fields */
	uint32_t doi;             /* SA, N, D */
	uint32_t situation;       /* SA */
	uint32_t number;          /* proposal #, transform # */
	uint32_t protocol;        /* proposal, N, D, ID (IP protocol) */
	uint32_t spi_size;        /* computed from spi (D: set it) */
	uint32_t count;           /* proposal: transforms; D: SPIs (computed) */
	uint32_t id;              /* transform ID */
	uint32_t subtype;         /* ID type, cert encoding, CR type, notify
				     type, NAT-OA ID type, Mode-Config type */
	uint32_t port;            /* ID port, Mode-Config identifier */
	uint32_t reserved2;       /* transform, NAT-OA, Mode-Config reserved */
	chunk_t spi;              /* proposal/N SPI, D: all SPIs */
	chunk_t data;             /* the rest: KE, nonce, ID data, N data ... */
	struct wire_attr *attrs;  /* transform, Mode-Config */
	size_t nattrs, attrs_cap;
	struct wire_node **kids;  /* SA: proposals; proposal: transforms */
	size_t nkids, kids_cap;
	/* as parsed */
	size_t offset;            /* of the generic header, in the datagram */
	chunk_t raw;              /* the payload, generic header included */
	struct wire_ovs ov;
};

struct wire_arena;

struct wire_msg {
	struct wire_header hdr;
	struct wire_node **pl;    /* top-level payloads, in order */
	size_t npl, pl_cap;
	/* parse results */
	chunk_t datagram;         /* a copy of what was parsed */
	bool encrypted;           /* E flag set: payloads not parsed yet */
	chunk_t ciphertext;       /* body after the header, up to its length */
	chunk_t trailing;         /* bytes after the payload chain (cleartext
				     message, or padding of a plaintext) */
	chunk_t extra;            /* datagram bytes past the header length */
	struct wire_arena *arena;
};

/* --- messages --------------------------------------------------------- */

struct wire_msg *wire_msg_new(void);
void wire_msg_free(struct wire_msg *m);
/* Copy bytes into the message's arena (for data that outlives the caller). */
chunk_t wire_msg_dup(struct wire_msg *m, const void *p, size_t len);

/* Parse a datagram (ISAKMP bytes, without any 4500 marker). On failure, err
 * says why; *out may still hold what was parsed (free it either way).
 * With the E flag set only the header is parsed: see wire_parse_plain. */
bool wire_parse(const uint8_t *p, size_t len, struct wire_msg **out,
		struct wire_err *err);
/* Parse payloads from a decrypted body. The chain starts with the header's
 * next payload and ends at next payload 0; what follows is padding, kept in
 * m->trailing. Offsets count from the datagram start (28 + position). */
bool wire_parse_plain(struct wire_msg *m, const uint8_t *p, size_t len,
		      struct wire_err *err);

enum wire_validate_flags {
	WIRE_V_STRICT = 0x01,     /* also reject minor version != 0 and
				     non-zero reserved fields */
	WIRE_V_RESERVED = 0x02,   /* reject non-zero reserved fields only
				     (RFC 2408 3.2: "MUST be set to 0") */
	WIRE_V_ID_STRICT = 0x04,  /* ID data judged strictly (wire_id_check_as:
				     docs/identities.md) */
};
/* Semantic checks a responder makes after parsing: payload types known,
 * exchange type, flags, DOI, situation, SA syntax, ID data, lengths of the
 * message and chain. False with the first problem in err. */
bool wire_validate(const struct wire_msg *m, unsigned flags, struct wire_err *err);

/* Build header + payload chain (cleartext). Computed fields are computed,
 * forced ones written as given. A parsed encrypted message with no payload
 * nodes builds its ciphertext back. */
chunk_t wire_build(const struct wire_msg *m);
/* The payload chain only (the plaintext to encrypt). */
chunk_t wire_build_payloads(const struct wire_msg *m);
/* Header + given ciphertext; header length covers them unless forced. */
chunk_t wire_build_encrypted(const struct wire_msg *m, chunk_t ciphertext);
/* One payload's body (no generic header), as the engine hashes SA and ID
 * bodies; overrides applied. Caller frees. */
chunk_t wire_node_body(const struct wire_node *n);

/* --- nodes ------------------------------------------------------------ */

/* A detached node in m's arena; add it with wire_insert. */
struct wire_node *wire_node_new(struct wire_msg *m, uint8_t type);
/* Append a new payload / a child (proposal to SA, transform to proposal). */
struct wire_node *wire_add(struct wire_msg *m, uint8_t type);
struct wire_node *wire_add_data(struct wire_msg *m, uint8_t type,
				const void *p, size_t len);
struct wire_node *wire_add_kid(struct wire_msg *m, struct wire_node *parent,
			       uint8_t type);
/* Set a node's data / spi (copied into the arena). */
void wire_set_data(struct wire_msg *m, struct wire_node *n, const void *p, size_t len);
void wire_set_spi(struct wire_msg *m, struct wire_node *n, const void *p, size_t len);

struct wire_node *wire_add_sa(struct wire_msg *m, uint32_t doi, uint32_t situation);
struct wire_node *wire_add_proposal(struct wire_msg *m, struct wire_node *sa,
				    uint8_t number, uint8_t protocol,
				    const void *spi, size_t spi_len);
struct wire_node *wire_add_transform(struct wire_msg *m, struct wire_node *prop,
				     uint8_t number, uint8_t id);
struct wire_node *wire_add_id(struct wire_msg *m, uint8_t id_type, uint8_t protocol,
			      uint16_t port, const void *data, size_t len);
/* CERT, CR (and NAT-OA): a one-byte type then data. */
struct wire_node *wire_add_typed(struct wire_msg *m, uint8_t type, uint8_t subtype,
				 const void *data, size_t len);
struct wire_node *wire_add_notify(struct wire_msg *m, uint32_t doi, uint8_t protocol,
				  uint16_t ntype, const void *spi, size_t spi_len,
				  const void *data, size_t len);
/* count SPIs of spi_size bytes each, concatenated. */
struct wire_node *wire_add_delete(struct wire_msg *m, uint32_t doi, uint8_t protocol,
				  uint8_t spi_size, const void *spis, size_t count);

/* Attributes: TV, TLV, or the shortest form for a number (TV if < 2^16). */
struct wire_attr *wire_attr_tv(struct wire_msg *m, struct wire_node *n,
			       uint16_t type, uint16_t value);
struct wire_attr *wire_attr_tlv(struct wire_msg *m, struct wire_node *n,
				uint16_t type, const void *p, size_t len);
struct wire_attr *wire_attr_num(struct wire_msg *m, struct wire_node *n,
				uint16_t type, uint32_t value);
/* Value of an attribute as a number (TV, or TLV up to 4 bytes); false when
 * longer. Find an attribute by type (NULL if absent). */
bool wire_attr_value(const struct wire_attr *a, uint32_t *v);
const struct wire_attr *wire_attr_find(const struct wire_node *n, uint16_t type);

/* Payload list edits (indexes into m->pl). False on a bad index. */
bool wire_insert(struct wire_msg *m, size_t idx, struct wire_node *n);
bool wire_remove(struct wire_msg *m, size_t idx);
bool wire_duplicate(struct wire_msg *m, size_t idx);   /* copy after idx */
bool wire_move(struct wire_msg *m, size_t from, size_t to);
/* The nth payload of a type (0-based), and its index; NULL/-1 if none. */
struct wire_node *wire_find(const struct wire_msg *m, uint8_t type, size_t nth);
long wire_index(const struct wire_msg *m, uint8_t type, size_t nth);
size_t wire_count(const struct wire_msg *m, uint8_t type);
/* Deep copy of a node into m's arena (overrides included). */
struct wire_node *wire_node_copy(struct wire_msg *m, const struct wire_node *n);

/* --- fields by path --------------------------------------------------- */

/* Paths: "header.next_payload", "header.major", "ke.length", "sa.doi",
 * "sa.proposal[0].transform[1].id", "notification[1].type",
 * "sa.proposal.transform.attr[2].type", "payload[3].length". The first
 * part is "header", a payload name (sa ke id cert cr hash sig nonce
 * notification|n|notify delete|d vid natd natoa natd_draft natoa_draft
 * attr|modecfg), "payload[i]" (by position) or "type<N>[i]"; an index
 * counts payloads of that kind. A missing index means [0]. */

/* Force a field. False with a message naming the path when it is bad or the
 * value does not fit the field. */
bool wire_set(struct wire_msg *m, const char *path, uint32_t value,
	      char *err, size_t errlen);
/* Undo wire_set (the field is computed/taken from the node again). */
bool wire_unset(struct wire_msg *m, const char *path, char *err, size_t errlen);
/* Replace a byte field (spi, data, value, icookie, rcookie). Computed
 * fields follow the new bytes unless forced. */
bool wire_set_bytes(struct wire_msg *m, const char *path, const void *p, size_t len,
		    char *err, size_t errlen);
/* Remove the attribute at path ("sa.proposal[0].transform[0].attr[2]"):
 * the later ones move up, lengths follow. False with a message naming the
 * path when there is no such attribute. */
bool wire_remove_attr(struct wire_msg *m, const char *path, char *err, size_t errlen);
/* Read a numeric field as it would be built (forced or computed). */
bool wire_get(const struct wire_msg *m, const char *path, uint32_t *value,
	      char *err, size_t errlen);

/* --- printing --------------------------------------------------------- */

enum wire_print_flags {
	WIRE_P_FULL_HEX = 0x01,   /* never truncate data fields */
};
/* A tree like `tshark -V`, every constant by name, offsets of payloads. */
void wire_print(FILE *f, const struct wire_msg *m, unsigned flags);
/* Short name used in messages and paths ("KE", "SA", "N") of a payload
 * type; "type 77" style into buf for unknown ones. */
const char *wire_payload_short(uint8_t type, char *buf, size_t len);

#endif
