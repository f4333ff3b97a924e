/* fuzz.h: the libFuzzer entry point every fuzz_*.c defines; replay.c calls it. */
#ifndef DNSFENCE_FUZZ_H
#define DNSFENCE_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#endif
