/* ProcessPrng for Wine 8.0, whose bcryptprimitives.dll lacks it (scripts/wine-run.sh).
 * Same contract as Windows': fills `data` with `len` random bytes and always returns TRUE.
 * RtlGenRandom (advapi32's SystemFunction036) is what Rust's std used before ProcessPrng; it
 * takes a ULONG length, so long requests are filled in pieces. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
    while (len > 0) {
        ULONG n = len > 0x40000000 ? 0x40000000 : (ULONG)len;
        if (!SystemFunction036(data, n))
            return FALSE;
        data += n;
        len -= n;
    }
    return TRUE;
}
