/* fr_shim.h: our narrow C interface to libfreeradius-radius (Debian 12, FreeRADIUS 3.2.1).
 *
 * aaa/radius/fr_shim.c is the only file in the project that includes FreeRADIUS headers (they are
 * not C++-clean and need a stand-in header, see compat/). Nothing of FreeRADIUS leaks through this
 * header: attributes are (vendor, attr) numbers plus a value in `frs_value`, packets are bytes.
 *
 * Conventions
 *   - Every function that can fail returns an `frs_status` (FRS_OK == 0, errors < 0) and, when
 *     `err` is not NULL and `errlen` > 0, writes a NUL-terminated message into it (truncated to
 *     fit). Messages name the attribute or the check that failed; they never contain the secret.
 *   - Secrets are NUL-terminated C strings (the library uses strlen()), so a secret cannot contain
 *     a NUL octet; an empty secret is rejected.
 *   - (vendor, attr) use FreeRADIUS numbering: vendor 0 for RFC attributes, the IANA enterprise
 *     number for Vendor-Specific ones; RFC 6929 extended attributes carry the parent in the top
 *     octet of `vendor` (e.g. 241.1 is vendor 0xF1000000, attr 1).
 *
 * Thread safety
 *   - frs_dict_init() and frs_dict_free() are NOT thread-safe with respect to anything else: call
 *     frs_dict_init() once at startup before other threads use the shim, and frs_dict_free() only
 *     at exit when no other thread does. The dictionary is process-global in the library.
 *   - After frs_dict_init() has returned, the lookup, encode and decode functions may be called
 *     from several threads at once: each call works in its own talloc context and touches no
 *     mutable global of ours. Two library globals remain and are handled as follows:
 *       * the dictionary's hash tables initialise buckets lazily on lookup (a write); frs_dict_init
 *         touches every populated bucket once so later lookups only read;
 *       * the library RNG (fr_rand) and Tunnel-Password salt counter are global and unlocked; the
 *         shim never calls them: no random vectors (the caller supplies Request Authenticators),
 *         and Tunnel-Password style values (encrypt=2) arrive already encrypted by the caller
 *         (FRS_VALUE_ENCRYPTED), with a salt the caller drew.
 *     Error strings of the library are thread-local (fr_strerror).
 *   - Never enable talloc null tracking (talloc_enable_null_tracking) in this process: it turns
 *     every per-call root context into a child of one shared, unlocked context.
 *
 * Memory
 *   - Each encode/decode call allocates one talloc root context (malloc underneath) and frees it
 *     before returning; only the frs_decoded handle outlives the call, owned by the caller.
 *     Nothing is cached between calls. The dictionary (about 2 MB of heap for Debian's full set)
 *     lives until frs_dict_free().
 */
#ifndef AAA_RADIUS_FR_SHIM_H
#define AAA_RADIUS_FR_SHIM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Result codes. */
typedef enum frs_status {
  FRS_OK = 0,
  FRS_ERR_ARGUMENT = -1,       /* the caller's input is wrong (NULL, bad type, value too long) */
  FRS_ERR_NOT_FOUND = -2,      /* no such attribute in the dictionary */
  FRS_ERR_MALFORMED = -3,      /* the packet fails the structural checks (RFC 2865 section 3, 5) */
  FRS_ERR_AUTHENTICATOR = -4,  /* Request/Response Authenticator or Message-Authenticator mismatch */
  FRS_ERR_ENCODE = -5,         /* the library could not encode the attribute list as given */
  FRS_ERR_LIBRARY = -6,        /* library version mismatch, unreadable dictionary */
  FRS_ERR_STATE = -7,          /* dictionary not loaded / loaded from another folder / freed */
  FRS_ERR_NO_MEMORY = -8,
  FRS_ERR_BUFFER = -9          /* the caller's output buffer is too small */
} frs_status;

