// Test scaffolding for `npm run test:platforms`, never shipped: Debian's wine (8.0) has no
// bcryptprimitives.dll, whose ProcessPrng Rust's standard library calls for random bytes on
// Windows 10 and later (every Windows that Node 18+ runs on has it). This stand-in, built with
// mingw-w64 and put in the test's wine prefix only, fills the buffer from RtlGenRandom.
#include <windows.h>
#include <ntsecapi.h>

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
  while (len > 0) {
    ULONG chunk = len > 0x10000000 ? 0x10000000 : (ULONG)len;
    if (!RtlGenRandom(data, chunk)) return FALSE;
    data += chunk;
    len -= chunk;
  }
  return TRUE;
}
