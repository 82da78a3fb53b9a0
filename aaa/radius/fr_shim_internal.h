/* fr_shim_internal.h: what the shim's C files share (aaa/radius/fr_shim*.c). Not an API: include it
 * from those files only, first (it brings the FreeRADIUS headers in the order they need, see
 * fr_shim.c). Everything else talks to the shim through fr_shim.h. */
#ifndef EDGE_AAA_RADIUS_FR_SHIM_INTERNAL_H
#define EDGE_AAA_RADIUS_FR_SHIM_INTERNAL_H

#include <freeradius/build.h>
#include <freeradius/libradius.h>
#include <freeradius/md5.h> /* fr_hmac_md5, fr_md5_calc */

#include "aaa/radius/fr_shim.h"

#include <stddef.h>
#include <stdint.h>

#define FRS_HEADER_LEN 20
#define FRS_VECTOR_LEN 16
#define FRS_MAX_ATTR_PAYLOAD 253 /* 255 minus type and length octets (RFC 2865 section 5) */
#define FRS_MAX_PASSWORD_LEN 128 /* RFC 2865 section 5.2 */
#define FRS_DECODE_SLACK 64      /* zero octets after each received packet, see frs_decode() */

/* fr_shim.c: errors and packet codes. */
/* Writes the message to err (when given) and returns `code`. */
int shim_fail(char* err, size_t errlen, int code, const char* fmt, ...) __attribute__((format(printf, 4, 5)));
/* The library's last error for this thread (thread-local in 3.2.1), never NULL. */
const char* shim_lib_error(void);
int shim_is_supported_code(unsigned code);
/* For a reply code, the code of the request it answers; 0 for requests. */
unsigned shim_request_code_for(unsigned code);
const char* shim_code_name(unsigned code);
/* The code of the request a reply answers: the usual one when `request_code` is 0, else
 * `request_code` when the reply may answer it. */
int shim_resolve_request_code(unsigned code, unsigned request_code, unsigned* out, char* err, size_t errlen);
/* How many Message-Authenticators the attributes of a packet that passed rad_packet_ok() hold. */
int shim_count_message_authenticators(const uint8_t* data, size_t len);
int shim_has_message_authenticator(const uint8_t* data, size_t len);

/* fr_shim_dictionary.c */
frs_type shim_map_type(PW_TYPE t);
const char* shim_type_name(frs_type t);

/* fr_shim_dynauth.c (RFC 5176) */
int shim_is_dynauth_reply(unsigned code);
/* Redoes the Message-Authenticator and Response Authenticator of a CoA/Disconnect ACK or NAK with
 * the request's authenticator (section 3.4). */
int shim_resign_dynauth_reply(TALLOC_CTX* ctx, uint8_t* data, size_t len, const char* secret,
                              const uint8_t* request_vector, char* err, size_t errlen);

#endif