/* Value types as they cross the boundary (our own enum, not FreeRADIUS' PW_TYPE). */
typedef enum frs_type {
  FRS_TYPE_STRING = 1,  /* bytes (not NUL-terminated on the wire; may hold any octet) */
  FRS_TYPE_OCTETS,      /* bytes */
  FRS_TYPE_INTEGER,     /* num: 32-bit unsigned */
  FRS_TYPE_BYTE,        /* num: 8-bit unsigned */
  FRS_TYPE_SHORT,       /* num: 16-bit unsigned */
  FRS_TYPE_DATE,        /* num: 32-bit seconds since the Unix epoch */
  FRS_TYPE_IPADDR,      /* num: IPv4 address in host byte order (127.0.0.1 == 0x7f000001) */
  FRS_TYPE_IPV6ADDR,    /* bytes: 16 octets, network order */
  FRS_TYPE_IPV6PREFIX,  /* bytes: wire form, 2..18 octets (reserved, prefix length, prefix) */
  FRS_TYPE_IPV4PREFIX,  /* bytes: wire form, 6 octets (RFC 6572) */
  FRS_TYPE_INTEGER64,   /* num: 64-bit unsigned */
  FRS_TYPE_ETHER,       /* bytes: 6 octets */
  FRS_TYPE_SIGNED,      /* num: 32-bit signed, sign-extended into the uint64 */
  FRS_TYPE_OTHER        /* bytes: any other dictionary type (ifid, abinary, combo-ip, ...), as
                           the library holds it; decode only */
} frs_type;

/* frs_value.flags (encoding only; decoded values have 0).
 *
 * FRS_VALUE_ENCRYPTED: `data`/`len` are the value already encrypted by the caller, written to the
 *   wire unchanged: Salt (2 octets, high bit set) + encrypted String (a multiple of 16 octets), the
 *   layout of RFC 2868 section 3.5 and RFC 2548 section 2.4.2. For a tagged attribute
 *   (Tunnel-Password) the shim writes the tag octet (`tag`, 0 = none) in front. Required for, and
 *   only accepted on, attributes whose dictionary entry has Tunnel-Password style encryption
 *   (frs_attr_encryption() == FRS_ENCRYPT_TUNNEL_PASSWORD), and only in replies: the caller
 *   encrypts with the Request Authenticator of the request being answered (`request_vector` of
 *   frs_encode()). `type` must still be the dictionary type (string or octets). The shim checks the
 *   layout and the attribute's size limit; it cannot check the encryption itself. */
#define FRS_VALUE_ENCRYPTED 0x01u

/* One attribute value. In decoded packets `data` points into memory owned by the frs_decoded
 * handle. For encoding, `data` only has to live for the duration of the frs_encode() call. */
typedef struct frs_value {
  uint32_t vendor;     /* 0 for RFC attributes */
  uint32_t attr;
  frs_type type;       /* must equal the dictionary type of (vendor, attr) when encoding */
  uint8_t tag;         /* RFC 2868 tag, 0 = none, 1..31 valid; only for tagged attributes */
  uint8_t flags;       /* FRS_VALUE_* (encoding); unknown bits are refused */
  uint64_t num;        /* numeric types (see frs_type) */
  const uint8_t* data; /* byte types (see frs_type) */
  size_t len;          /* length of data */
} frs_value;

/* How the dictionary says an attribute's value is hidden on the wire ("encrypt=N"). */
typedef enum frs_encryption {
  FRS_ENCRYPT_NONE = 0,
  FRS_ENCRYPT_USER_PASSWORD = 1,   /* RFC 2865 section 5.2; the shim does it */
  FRS_ENCRYPT_TUNNEL_PASSWORD = 2, /* salted, RFC 2868 section 3.5 / RFC 2548 section 2.4.2
                                      (Tunnel-Password, MS-MPPE-Send/Recv-Key, ...): the caller
                                      encrypts, see FRS_VALUE_ENCRYPTED */
  FRS_ENCRYPT_ASCEND_SECRET = 3    /* not supported by the encoder */
} frs_encryption;

/* ---- Dictionary (once, at startup) ---- */

/* Checks that the loaded library is the version the headers describe (fr_check_lib_magic), loads
 * `dir`/dictionary (which $INCLUDEs the vendor files) and prepares the tables for lock-free
 * concurrent lookups. Calling it again with the same folder is a no-op; with another folder, or
 * after frs_dict_free(), it fails with FRS_ERR_STATE: the library cannot load a second dictionary
 * in one process (3.2.1's dict_free() leaves a dangling pointer that the next load reads). */
int frs_dict_init(const char* dir, char* err, size_t errlen);

/* Frees the dictionary, for a clean exit (valgrind). No other thread may be inside the shim, and
 * no dictionary can be loaded afterwards in this process. Safe to call when not loaded. */
