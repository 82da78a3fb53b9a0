/* Empty stand-in for <freeradius/automask.h>.
 *
 * Debian 12's libfreeradius-dev (3.2.1) ships freeradius/autoconf.h, which ends with
 * `#include <freeradius/automask.h>`, but the package does not ship that file, so every
 * translation unit that includes a FreeRADIUS header fails to compile without it. Upstream it is a
 * generated header with nothing the client-side library API needs. Only aaa/radius/fr_shim.c sees
 * this folder (see aaa/CMakeLists.txt). Delete this file once the package ships the real one.
 */
