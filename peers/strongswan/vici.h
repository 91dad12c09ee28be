/* strongSwan's vici protocol (the versatile IKE control interface), as
 * pure functions: packets and messages built, parsed with every read
 * bounds-checked, and rendered as swanctl's --pretty text. The socket
 * itself is the driver's (strongswan.c).
 *
 * On the stream, each packet is a 32-bit big-endian length, then a type
 * byte, a name (8-bit length, then the text) for the named types, and a
 * message for the types that carry one. A message is a sequence of
 * elements: sections (named, nested), key/values (named, a 16-bit length
 * value) and lists (named, not nested, of unnamed items). */
#ifndef IKEC_PEERS_STRONGSWAN_VICI_H
#define IKEC_PEERS_STRONGSWAN_VICI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/chunk.h"

enum vici_packet_type {
	VICI_CMD_REQUEST = 0,      /* named, a message */
	VICI_CMD_RESPONSE = 1,     /* a message */
	VICI_CMD_UNKNOWN = 2,      /* no handler for the command */
	VICI_EVENT_REGISTER = 3,   /* named */
	VICI_EVENT_UNREGISTER = 4, /* named */
	VICI_EVENT_CONFIRM = 5,
	VICI_EVENT_UNKNOWN = 6,    /* no such event */
	VICI_EVENT = 7,            /* named, a message */
};

enum vici_elem_type {
	VICI_SECTION_START = 1,
	VICI_SECTION_END = 2,
	VICI_KEY_VALUE = 3,
	VICI_LIST_START = 4,
	VICI_LIST_ITEM = 5,
	VICI_LIST_END = 6,
};

/* charon refuses longer packets (its segment limit, 512 KiB). */
#define VICI_MAX_PACKET (512u * 1024u)
/* Deeper messages are refused: charon's own are four levels deep. */
#define VICI_MAX_DEPTH 32

/* "CMD_REQUEST", "LIST_ITEM", ...; "type N" beyond the tables. */
const char *vici_packet_name(uint8_t type);
const char *vici_elem_name(uint8_t type);

/* --- building --- */

/* One packet being built, length prefix included. Misuse (a name longer
 * than 255 bytes, a value longer than 65535, an item outside a list,
 * unbalanced sections, more than VICI_MAX_PACKET) is remembered, the
 * first one only, and reported by vici_msg_end. */
struct vici_msg {
	struct writer w;
	int depth;             /* open sections */
	bool in_list;
	char err[160];         /* "" while the packet is well made */
};

/* Start a packet; name for the named types (NULL otherwise). */
void vici_msg_begin(struct vici_msg *m, enum vici_packet_type type, const char *name);
void vici_section(struct vici_msg *m, const char *name);
void vici_section_end(struct vici_msg *m);
void vici_kv(struct vici_msg *m, const char *key, const void *value, size_t len);
void vici_kv_str(struct vici_msg *m, const char *key, const char *value);
void vici_list(struct vici_msg *m, const char *name);
void vici_item(struct vici_msg *m, const void *value, size_t len);
void vici_item_str(struct vici_msg *m, const char *value);
void vici_list_end(struct vici_msg *m);
/* Close the packet (its length written); false with the first misuse. */
bool vici_msg_end(struct vici_msg *m, char *err, size_t errlen);
void vici_msg_free(struct vici_msg *m);

/* --- parsing --- */

/* One packet, its length prefix already taken off: the type, the name of
 * a named type, and the message of a type that carries one. msg points
 * into the caller's bytes. */
struct vici_packet {
	uint8_t type;
	char name[256];
	const uint8_t *msg;
	size_t len;
};
bool vici_packet_parse(const uint8_t *p, size_t n, struct vici_packet *out, char *err,
		       size_t errlen);

/* One element of a message; value points into the message. */
struct vici_elem {
	uint8_t type;
	char name[256];           /* SECTION_START, KEY_VALUE, LIST_START */
	const uint8_t *value;     /* KEY_VALUE, LIST_ITEM */
	size_t len;
	size_t offset;            /* of the element's type byte */
	int depth;                /* sections open around it */
};

/* A message read element by element. */
struct vici_reader {
	struct reader r;
	int depth;
	bool in_list;
};
void vici_reader_init(struct vici_reader *vr, const uint8_t *msg, size_t len);
/* The next element: 1, 0 at the end of a well-formed message, -1 with
 * err naming the element and its offset ("vici message: KEY_VALUE at
 * offset 12: value of 300 bytes, 20 left"). */
int vici_next(struct vici_reader *vr, struct vici_elem *e, char *err, size_t errlen);
/* A whole message checked (structure and bounds); false with err. */
bool vici_check(const uint8_t *msg, size_t len, char *err, size_t errlen);
/* The value of key at the top level of a well-formed message as text in
 * out (truncated to fit); false when there is none. */
bool vici_find_str(const uint8_t *msg, size_t len, const char *key, char *out, size_t outlen);

/* --- rendering --- */

/* The message as `swanctl --pretty` prints it: "label {", each element
 * on its line two spaces deeper per level, "key = value", "key = [" ...
 * "]", non-printable values as 0x hex, "}". Appended to out, which stays
 * NUL-terminated (the NUL not counted in out->len). False with err for a
 * malformed message (out then holds what came before the fault). */
bool vici_pretty(const uint8_t *msg, size_t len, const char *label, struct writer *out,
		 char *err, size_t errlen);

#endif