void frs_dict_free(void);

/* 1 when a dictionary is loaded, else 0. */
int frs_dict_loaded(void);

/* Attribute by name (case-insensitive, as FreeRADIUS' dictionary is). FRS_ERR_NOT_FOUND when the
 * dictionary does not define it. */
int frs_attr_by_name(const char* name, uint32_t* vendor, uint32_t* attr, frs_type* type, char* err,
                     size_t errlen);

/* Attribute name by number, copied into `name` (NUL-terminated). FRS_ERR_NOT_FOUND when unknown,
 * FRS_ERR_BUFFER when `namelen` is too small. */
int frs_attr_name(uint32_t vendor, uint32_t attr, char* name, size_t namelen);

/* The encryption the dictionary declares for (vendor, attr), in *out. FRS_ERR_NOT_FOUND when the
 * dictionary lacks the attribute, FRS_ERR_STATE when none is loaded, FRS_ERR_ARGUMENT for NULL. A
 * lookup in a hash table: cheap enough for every attribute of every packet. */
int frs_attr_encryption(uint32_t vendor, uint32_t attr, frs_encryption* out);

/* ---- Encode ---- */

/* The largest RADIUS packet (RFC 2865 section 3). An `out` buffer of this size always suffices. */
#define FRS_MAX_PACKET_LEN 4096

/* Packet codes the shim encodes and decodes. Others are refused. */
#define FRS_CODE_ACCESS_REQUEST 1
#define FRS_CODE_ACCESS_ACCEPT 2
#define FRS_CODE_ACCESS_REJECT 3
#define FRS_CODE_ACCOUNTING_REQUEST 4
#define FRS_CODE_ACCOUNTING_RESPONSE 5
#define FRS_CODE_ACCESS_CHALLENGE 11
#define FRS_CODE_STATUS_SERVER 12 /* RFC 5997 */
#define FRS_CODE_DISCONNECT_REQUEST 40
#define FRS_CODE_DISCONNECT_ACK 41
#define FRS_CODE_DISCONNECT_NAK 42
#define FRS_CODE_COA_REQUEST 43
#define FRS_CODE_COA_ACK 44
#define FRS_CODE_COA_NAK 45

/* Encodes one packet into `out` and sets *out_len.
 *
 *   code, id        header fields.
 *   vector          16 octets. Access-Request and Status-Server: the Request Authenticator (the
 *                   caller supplies the randomness). Ignored (may be NULL) for every other code:
 *                   Accounting-Request, CoA-Request and Disconnect-Request get the MD5 Request
 *                   Authenticator of RFC 2866 section 3 / RFC 5176 section 3, replies the Response
 *                   Authenticator.
 *   values, count   the attributes, encoded in this order. A Message-Authenticator (vendor 0,
 *                   attr 80, octets) in the list is computed, its given content ignored: HMAC-MD5
 *                   with the packet's own Request Authenticator for Access-Request and
 *                   Status-Server, with the request's authenticator for Access and CoA/Disconnect
 *                   replies (RFC 3579 section 3.2, RFC 5176 section 3.4) and for an
 *                   Accounting-Response to a Status-Server (RFC 5997 section 3), with zeros for
 *                   Accounting and CoA/Disconnect requests and other Accounting-Responses.
 *                   User-Password is encrypted (RFC 2865 section 5.2); it is refused in anything
 *                   but an Access-Request (RFC 2866 section 5, RFC 5176 section 3). Tunnel-Password style
 *                   attributes must come encrypted (FRS_VALUE_ENCRYPTED). A Status-Server must
 *                   carry a Message-Authenticator (RFC 5997 section 3), else FRS_ERR_ARGUMENT.
 *   request_vector  replies only (Accept/Reject/Challenge, Accounting-Response, CoA/Disconnect
 *                   ACK/NAK): the Request Authenticator of the request being answered; required.
 *   request_code    replies only: the code of the request being answered; 0 means the usual one
 *                   (Access-Request for Access-*, Accounting-Request for Accounting-Response,
 *                   CoA-/Disconnect-Request for their ACK/NAK), which may also be given explicitly.
 *                   FRS_CODE_STATUS_SERVER is accepted for Access-Accept and Accounting-Response,
 *                   the two answers RFC 5997 section 3 defines; anything else is FRS_ERR_ARGUMENT.
 *                   Ignored for requests.
 *
 * Refused with FRS_ERR_ARGUMENT instead of being silently truncated or dropped by the library:
 * values longer than their attribute can carry (253 octets for RFC attributes, less inside a
 * Vendor-Specific; 128 for User-Password), empty string/octets values (RFC 2865 section 5), types
 * that do not match the dictionary, tags on untagged attributes, internal (non-wire) attributes,
 * Tunnel-Password style attributes without FRS_VALUE_ENCRYPTED (or in a request), that flag on
 * any other attribute or with a malformed value, Ascend-style encryption, RFC 6929 extended, WiMAX
 * and TLV attributes, NAS-Filter-Rule and User-Password style encryption on other attributes
 * (MS-CHAP-MPPE-Keys) (these not supported yet), and lists whose packet would exceed
 * FRS_MAX_PACKET_LEN. As a last guard the encoded length is compared with the expected one
 * (FRS_ERR_ENCODE on a difference). */
int frs_encode(unsigned code, uint8_t id, const uint8_t* vector, const frs_value* values,
               size_t count, const char* secret, const uint8_t* request_vector,
               unsigned request_code, uint8_t* out, size_t out_cap, size_t* out_len, char* err,
               size_t errlen);

/* ---- Decode ---- */

typedef struct frs_decoded frs_decoded;  /* opaque; owns everything the accessors return */

/* Checks and decodes one packet of `len` octets (octets beyond the header's Length are padding
 * and ignored, RFC 2865 section 3).
 *
 *   1. Structure (the library's rad_packet_ok): header length, attribute lengths, Message-
 *      Authenticator length, EAP-Message without Message-Authenticator, and (our own checks) a
 *      Status-Server without Message-Authenticator (RFC 5997 section 3) and more than one
 *      Message-Authenticator (RFC 3579 section 3.2). FRS_ERR_MALFORMED with
 *      the reason.
 *   2. Authenticators (rad_verify): for Accounting-Request, CoA-Request and Disconnect-Request the
 *      Request Authenticator; for replies the Response Authenticator against `request_vector`
 *      (required for replies, FRS_ERR_ARGUMENT without it); for every code, a Message-
 *      Authenticator if one is present. Mismatch: FRS_ERR_AUTHENTICATOR. A missing
 *      Message-Authenticator is NOT an error here except on Status-Server; the caller enforces its
 *      policy for the other codes.
 *   3. Attributes (rad_decode): unknown attributes come back as FRS_TYPE_OCTETS with their
 *      numbers. In Access-Requests, User-Password is decrypted (RFC 2865 section 5.2, clear text up
 *      to the first NUL; in other requests, where it is forbidden, it comes back as received) and
 *      any other encrypted attribute (Tunnel-Password, vendor keys: not valid in
 *      requests) comes back as received; in replies the shim decrypts them with
 *      `request_vector` (Tunnel-Password style values: the clear text, without salt and length
 *      octet; MS-CHAP-MPPE-Keys, User-Password style: cut to its 24 octets); a value that is not Salt + a multiple of 16 octets, or whose decrypted length octet
 *      is too large (wrong secret, altered value), is FRS_ERR_MALFORMED. A User-Password over 128
 *      octets is FRS_ERR_MALFORMED.
 *
 * `request_code`: as for frs_encode(), the code of the request a reply answers (0 = the usual one;
 * FRS_CODE_STATUS_SERVER for the Access-Accept or Accounting-Response to a Status-Server, whose
 * Message-Authenticator the latter changes); ignored for requests.
 *
 * On success *out holds a handle the caller frees with frs_decoded_free(). */
int frs_decode(const uint8_t* data, size_t len, const char* secret, const uint8_t* request_vector,
               unsigned request_code, frs_decoded** out, char* err, size_t errlen);

unsigned frs_decoded_code(const frs_decoded* d);
uint8_t frs_decoded_id(const frs_decoded* d);
const uint8_t* frs_decoded_vector(const frs_decoded* d); /* 16 octets, as received */
size_t frs_decoded_count(const frs_decoded* d);
const frs_value* frs_decoded_values(const frs_decoded* d); /* count entries, in packet order */
void frs_decoded_free(frs_decoded* d);                     /* NULL is fine */

#ifdef __cplusplus
}  /* extern "C" */
#endif

#endif /* AAA_RADIUS_FR_SHIM_H */
